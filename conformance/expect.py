"""Assertions that read like the requirement and fail with what was expected, what came back, and a curl line.

``expect(response).status(201).header("ETag")`` raises ``ConformanceFailure`` on the first
mismatch. The failure carries the exchange, so the report shows the evidence and a user can
reproduce it by pasting one line.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from conformance.client import NotJson, Response
from conformance.spec import schema_errors
from conformance.verdicts import Exchange

# Where the current check records what it saw (exact status codes of "any 4xx" answers, probe
# results); the pytest plugin sets it around each test.
observations: ContextVar[dict[str, Any] | None] = ContextVar("observations", default=None)


def observe(key: str, value: Any) -> None:
    recorded = observations.get()
    if recorded is not None:
        recorded[key] = value


class ConformanceFailure(AssertionError):
    """The target did not do what the requirement says."""

    def __init__(self, expected: str, got: str, exchange: Exchange | None = None) -> None:
        self.expected, self.got, self.exchange = expected, got, exchange
        super().__init__(describe(expected, got, exchange))


def describe(expected: str, got: str, exchange: Exchange | None) -> str:
    lines = [f"expected {expected}; got {got}"]
    if exchange is not None:
        lines.append(f"  request:   {exchange.method} {exchange.url}")
        if exchange.status is None:
            lines.append(f"  response:  none ({exchange.error})")
        else:
            media = dict((k.lower(), v) for k, v in exchange.response_headers).get(
                "content-type", "no Content-Type"
            )
            lines.append(f"  response:  {exchange.status} {media}: {_snippet(exchange.response_body)}")
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
    """The general form: ``check(count == 2, "membersInfo.count 2", count, resp)``."""
    if not condition:
        raise fail(expected, got if isinstance(got, str) else repr(got), response)


class Expectation:
    def __init__(self, response: Response) -> None:
        self.response = response

    def status(self, *codes: int) -> Expectation:
        got = self.response.status
        if got not in codes:
            wanted = " or ".join(str(c) for c in codes)
            raise fail(f"status {wanted}", str(got), self.response)
        return self

    def rejected(self) -> Expectation:
        """Any 4xx passes (the docs name no status); the exact code is recorded, not judged."""
        got = self.response.status
        observe("status", got)
        if not 400 <= got < 500:
            raise fail("the request to be rejected with a 4xx", str(got), self.response)
        return self

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


def expect(response: Response) -> Expectation:
    return Expectation(response)
