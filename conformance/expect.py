"""Assertions that read like the requirement and fail with what was expected, what came back, and a curl line.

``expect(response).status(201).header("ETag").present()`` raises ``ConformanceFailure`` on the
first mismatch. The failure carries the exchange, so the report shows the evidence and a user can
reproduce it by pasting one line. What a check reads from an answer (``.at(path)``,
``.member(xuid)``, ``.index_of(xuid)``, ``.header(name)``) is a ``Value``, and a failing ``Value``
says what came back: the value itself, "absent", or the members there were instead of the one
looked for. No message is written by hand.

Every response handed to ``expect`` is *judged*: the check records it as evidence for its
requirements, and a check that passes without judging any response is a harness error. The
statuses a check may demand come from its requirement (the ledger is the law): a requirement
whose refusal status is undocumented (``status: any-4xx``) is judged with ``rejected()``, and an
answer that is no verdict at all (a refused credential, a throttle, an overload) blocks the check
instead of failing it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from conformance.http.client import NotJson, Response
from conformance.http.exchange import Exchange
from conformance.ledger import Requirement, unjudged
from conformance.outcomes import Blocked, HarnessError
from conformance.session import find_member, get, members, walk_chain
from conformance.spec import schema_errors
from conformance.text import shorten

# Why an answer blocks a check rather than judging it, by status: the kind of trouble it is.
_CAUSES = {401: "credentials", 407: "credentials", 408: "transport", 429: "throttled", 503: "overloaded"}


@dataclass
class Judgement:
    """What the running check has judged so far: the responses, and what it recorded."""

    requirements: tuple[Requirement, ...] = ()
    judged: list[Exchange] = field(default_factory=list)
    observations: dict[str, Any] = field(default_factory=dict)

    def judge(self, exchange: Exchange) -> None:
        if not any(e is exchange for e in self.judged):
            self.judged.append(exchange)

    @property
    def any_4xx(self) -> tuple[Requirement, ...]:
        return tuple(r for r in self.requirements if r.any_4xx)

    @property
    def counted(self) -> frozenset[int]:
        return frozenset().union(*(r.counted_statuses for r in self.requirements))

    @property
    def names(self) -> str:
        return ", ".join(r.id for r in self.requirements) or "this check"


_current: ContextVar[Judgement | None] = ContextVar("judgement", default=None)


@contextmanager
def judging(requirements: tuple[Requirement, ...]) -> Iterator[Judgement]:
    """The scope of one check: ``expect`` records into the judgement this yields."""
    judgement = Judgement(requirements)
    token = _current.set(judgement)
    try:
        yield judgement
    finally:
        _current.reset(token)


def _judgement() -> Judgement:
    """The running check's judgement; a throwaway one outside a check (unit tests, scripts)."""
    return _current.get() or Judgement()


def observe(key: str, value: Any) -> None:
    """Record what the target did (the exact status of an "any 4xx" answer, a probe's finding)."""
    _judgement().observations[key] = value


class ConformanceFailure(AssertionError):
    """The target did not do what the requirement says."""

    def __init__(self, expected: str, got: str, exchange: Exchange | None = None) -> None:
        self.expected, self.got, self.exchange = expected, got, exchange
        super().__init__(describe(expected, got, exchange))


def describe(expected: str, got: str, exchange: Exchange | None) -> str:
    lines = [f"expected {expected}; got {got}"]
    if exchange is not None:
        lines.append(f"  request:   {exchange.method} {exchange.url}")
        response = exchange.response
        if response is None:
            lines.append(f"  response:  none ({exchange.error})")
        else:
            media = {k.lower(): v for k, v in response.headers.items()}.get("content-type", "no Content-Type")
            body = shorten(response.body or "") or "(empty body)"
            lines.append(f"  response:  {response.status} {media}: {body}")
        lines.append(f"  reproduce: {exchange.curl}")
    return "\n".join(lines)


def fail(expected: str, got: str, response: Response | None = None) -> ConformanceFailure:
    return ConformanceFailure(expected, got, response.exchange if response is not None else None)


def blocked_by(response: Response, status: int, reason: str) -> Blocked:
    """The answer to the check's own request is no verdict on its requirement."""
    return Blocked(
        f"the target {reason} ({status}) instead of answering the request under test: "
        f"{response.exchange.method} {response.exchange.url}",
        _CAUSES.get(status, "precondition"),
    )


