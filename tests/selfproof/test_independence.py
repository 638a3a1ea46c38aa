"""The whole default run, fuzzing included, passes a reference making every latitude's choice at once.

The self-test proves each latitude of ``latitude.yaml`` against the scenario checks; the fuzz phase
judges generated requests with its own checks, so it runs here too, as a user's
``mpsd-conformance run`` would, against the variant with every choice switched on.
"""

from __future__ import annotations

import json

from support import run_against_every_latitude


def test_the_default_run_passes_every_latitude_at_once(tmp_path) -> None:
    code = run_against_every_latitude(tmp_path, "--report-dir", str(tmp_path / "out"))
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    problems = {
        r["id"]: r["reason"]
        for r in report["requirements"]
        if r["verdict"] in ("fail", "warn", "error", "blocked")
    }
    assert (code, problems) == (0, {})
