"""What the run's profile did not score is shown as such in every format, and counts for nothing
in any of them: not in junit's failures, the MUST score, a comparison or a merged campaign."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from msgspec.structs import replace

from conformance.report import ReportError, write_reports
from conformance.report.compare import cell_text, must_score
from conformance.report.merge import merge
from conformance.report.terminal import summary_lines
from conformance.verdicts import ProfileUsed, RunResult

from .golden import ETAG, LATER, golden_result

NOTE = "not scored: added after the profile mpsd-golden"


def _verdict(result: RunResult, rid: str):
    return next(v for v in result.verdicts if v.id == rid)


def test_the_terminal_names_the_profile_and_what_it_did_not_score() -> None:
    lines = summary_lines(golden_result())
    assert f"FAIL    MUST   {LATER.id}: SESSION-A and session-a are two sessions  ({NOTE})" in lines
    assert "profile: mpsd-golden" in lines
    assert "not scored (added after the profile mpsd-golden): 1 fail" in lines
    assert "not run: PUT-RETIRED, which the profile scores but the ledger no longer has" in lines
    assert "MUST: 1 pass, 1 fail, 1 not-applicable" in lines  # the score: LATER's failure is not in it


def test_junit_skips_a_failure_the_profile_does_not_score(tmp_path: Path) -> None:
    suite = ET.parse(write_reports(golden_result(), tmp_path)["junit"]).getroot().find("testsuite")
    assert suite is not None
    case = next(c for c in suite.iter("testcase") if c.get("name", "").startswith(LATER.id))
    assert [child.tag for child in case] == ["skipped"]
    assert case[0].get("message", "").startswith(f"{NOTE}; fail: SESSION-A")
    assert suite.get("failures") == "1"  # PUT-CREATE-201's alone
    assert {p.get("name"): p.get("value") for p in suite.iter("property")}["profile"] == "mpsd-golden"


def test_summary_and_page_show_the_profile_and_a_capped_level(tmp_path: Path) -> None:
    written = write_reports(golden_result(), tmp_path)
    summary, page = written["markdown"].read_text(), written["html"].read_text()
    capped = "scored as SHOULD, its level in the profile (the ledger says MUST now)"
    assert "· profile mpsd-golden ·" in summary
    assert "<summary>Not scored (1)</summary>" in summary
    assert capped in summary
    assert '<span class="label v-not-scored">not scored</span>' in page
    assert f"<dt>Profile</dt><dd>{capped}</dd>" in page


def test_a_comparison_counts_only_scored_musts() -> None:
    result = golden_result()
    score = must_score(result)
    assert (score.passed, score.applicable, score.failing) == (1, 2, 1)
    assert cell_text(_verdict(result, LATER.id)) == "fail (not scored)"
    assert cell_text(_verdict(result, ETAG.id)) == "warn (baselined)"


def _shard(result: RunResult, k: int, folder: Path) -> Path:
    shard = replace(
        result,
        run=replace(result.run, id=f"{result.run.id}-{k}"),
        options={**result.options, "shard": f"{k}/2"},
    )
    return write_reports(shard, folder / f"shard-{k}")["json"].parent


def test_a_merged_campaign_keeps_each_requirements_scoring(tmp_path: Path) -> None:
    result = golden_result()
    merged = merge([_shard(result, 1, tmp_path), _shard(result, 2, tmp_path)])
    assert merged.run.profile == result.run.profile
    marks = [(v.id, v.verdict, v.level, v.ledger_level, v.not_scored) for v in merged.verdicts]
    assert marks == [(v.id, v.verdict, v.level, v.ledger_level, v.not_scored) for v in result.verdicts]
    assert merged.summary == result.summary


def test_merge_refuses_shards_scored_against_different_profiles(tmp_path: Path) -> None:
    result = golden_result()
    other = replace(result, run=replace(result.run, profile=ProfileUsed("mpsd-other")))
    folders = [_shard(result, 1, tmp_path / "a"), _shard(other, 2, tmp_path / "b")]
    with pytest.raises(ReportError, match="has another profile than"):
        merge(folders)