class Expectation:
    def __init__(self, response: Response) -> None:
        self.response = response
        _judgement().judge(response.exchange)

    def status(self, *codes: int) -> Expectation:
        judgement = _judgement()
        loose = judgement.any_4xx
        if loose and codes and all(400 <= c < 500 for c in codes):
            raise HarnessError(
                f"the check demands status {'/'.join(map(str, codes))}, but the ledger lets "
                f"{', '.join(r.id for r in loose)} refuse with any 4xx: judge the refusal with rejected()"
            )
        got = self.response.status
        if got in codes:
            return self
        reason = unjudged(got, judgement.counted)
        if reason:
            raise blocked_by(self.response, got, reason)
        wanted = " or ".join(str(c) for c in codes)
        raise fail(f"status {wanted}", str(got), self.response)

    def rejected(self) -> Expectation:
        """Any 4xx that refuses what the requirement is about passes (the docs name no status); the
        exact code is recorded, not judged. A refused credential, a throttle, a 403 that is not
        about access, or a server error blocks the check: none of them says the input was refused."""
        judgement = _judgement()
        if judgement.requirements and not judgement.any_4xx:
            raise HarnessError(
                f"rejected() judges an undocumented refusal status, but {judgement.names} names its "
                "status in the ledger: judge it with status(...)"
            )
        got = self.response.status
        observe("status", got)
        if got >= 400:
            rules = judgement.any_4xx or (Requirement("", "MUST", "", "", "", ()),)
            problem = next((p for r in rules if (p := r.refusal_problem(got))), None)
            if problem:
                raise Blocked(
                    f"the target {problem} to {self.response.exchange.method} {self.response.exchange.url}",
                    _CAUSES.get(got, "precondition"),
                )
            return self
        raise fail("the request to be refused with a 4xx", str(got), self.response)

    def media_type(self, media: str) -> Expectation:
        got = self.response.media_type
        if got != media:
            raise fail(f"Content-Type {media}", got or "no Content-Type", self.response)
        return self

    def header(self, name: str) -> Value:
        """A response header (an empty one reads as absent): ``expect(r).header("ETag").present()``."""
        value = self.response.header(name) or None
        return Value(value, f"the {name} header", self.response, None if value else "absent")

    def no_body(self) -> Expectation:
        if self.response.body.strip():
            raise fail("no body", f"{len(self.response.body)} bytes", self.response)
        return self

    def reason(self) -> Expectation:
        """A body that says why, in words: an error answer's human reason."""
        if not self.response.text.strip():
            raise fail("a non-empty reason in the body", repr(self.response.text), self.response)
        return self

    def text_reason(self) -> Expectation:
        """An error answer: text/plain with a non-empty human reason."""
        return self.media_type("text/plain").reason()

    def session(self, schema: bool = False) -> dict[str, Any]:
        """The body as a session document (a JSON object), optionally checked against the schema."""
        try:
            doc = self.response.json()
        except NotJson as exc:
            raise fail("a JSON session document", str(exc), self.response) from None
        if not isinstance(doc, dict):
            raise fail("a JSON object", type(doc).__name__, self.response)
        if schema:
            errors = schema_errors("MultiplayerSession", doc)
            if errors:
                raise fail("a body matching the MultiplayerSession schema", "; ".join(errors), self.response)
        return doc

    def at(self, path: str) -> Value:
        """A value of the session body, by dotted path: ``expect(r).at("membersInfo.count").equals(1)``."""
        return Value(self.session(), "", self.response).at(path)

    def member(self, xuid: str | None) -> Value:
        """The member whose ``constants.system.xuid`` is ``xuid``: ``.present()`` requires it,
        ``.absent()`` requires that there is none, ``.at(path)`` reads one of its values."""
        session = self.session()
        found = find_member(session, xuid)
        if found is None:
            return Value(None, f"the member with xuid {xuid}", self.response, _no_member(session))
        return Value(found[1], f"member {found[0]} (xuid {xuid})", self.response)

    def index_of(self, xuid: str | None) -> Value:
        """The key under ``members`` of the member whose xuid is ``xuid`` (an index, as a string)."""
        session = self.session()
        found = find_member(session, xuid)
        name = f"the index of the member with xuid {xuid}"
        if found is None:
            return Value(None, name, self.response, _no_member(session))
        return Value(found[0], name, self.response)

    def member_keys(self) -> Value:
        """The keys under ``members``, sorted: indices, or ``me`` where a caller sees only itself."""
        return Value(sorted(members(self.session())), "the keys of members", self.response)

    def member_chain(self) -> list[int]:
        """The member indices along membersInfo.first, each member's next, up to membersInfo.next;
        fails, naming where it breaks, unless that chain visits exactly the members."""
        visited, problem = walk_chain(self.session())
        if problem is not None:
            expected = "membersInfo.first -> next ... -> membersInfo.next over every member"
            raise fail(expected, problem, self.response)
        return visited

    def no_session(self) -> None:
        """A read that finds no session: 204 or 404 (GET-ABSENT-204 judges which of them). A 403
        or a 200 with a session document says one is stored; a read that says neither cannot
        judge whether anything was stored, so it blocks the check."""
        status, expected = self.response.status, "no session stored (a read answering 204 or 404)"
        if status in (204, 404):
            return
        if status == 403:
            raise fail(expected, "403", self.response)
        if status == 200 and _is_session(self.response):
            raise fail(expected, "200 with a session document", self.response)
        raise Blocked(f"reading the session back answered {status} without a session document")

    def value(self, value: Any, name: str) -> Value:
        """A value the check derives from this answer and others it compares it with (the
        statuses of a race, the status a burst ended with): judged like a value of the body."""
        return Value(value, name, self.response)


