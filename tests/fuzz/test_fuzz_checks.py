"""Each check the fuzz phase adds for MPSD, and its schema check, fails on the matching reference fault.

Runs on their own module so that pytest-xdist can run them beside test_fuzz_phase.py.
"""

from __future__ import annotations

import pytest

from .test_fuzz_phase import SEED, _run

CHECKED = {
    "no-etag": "ETAG-PRESENT",
    "error-bodies-json": "ERR-TEXT-PLAIN",
    "contract-version-ignored": "CV-ECHO",
    "next-chain-broken": "MEMBERS-CHAIN",
    "timestamps-as-numbers": "SESSION-SCHEMA",
}


@pytest.mark.parametrize(("fault", "requirement"), sorted(CHECKED.items()))
def test_the_fuzz_phase_fails_the_faults_requirement(tmp_path, fault, requirement) -> None:
    checks = _run(tmp_path, SEED, faults=(fault,), select=(requirement,), in_process=True).fuzz
    outcomes = {c["name"]: c["outcome"] for c in checks[requirement]}
    assert "failed" in outcomes.values(), outcomes
