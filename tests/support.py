"""Helpers shared by the project's own tests (importable as `support`: tests/ is on sys.path)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft7Validator, FormatChecker

ROOT = Path(__file__).resolve().parent.parent
# Test data with its origin and licence in a SOURCES.md beside it.
DATA = Path(__file__).resolve().parent / "data"
# What the official client sends and reads.
CORPUS = DATA / "xsapi"
# CTRF's published JSON Schema, which every report.ctrf.json must satisfy.
CTRF_SCHEMA = DATA / "ctrf" / "ctrf.schema.json"


def corpus_files(pattern: str) -> list[Path]:
    """Real XSAPI payloads from tests/data/xsapi (an empty match is a broken pattern, not a pass)."""
    files = sorted(CORPUS.glob(pattern))
    if not files:
        pytest.fail(f"no corpus files match {pattern} under {CORPUS}")
    return files


def load_json(path: Path) -> object:
    return json.loads(path.read_text(encoding="utf-8"))


def ctrf_problems(path: Path) -> list[str]:
    """Where a CTRF file breaks CTRF's schema, formats included: none when valid. Every known format
    is checked, since draft 7's own checker knows no "uuid" and would let any reportId through."""
    validator = Draft7Validator(load_json(CTRF_SCHEMA), format_checker=FormatChecker())
    return [
        f"{path}: /{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(load_json(path))
    ]
