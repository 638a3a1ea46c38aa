"""An operation's stored cases are sent ahead of their judging, and nothing else changes.

``FuzzContext.send_each`` sends the next coverage cases while one is judged. Against the reference
wrapped in a counter of the requests in flight, the same stored cases go once one by one
(``exercise``) and once ahead: each case goes to the same numbered session, as the same user, with
the same body; they are judged in the same order (the first answer each requirement kept is the
same case's); and more than one was in flight. When judging ends the item, the cases sent ahead
are cleaned up, unjudged, and their sessions' numbers and turns are handed out again.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import re
from collections.abc import Iterator
from typing import Any

import pytest
from schemathesis.core.failures import FailureGroup
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from conformance.embedded import embedded_target
from conformance.fuzz import (
    cases,
    checks,  # noqa: F401 - registers the MPSD checks with schemathesis
)
from conformance.fuzz.engine import AHEAD, FuzzContext, operation_of, schema, stored_cases
from conformance.fuzz.shrink import generated
from conformance.http.transport import Limits, Transport
from conformance.reference import ReferenceConfig
from conformance.reference.app import create_app
from conformance.reference.server import BackgroundServer
from conformance.seed import suite_seed

GET = "GET /serviceconfigs/{scid}/sessiontemplates/{sessionTemplateName}/sessions/{sessionName}"
NUMBERED = re.compile(r"/sessions/mpsdfz-[^-/]+-(\d+)-[0-9a-f]+")


class InFlight:
    """The reference, keeping each request's session number, caller and body, and the most
    requests it was answering at once."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.now = self.most = 0
        self.seen: list[tuple[int, str, str, str, bytearray]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        body = bytearray()
        number = NUMBERED.search(scope["path"])
        if number:  # kept before answering: the client goes on once it has the answer
            caller = dict(scope["headers"]).get(b"authorization", b"").decode()
            self.seen.append((int(number[1]), scope["method"], scope["path"], caller, body))

        async def reading() -> Message:
            message = await receive()
            body.extend(message.get("body", b""))
            return message

        self.now += 1
        self.most = max(self.most, self.now)
        try:
            await asyncio.sleep(0.002)  # a target that takes a moment, as every real one does
            await self.app(scope, reading, send)
        finally:
            self.now -= 1


@pytest.fixture
def reference() -> Iterator[tuple[InFlight, Any]]:
    target = embedded_target()
    wire = InFlight(create_app(ReferenceConfig.from_target(target)))
    with BackgroundServer(wire) as server:
        yield wire, dataclasses.replace(target, url=server.url)


@pytest.fixture(scope="module")
def stored() -> list[dict[str, Any]]:
    """The GET operation's stored coverage cases (its generated ones are sent one by one anyway)."""
    return [c for c in stored_cases(GET, 40, suite_seed()) if not generated(cases.restore(_operation(), c))]


def _operation() -> Any:
    return operation_of(schema, GET)


def _context(target: Any) -> FuzzContext:
    return FuzzContext(target, Transport(target.url, Limits(timeout_s=target.timeout_s)), "ahead")


def _what_each_session_got(wire: InFlight) -> dict[int, list[tuple[str, str, bytes]]]:
    """Per session number, its requests in the order they came (their names' random parts left out)."""
    got: dict[int, list[tuple[str, str, str, bytes]]] = {}
    for number, method, path, caller, body in wire.seen:
        got.setdefault(number, []).append((method, NUMBERED.sub("/sessions/N-", path), caller, bytes(body)))
    return got


def _restored(stored: list[dict[str, Any]]) -> Iterator[Any]:
    """The cases afresh: sending a case changes it (and the stored data it was restored from)."""
    return (cases.restore(_operation(), data) for data in copy.deepcopy(stored))


def _one_by_one(context: FuzzContext, stored: list[dict[str, Any]]) -> None:
    for case in _restored(stored):
        context.exercise(case)


def _ahead(context: FuzzContext, stored: list[dict[str, Any]], done: list[None]) -> None:
    """``send_each``, keeping in ``done`` a mark for each case it says is done."""
    done.extend(context.send_each(_restored(stored)))


def _first_case_judging(context: FuzzContext) -> dict[str, int]:
    """For each requirement, the session number of the answer the tally kept first."""
    return {rid: int(NUMBERED.search(exchange.url)[1]) for rid, exchange in context.tally.samples.items()}


def test_cases_sent_ahead_are_the_cases_sent_one_by_one_judged_in_the_same_order(reference, stored) -> None:
    wire, target = reference
    one_by_one = _context(target)
    _one_by_one(one_by_one, stored)
    assert wire.most == 1
    sent_alone, wire.seen, wire.most = _what_each_session_got(wire), [], 0

    ahead, done = _context(target), []
    _ahead(ahead, stored, done)

    assert len(done) == len(stored)
    assert _what_each_session_got(wire) == sent_alone
    assert ahead.tally.judged == one_by_one.tally.judged
    assert _first_case_judging(ahead) == _first_case_judging(one_by_one)
    assert (ahead._turns, ahead._names) == (one_by_one._turns, one_by_one._names)
    assert 1 < wire.most <= AHEAD + 1  # the cases ahead, and the one judged cleaning up after itself


def test_cases_sent_ahead_of_a_failure_are_cleaned_up_and_handed_out_again(reference, stored) -> None:
    wire, target = reference
    # The case before the first one arranged in a session of its own fails: that one is sent ahead.
    failing = next(i for i, c in enumerate(stored) if str(c["meta"].generation.mode) == "positive") - 1
    assert failing >= 0

    def fail_at(context: FuzzContext) -> None:
        judged = 0
        validate = context.validate

        def validating(case: Any, response: Any, how: Any = None) -> None:
            nonlocal judged
            judged += 1
            if judged > failing:
                raise FailureGroup([AssertionError("failed here")], "failed")
            validate(case, response, how)

        context.validate = validating  # type: ignore[method-assign]

    one_by_one = _context(target)
    fail_at(one_by_one)
    with pytest.raises(FailureGroup):
        _one_by_one(one_by_one, stored)
    alone, wire.seen = {n for n, *_ in wire.seen}, []
    ahead, done = _context(target), []
    fail_at(ahead)
    with pytest.raises(FailureGroup):
        _ahead(ahead, stored, done)

    assert len(done) == failing
    assert (ahead._turns, ahead._names) == (one_by_one._turns, one_by_one._names)
    sessions = {n: path.rsplit("/", 1)[1] for n, _, path, *_ in wire.seen}
    assert len(sessions) == len(alone) + AHEAD  # the cases sent ahead went, one arranged in a session
    assert ahead.admin is not None
    left = {n: ahead.admin.get(name).status for n, name in sessions.items()}
    assert 200 not in left.values(), left  # and none of them outlives the item
