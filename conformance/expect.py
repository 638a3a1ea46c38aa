"""Assertions that read like the requirement and fail with what was expected, what came back, and a curl line.

``expect(response).status(201).header("ETag")`` raises ``ConformanceFailure`` on the first
mismatch. The failure carries the exchange, so the report shows the evidence and a user can
reproduce it by pasting one line.

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
from conformance.session import get
from conformance.spec import schema_errors

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
            lines.append(f"  response:  {response.status} {media}: {_snippet(response.body)}")
        lines.append(f"  reproduce: {exchange.curl}")
    return "\n".join(lines)


def _snippet(body: str | None, width: int = 200) -> str:
    if not body:
        return "(empty body)"
    flat = " ".join(body.split())
    return flat if len(flat) <= width else flat[: width - 3] + "..."


def fail(expected: str, got: str, response: Response | None = None) -> ConformanceFailure:
    return ConformanceFailure(expected, got, response.exchange if response is not None else None)


def check(condition: bool, expected: str, got: Any, response: Response | None = None) -> None:
    """The general form: ``check(count == 2, "membersInfo.count 2", count, resp)``; ``response`` is
    the answer the condition was read from, and counts as judged."""
    if response is not None:
        _judgement().judge(response.exchange)
    if not condition:
        raise fail(expected, got if isinstance(got, str) else repr(got), response)


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

    def header(self, name: str) -> str:
        value = self.response.header(name)
        if not value:
            raise fail(f"a non-empty {name} header", "none", self.response)
        return value

    def no_body(self) -> Expectation:
        if self.response.body.strip():
            raise fail("no body", f"{len(self.response.body)} bytes", self.response)
        return self

    def text_reason(self) -> Expectation:
        """An error answer: text/plain with a non-empty human reason."""
        self.media_type("text/plain")
        if not self.response.text.strip():
            raise fail("a non-empty text/plain reason", "an empty body", self.response)
        return self

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
        return Value(self.session(), path, self.response)


_ABSENT = object()


class Value:
    """One value of a document; its failure message shows the value that came back."""

    def __init__(self, document: Any, path: str, response: Response) -> None:
        self.path, self.response = path, response
        self.value = get(document, path, _ABSENT)

    @property
    def _shown(self) -> str:
        return "absent" if self.value is _ABSENT else repr(self.value)

    def satisfies(self, test: Callable[[Any], bool], description: str) -> Any:
        """The value, if ``test`` holds; ``description`` says what was expected of it."""
        if self.value is _ABSENT or not test(self.value):
            raise fail(f"{self.path} {description}", self._shown, self.response)
        return self.value

    def equals(self, expected: Any) -> Any:
        return self.satisfies(lambda v: v == expected, repr(expected))

    def absent(self) -> None:
        if self.value is not _ABSENT:
            raise fail(f"no {self.path}", self._shown, self.response)

    def present(self) -> Any:
        return self.satisfies(lambda v: v is not None, "present")


def expect(response: Response) -> Expectation:
    return Expectation(response)
