"""Helpers shared by the project's own tests (importable as `support`: tests/ is on sys.path)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _shared_dir() -> Path:
    """The team's shared folder sits beside the checkout; MPSD_SHARED points elsewhere if needed."""
    candidates = [Path(os.environ["MPSD_SHARED"])] if os.environ.get("MPSD_SHARED") else []
    candidates += [ROOT.parent / "shared", Path("/work/shared")]
    return next((c for c in candidates if (c / "corpus").is_dir()), candidates[0])


SHARED = _shared_dir()
CORPUS = SHARED / "corpus" / "xsapi"
SPEC_DIR = SHARED / "spec"


def corpus_files(pattern: str) -> list[Path]:
    """Real XSAPI payloads, read in place from ../shared (never copied into the project)."""
    files = sorted(CORPUS.glob(pattern))
    if not files:
        pytest.fail(
            f"no corpus files match {pattern} under {CORPUS}; the tests need ../shared beside the checkout"
        )
    return files


def load_json(path: Path) -> object:
    return json.loads(path.read_text(encoding="utf-8"))
