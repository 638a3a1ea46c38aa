"""A fuzz item's results: findings fail, judged answers pass, lost answers block, bugs are errors."""

from __future__ import annotations

from types import SimpleNamespace

from schemathesis.core.failures import Failure, ServerError

from conformance.fuzz.judging import Tally, results_for
from conformance.http.exchange import Exchange, HttpRequest, HttpResponse
from conformance.outcomes import Blocked

ITEM = SimpleNamespace(nodeid="conformance/fuzz/test_fuzz.py::test_operation[PUT]")
IDS = ("SRV-NO-5XX", "SESSION-SCHEMA")
REPLAY = "mpsd-conformance run --seed 1 --select {requirement}"
SAMPLE = Exchange(
    method="PUT",
    url="http://t.test/s",
    request=HttpRequest({}, "{}"),
    response=HttpResponse(200, {}, "{}"),
    elapsed_ms=1.0,
    curl="curl http://t.test/s",
)


def _finding() -> Failure:
    failure = Failure.__new__(ServerError)
    failure.title, failure.message, failure.mpsd_status = "Server error", "500 on a join", 500
    return failure


def _tally(**judged: int) -> Tally:
    tally = Tally()
    for requirement, count in judged.items():
        for _ in range(count):
            tally.count(requirement.replace("_", "-"), lambda: SAMPLE)
        tally.useful += count
    return tally


def test_a_requirement_passes_only_on_answers_that_exercised_it() -> None:
    results = results_for(ITEM, IDS, _tally(SRV_NO_5XX=3), None, REPLAY)
    assert (results["SRV-NO-5XX"].outcome, results["SRV-NO-5XX"].judged) == ("passed", 3)
    assert results["SRV-NO-5XX"].evidence == (SAMPLE,)
    assert results["SESSION-SCHEMA"].outcome == "not-applicable"


def test_answers_lost_to_throttling_block_what_they_would_have_judged() -> None:
    tally = Tally()
    tally.unjudged[429] += 7
    results = results_for(ITEM, IDS, tally, None, REPLAY)
    assert {r.outcome for r in results.values()} == {"blocked"}
    assert results["SRV-NO-5XX"].cause == "throttled"
    assert "7 answers were 429" in results["SRV-NO-5XX"].message


def test_a_finding_fails_its_requirement_with_a_replay_line() -> None:
    results = results_for(ITEM, IDS, _tally(SRV_NO_5XX=2), ExceptionGroup("found", [_finding()]), REPLAY)
    failed = results["SRV-NO-5XX"]
    assert (failed.outcome, failed.judged) == ("failed", 3)
    assert "--select SRV-NO-5XX" in failed.message


def test_a_bug_inside_a_group_of_findings_is_a_harness_error_not_dropped() -> None:
    error = ExceptionGroup("found", [_finding(), RuntimeError("the check itself broke")])
    results = results_for(ITEM, IDS, _tally(SRV_NO_5XX=2), error, REPLAY)
    assert {r.outcome for r in results.values()} == {"error"}
    assert "the check itself broke" in results["SRV-NO-5XX"].message


def test_a_stopped_target_blocks_the_item() -> None:
    results = results_for(ITEM, IDS, None, Blocked("target stopped answering", "target-stopped"), REPLAY)
    assert {(r.outcome, r.cause) for r in results.values()} == {("blocked", "target-stopped")}
