"""A fuzz item's findings are shrunk within a bounded budget, and the report says when it ran out.

Against the reference with ``wrong-types-500``, many generated invalid bodies (a wrongly typed
system field) are answered 500. Left alone, Hypothesis shrinks such a finding for hundreds of round
trips; the budget stops it after a fixed number of cases, counted here on the wire.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import FlakyFailure
from schemathesis.core.failures import Failure, ServerError
from schemathesis.generation import GenerationMode
from schemathesis.generation.meta import TestPhase
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from conformance.embedded import embedded_target
from conformance.fuzz import checks  # noqa: F401 - registers the MPSD checks with schemathesis
from conformance.fuzz.classify import failures_in, requirement_of
from conformance.fuzz.engine import FuzzContext, schema
from conformance.fuzz.judging import results_for
from conformance.fuzz.shrink import Finding, ShrinkBudget, Spent, generated
from conformance.http.transport import Limits, Transport
from conformance.reference import ReferenceConfig
from conformance.reference.app import create_app
from conformance.reference.server import BackgroundServer

SESSION = "/serviceconfigs/{scid}/sessiontemplates/{sessionTemplateName}/sessions/{sessionName}"
BUDGET = 5
ITEM = SimpleNamespace(nodeid="conformance/fuzz/test_fuzz.py::test_operation[PUT]")
REPLAY = "mpsd-conformance run --seed 5 --select {requirement}"
CASE_HEADER = b"x-schemathesis-testcaseid"


class CaseStatuses:
    """Keeps the status of every answer to a generated case (the request carries its case id)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.statuses: list[int] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        is_case = scope["type"] == "http" and any(k == CASE_HEADER for k, _ in scope["headers"])

        async def sending(message: Message) -> None:
            if is_case and message["type"] == "http.response.start":
                self.statuses.append(message["status"])
            await send(message)

        await self.app(scope, receive, sending)


@pytest.fixture
def faulty() -> Iterator[tuple[FuzzContext, CaseStatuses]]:
    target = embedded_target()
    config = ReferenceConfig.from_target(target, faults=frozenset({"wrong-types-500"}))
    wire = CaseStatuses(create_app(config))
    with BackgroundServer(wire) as server:
        live = dataclasses.replace(target, url=server.url)
        transport = Transport(live.url, Limits(timeout_s=live.timeout_s))
        yield FuzzContext(live, transport, "shrink"), wire
        transport.close()


def test_a_spent_budget_stops_shrinking_and_the_report_says_so(faulty) -> None:
    context, wire = faulty
    context.shrink = ShrinkBudget(BUDGET)

    @seed(5)
    @settings(
        max_examples=100,
        phases=(Phase.generate, Phase.shrink),
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=schema[SESSION]["PUT"].as_strategy(GenerationMode.NEGATIVE))
    def fuzz(case) -> None:
        context.exercise(case)

    with pytest.raises(Spent) as stopped:
        fuzz()
    # On the wire: the first 500, then exactly the budget's worth of cases, then nothing.
    first = wire.statuses.index(500)
    assert len(wire.statuses) - (first + 1) == BUDGET
    assert stopped.value.budget == BUDGET
    findings, others = failures_in(stopped.value)
    assert findings
    assert not others
    assert {requirement_of(f, f.mpsd_status) for f in findings} == {"SRV-NO-5XX"}

    failed = results_for(ITEM, ("SRV-NO-5XX",), context.tally, stopped.value, REPLAY)["SRV-NO-5XX"]
    assert failed.outcome == "failed"
    assert f"not fully shrunk (budget {BUDGET} spent)" in failed.message
    shrinking = {k: v for k, v in failed.observations.items() if k != "replay"}
    assert shrinking == {"fully_shrunk": False, "shrink_budget": BUDGET}
    assert "reproduce: curl" in failed.message
    assert "replay:    mpsd-conformance run --seed 5 --select SRV-NO-5XX" in failed.message
    assert failed.evidence
    assert failed.evidence[0].status == 500


def _failure(message: str, size: int, budget: ShrinkBudget) -> BaseException:
    failure = Failure.__new__(ServerError)
    failure.title, failure.message, failure.code, failure.mpsd_status = "Server error", message, "ST101", 500
    return budget.found([failure], size)


def test_the_budget_is_paid_only_after_a_finding_and_keeps_the_shortest_of_each_kind() -> None:
    budget = ShrinkBudget(2)
    for _ in range(10):
        budget.pay()  # no finding yet: searching is what the examples are for
    assert budget.spent == 0
    assert isinstance(_failure("long", 900, budget), Finding)
    _failure("short", 100, budget)
    _failure("longer again", 500, budget)
    budget.pay()
    budget.pay()
    with pytest.raises(Spent) as stopped:
        budget.pay()
    assert [f.message for f in stopped.value.exceptions] == ["short"]


def test_only_generated_cases_are_shrunk() -> None:
    def case(phase: TestPhase) -> SimpleNamespace:
        return SimpleNamespace(meta=SimpleNamespace(phase=SimpleNamespace(name=phase)))

    assert generated(case(TestPhase.FUZZING))
    assert not generated(case(TestPhase.COVERAGE))
    assert not generated(case(TestPhase.EXAMPLES))
    assert not generated(SimpleNamespace(meta=None))


def test_a_finding_hypothesis_could_not_replay_is_reported_as_found_not_as_an_error() -> None:
    finding = _failure("500 once", 100, ShrinkBudget(BUDGET))
    error = FlakyFailure("Inconsistent results: failed on the first run but now succeeds", [finding])
    failed = results_for(ITEM, ("SRV-NO-5XX",), None, error, REPLAY)["SRV-NO-5XX"]
    assert failed.outcome == "failed"
    assert "did not fail the same way when replayed" in failed.message
    assert failed.observations == {"reproduced_on_replay": False}


def test_a_finding_shrunk_to_the_end_carries_no_note() -> None:
    finding = _failure("500", 100, ShrinkBudget(BUDGET))
    failed = results_for(ITEM, ("SRV-NO-5XX",), None, ExceptionGroup("found", [finding]), REPLAY)
    assert "shrunk" not in failed["SRV-NO-5XX"].message
    assert failed["SRV-NO-5XX"].observations == {}
