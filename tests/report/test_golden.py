"""Every report file of a fixed run stays byte for byte what it was: keys, types, order and wording."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import ctrf_problems

from conformance.report import FILES, load_report, write_reports

from .golden import GOLDEN, golden_result

REGENERATE = "a deliberate change? regenerate the golden files as tests/data/report/SOURCES.md says"


@pytest.mark.parametrize("name", FILES)
def test_each_report_file_is_the_golden_one(name: str, tmp_path: Path) -> None:
    written = write_reports(golden_result(), tmp_path)[name]
    golden = GOLDEN / written.name
    assert written.read_text(encoding="utf-8") == golden.read_text(encoding="utf-8"), REGENERATE


def test_the_golden_report_is_a_valid_report() -> None:
    load_report(GOLDEN / "report.json")


def test_the_golden_ctrf_file_is_valid_ctrf() -> None:
    assert ctrf_problems(GOLDEN / "report.ctrf.json") == []
