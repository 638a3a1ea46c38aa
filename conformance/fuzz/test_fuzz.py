"""Fuzzing and stateful sequences generated from openapi/mpsd.yaml (run after the scenarios).

Each operation is fuzzed in positive and negative mode; the stateful machine follows the
document's links (create -> read back -> conditional update with the ETag -> read back). Findings
are reported against the requirement they concern (``conformance.fuzz.classify``).
"""

from __future__ import annotations

import hypothesis
import pytest
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.stateful import run_state_machine_as_test

from conformance import bodies
from conformance.fuzz import (
    cases,
    checks,  # noqa: F401 - registers the MPSD checks with schemathesis
)
from conformance.fuzz.classify import STATEFUL, STATELESS
from conformance.fuzz.engine import (
    OPERATIONS,
    FuzzContext,
    operation_of,
    run_operation,
    schema,
    stored_cases,
)
from conformance.fuzz.judging import read_back
from conformance.fuzz.shrink import Finding
from conformance.fuzz.steps import step_schema
from conformance.ledger import NOT_A_VERDICT


@pytest.mark.requirement(*STATELESS)
@pytest.mark.parametrize("operation", OPERATIONS)
def test_operation(operation, mpsd_fuzz, mpsd_fuzz_budget):
    """The operation's stored cases, sent in order (recorded first when none are stored; the next
    one goes while one is judged: ``FuzzContext.send_each``); a generated case that finds something
    runs the operation again, live, for Hypothesis to search and shrink from there, sending only
    from that case on (``conformance.fuzz.cases``). Each recording and live run has a schema object
    of its own, so what an operation generates never depends on what ran before it."""
    examples, seed = mpsd_fuzz_budget
    stored = stored_cases(operation, examples, seed)
    target = operation_of(schema, operation)
    sent = 0
    try:
        for _ in mpsd_fuzz.send_each(cases.restore(target, data) for data in stored):
            sent += 1
    except Finding:
        mpsd_fuzz.restart()
        # The cases sent before, as stored (sending changed the ones in hand), go unsent again.
        passed = stored_cases(operation, examples, seed)[:sent]
        run_operation(operation, examples, seed, cases.resume(passed, mpsd_fuzz.exercise))


class SessionWorkflow:
    """One fresh session per scenario; a successful write must be readable until it is undone.

    Findings are collected, not raised: a failing sequence replayed by Hypothesis talks to a
    live service whose answers can differ run to run (fresh ETags, timers), which Hypothesis
    reports as flaky instead of as the bug. ``test_stateful`` raises what was found, with evidence,
    once the sequences have run. Hypothesis makes the machines, so a run's context and findings
    ride on a class made for that run (``session_workflow``), with the state machine schemathesis
    makes of the run's schema object, whose steps are the stored cases (``conformance.fuzz.steps``).
    """

    context: FuzzContext
    findings: list[BaseException]

    def setup(self):
        """Start every scenario from a session that exists: random first writes mostly create
        nothing (no member: 204) or fail a random precondition (412), leaving nothing to follow."""
        self.name = self.context.new_name()
        created = self.context.user.put(self.name, bodies.join(self.context.user.xuid))
        self.stored = created.status in (200, 201) and "nextTimer" not in created.text
        # The sequence so far, as replay sends it again (after the same join).
        self.steps = []

    def before_call(self, case):
        self.context.aim(case, self.name)

    def call(self, case, **kwargs):
        response = self.context.call_or_block(case)
        etag = (response.headers.get("etag") or [None])[0]  # schemathesis keeps lower-cased lists
        self.steps.append({**cases.to_record(case), "etag": etag})
        return response

    def _found(self, failures):
        """Findings of this sequence, each carrying the whole sequence for replay."""
        chain = self.context.redacted({"identity": self.context.user.identity.label, "chain": self.steps})
        for failure in failures:
            failure.mpsd_replay = chain
        self.findings.extend(failures)

    def after_call(self, response, case):
        read_after_write = case.method.upper() == "GET" and self.stored
        self.stored, lost = read_back(self.stored, case, response)
        if read_after_write and response.status_code not in NOT_A_VERDICT:
            self.context.tally.count("GET-READ", lambda: self.context.evidence(response))
        if lost is not None:
            lost.mpsd_status = response.status_code
            lost.mpsd_exchange = self.context.evidence(response)
            self._found([lost])

    def validate_response(self, response, case, additional_checks=None, **kwargs):
        try:
            self.context.validate(case, response)
        except FailureGroup as group:
            self._found(group.exceptions)

    def teardown(self):
        self.context.cleanup(self.name)


def session_workflow(context: FuzzContext, examples: int, seed: int) -> type[SessionWorkflow]:
    """This run's state machine: its context, a findings list of its own, its steps and its seed."""
    base = step_schema(examples, seed).as_state_machine()
    machine = type("SessionWorkflow", (SessionWorkflow, base), {"context": context, "findings": []})
    return hypothesis.seed(seed)(machine)


@pytest.mark.requirement(*STATEFUL)
def test_stateful(mpsd_workflow):
    machine, settings = mpsd_workflow
    run_state_machine_as_test(machine, settings=settings)
    if machine.findings:
        raise ExceptionGroup("stateful sequences found problems", list(machine.findings))