def _no_member(session: dict[str, Any]) -> str:
    """What came back instead of the member a check looked for: the members by index and xuid."""
    found = ", ".join(f"{i}: {get(m, 'constants.system.xuid')}" for i, m in members(session).items())
    return f"no such member (members {shorten(found, 160)})" if found else "no such member (no members)"


def _is_session(response: Response) -> bool:
    try:
        document = response.json()
    except NotJson:
        return False
    return isinstance(document, dict) and "membersInfo" in document


_ABSENT = object()


class Value:
    """One value of an answer; a failure message shows the value that came back.

    A test sees a missing value as None, as ``session.get`` reads it, and a JSON null is no value
    either (MPSD deletes what is written null): ``absent()`` holds for both, ``present()`` for
    neither. The message still tells them apart: "absent" (or why, for a missing member) or None.
    """

    def __init__(self, value: Any, name: str, response: Response, missing: str | None = None) -> None:
        self.value, self.name, self.response, self.missing = value, name, response, missing

    @property
    def shown(self) -> str:
        return self.missing if self.missing is not None else shorten(repr(self.value))

    def at(self, path: str) -> Value:
        """A value inside this one, by dotted path; missing where this one is."""
        name = f"{self.name}.{path}" if self.name else path
        found = get(self.value, path, _ABSENT)
        if found is _ABSENT:
            return Value(None, name, self.response, self.missing or "absent")
        return Value(found, name, self.response)

    def satisfies(self, test: Callable[[Any], bool], description: str) -> Any:
        """The value, if ``test`` holds for it; ``description`` says what was expected of it."""
        if not test(self.value):
            raise fail(f"{self.name} {description}", self.shown, self.response)
        return self.value

    def equals(self, expected: Any) -> Any:
        """Equal as JSON values: true is not 1 (Python's ``True == 1`` would let that pass)."""
        return self.satisfies(
            lambda v: v == expected and isinstance(v, bool) == isinstance(expected, bool),
            shorten(repr(expected)),
        )

    def differs_from(self, other: Any) -> Any:
        return self.satisfies(lambda v: v != other, f"other than {shorten(repr(other))}")

    def above(self, before: Any) -> Any:
        """An integer above ``before``, an integer read earlier (a counter that must grow)."""
        return self.satisfies(
            lambda v: isinstance(v, int) and isinstance(before, int) and v > before, f"above {before!r}"
        )

    def changed_by(self, step: int, since: Any) -> Any:
        """The integer ``since`` (read earlier) plus ``step``: a count one member up or down."""
        sign = "+" if step >= 0 else "-"
        return self.satisfies(
            lambda v: isinstance(v, int) and isinstance(since, int) and v == since + step,
            f"{since!r} {sign} {abs(step)}",
        )

    def present(self) -> Value:
        """This value, which must be there and not null; chain on it: ``.present().at(path)``."""
        self.satisfies(lambda v: v is not None, "present")
        return self

    def absent(self) -> None:
        if self.value is not None:
            raise fail(f"no {self.name}", self.shown, self.response)


def expect(response: Response) -> Expectation:
    return Expectation(response)
