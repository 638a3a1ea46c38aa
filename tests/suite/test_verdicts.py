"""Folding check results into a requirement's verdict: no pass without evidence."""

from __future__ import annotations

from conformance.ledger import load_ledger
from conformance.verdicts import CheckResult, judge, run_errors

LEDGER = load_ledger()
MUST = LEDGER.get("SESSION-SCHEMA")
PROBE = LEDGER.get("SESSION-NAME-CASE")


def result(outcome: str, judged: int = 0, message: str = "", **extra) -> CheckResult:
    return CheckResult(check="test_x", outcome=outcome, message=message, judged=judged, **extra)


def test_a_pass_needs_a_judged_answer() -> None:
    assert judge(MUST, [result("passed", judged=0)]).verdict == "not-applicable"
    assert (
        judge(MUST, [result("passed", judged=0), result("blocked", message="no create")]).verdict == "blocked"
    )
    assert judge(MUST, [result("passed", judged=2)]).verdict == "pass"


def test_a_pass_says_how_many_of_its_checks_were_blocked() -> None:
    verdict = judge(MUST, [result("passed", judged=1), result("blocked", message="the create answered 503")])
    assert verdict.verdict == "pass"
    assert verdict.reason == "1 of its checks blocked (the create answered 503)"
    assert verdict.judged == 1


def test_a_failure_outranks_everything_but_a_harness_error() -> None:
    assert (
        judge(MUST, [result("passed", judged=1), result("failed", judged=1, message="no")]).verdict == "fail"
    )
    assert judge(MUST, [result("failed", judged=1), result("error", message="bug")]).verdict == "error"


def test_a_probe_shows_what_was_recorded_before_how_it_differs() -> None:
    checks = [
        CheckResult(
            check="t",
            outcome="failed",
            message="expected 200; got 404",
            observations={"status": 404},
            judged=1,
        )
    ]
    verdict = judge(PROBE, checks)
    assert (verdict.verdict, verdict.reason) == ("observed", "status=404; expected 200; got 404")


def test_a_run_is_untrustworthy_when_the_target_stopped_or_nothing_was_judged() -> None:
    stopped = result("blocked", message="target stopped answering\n  reproduce: curl", cause="target-stopped")
    judged = judge(MUST, [result("passed", judged=1)])
    assert run_errors([judged, judge(MUST, [stopped])]) == (
        "the checks after this are blocked: target stopped answering",
    )
    assert run_errors([judge(MUST, [result("blocked", message="429")])]) == (
        "nothing could be judged: every check was blocked (429)",
    )
    assert run_errors([judged]) == ()
