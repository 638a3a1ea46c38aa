"""Helpers shared by the project's own tests (importable as `support`: tests/ is on sys.path)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Test data with its origin and licence in a SOURCES.md beside it.
DATA = Path(__file__).resolve().parent / "data"
# What the official client sends and reads.
CORPUS = DATA / "xsapi"


def corpus_files(pattern: str) -> list[Path]:
    """Real XSAPI payloads from tests/data/xsapi (an empty match is a broken pattern, not a pass)."""
    files = sorted(CORPUS.glob(pattern))
    if not files:
        pytest.fail(f"no corpus files match {pattern} under {CORPUS}")
    return files


def load_json(path: Path) -> object:
    return json.loads(path.read_text(encoding="utf-8"))
