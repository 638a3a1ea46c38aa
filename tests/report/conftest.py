"""Runs to report on, built by hand so the report tests need no target."""

from __future__ import annotations

import pytest

from conformance.verdicts import RunResult

from .runs import BASELINE, build_result, every_verdict_checks


@pytest.fixture
def result() -> RunResult:
    """Every verdict; exit code 3 because one requirement errored."""
    return build_result(every_verdict_checks(), BASELINE)


@pytest.fixture
def failed_result() -> RunResult:
    """Failures but no error, so the run is FAILED rather than ERROR."""
    return build_result([f for f in every_verdict_checks() if f[1].outcome != "error"], BASELINE)


@pytest.fixture
def green_result() -> RunResult:
    return build_result(
        [f for f in every_verdict_checks() if f[1].outcome in ("passed", "not-applicable")], {}
    )
