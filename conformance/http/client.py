"""The MPSD HTTP client the checks use: session URLs, headers, and a redacted transcript of every call.

Each call becomes an ``Exchange`` (what was sent, what came back, a curl line that reproduces it)
handed to a recorder, so a failing check can show its evidence without anyone re-sending anything.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from requests.structures import CaseInsensitiveDict

from conformance.config import Target
from conformance.http.exchange import Exchange, HttpRequest, HttpResponse
from conformance.http.redact import Redactor
from conformance.http.transport import Transport, TransportError

EVIDENCE_BODY_LIMIT = 4096
NO_HEADER = object()  # pass as contract_version to leave X-Xbl-Contract-Version out
# Marks the suite's own housekeeping (cleanup, audits): no check judges those answers, so the
# reference's self-test log need not count them (reference.app.LogAskedFaults).
HOUSEKEEPING = ("X-Mpsd-Conformance", "housekeeping")
# Headers the HTTP library (or schemathesis) adds to every request: left out of a transcript built
# from the request as it went, since they say nothing about the case and only lengthen its curl line.
TRANSPORT_HEADERS = frozenset(
    {"user-agent", "accept", "accept-encoding", "connection", "content-length", "x-schemathesis-testcaseid"}
)


@dataclass(frozen=True)
class Identity:
    """Who a client speaks as; ``authorization`` is a secret and never leaves through repr or reports."""

    label: str
    xuid: str | None = None
    authorization: str | None = field(default=None, repr=False)


class NotJson(ValueError):
    """The body is not JSON although the check needs it to be."""


@dataclass(frozen=True)
class Response:
    status: int
    headers: CaseInsensitiveDict
    body: bytes
    exchange: Exchange

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    @property
    def etag(self) -> str | None:
        return self.headers.get("ETag")

    @property
    def media_type(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except (ValueError, RecursionError) as exc:
            raise NotJson(f"body is not JSON ({str(exc)[:80]})") from None


Recorder = Callable[[Exchange], None]


def _discard(_: Exchange) -> None:
    """The recorder for housekeeping calls (cleanup, audits) that are nobody's evidence."""


class MpsdClient:
    """Speaks MPSD to one target as one identity."""

    def __init__(
        self,
        target: Target,
        identity: Identity,
        transport: Transport,
        redactor: Redactor,
        recorder: Recorder = _discard,
        extra_headers: Mapping[str, str] | None = None,
    ) -> None:
        self.target = target
        self.identity = identity
        self.transport = transport
        self.redactor = redactor
        self.recorder = recorder
        self.extra_headers = dict(extra_headers or {})

    @property
    def xuid(self) -> str | None:
        return self.identity.xuid

    def with_recorder(self, recorder: Recorder) -> MpsdClient:
        return MpsdClient(self.target, self.identity, self.transport, self.redactor, recorder)

    def housekeeping(self) -> MpsdClient:
        """The same identity for the suite's own upkeep: nothing recorded, requests marked as such."""
        return MpsdClient(
            self.target, self.identity, self.transport, self.redactor, _discard, dict([HOUSEKEEPING])
        )

    def session_url(
        self,
        name: str,
        *,
        template: str | None = None,
        properties: bool = False,
        segment: str = "sessiontemplates",
    ) -> str:
        parts = [
            "serviceconfigs",
            self.target.scid,
            segment,
            template or self.target.template,
            "sessions",
            name,
        ]
        path = "/".join(quote(p, safe="") for p in parts)
        return f"{self.target.url}/{path}" + ("/properties" if properties else "")

    def put(
        self,
        name: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        content_type: str | None = "application/json",
        if_match: str | None = None,
        if_none_match: str | None = None,
        nocommit: bool = False,
        properties: bool = False,
        template: str | None = None,
        segment: str = "sessiontemplates",
        contract_version: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """PUT a session (or its /properties); ``body`` is JSON-encoded unless ``raw`` bytes are given;
        ``headers`` adds request headers (the S2S ones)."""
        payload = raw if raw is not None else json.dumps({} if body is None else body).encode()
        extra, headers = headers, {"Content-Type": content_type} if content_type else {}
        headers.update(extra or {})
        if if_match is not None:
            headers["If-Match"] = if_match
        if if_none_match is not None:
            headers["If-None-Match"] = if_none_match
        url = self.session_url(name, template=template, properties=properties, segment=segment)
        if nocommit:
            url += "?nocommit=true"
        return self.send("PUT", url, headers, payload, contract_version)

    def get(
        self,
        name: str,
        *,
        if_none_match: str | None = None,
        template: str | None = None,
        segment: str = "sessiontemplates",
        contract_version: Any = None,
    ) -> Response:
        headers = {"If-None-Match": if_none_match} if if_none_match is not None else {}
        return self.send(
            "GET", self.session_url(name, template=template, segment=segment), headers, None, contract_version
        )

    def send(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
        contract_version: Any = None,
    ) -> Response:
        """Send one request with the identity's credentials; record it; raise TransportError with the
        exchange attached when no usable HTTP answer came back."""
        full = self._headers(headers, contract_version)
        request = (method, url, tuple(full.items()), body)
        try:
            raw = self.transport.request(method, url, full, body)
        except TransportError as exc:
            exchange = make_exchange(self.redactor, request, None, error=str(exc))
            self.recorder(exchange)
            exc.exchange = exchange  # type: ignore[attr-defined]
            raise
        answer = (raw.status_code, tuple(raw.headers.items()), raw.content)
        exchange = make_exchange(self.redactor, request, answer, getattr(raw, "elapsed_s", 0.0) * 1000)
        self.recorder(exchange)
        return Response(raw.status_code, CaseInsensitiveDict(raw.headers), raw.content, exchange)

    def _headers(self, extra: Mapping[str, str], contract_version: Any) -> dict[str, str]:
        headers: dict[str, str] = {}
        if contract_version is not NO_HEADER:
            headers["X-Xbl-Contract-Version"] = str(contract_version or self.target.contract_version)
        if self.identity.authorization:
            headers["Authorization"] = self.identity.authorization
        headers.update(self.extra_headers)
        headers.update(extra)
        return headers


def make_exchange(
    redactor: Redactor,
    request: tuple[str, str, tuple[tuple[str, str], ...], bytes | None],
    answer: tuple[int, tuple[tuple[str, str], ...], bytes] | None,
    elapsed_ms: float = 0.0,
    error: str | None = None,
) -> Exchange:
    """The redacted record of one call; shared by the scenario client and the fuzz phase."""
    method, url, headers, body = request
    request_headers = redactor.headers(headers)
    request_text = None if body is None else redactor.text(_evidence_text(body))
    response = None
    if answer is not None:
        status, response_headers, response_body = answer
        response = HttpResponse(
            status, dict(redactor.headers(response_headers)), redactor.text(_evidence_text(response_body))
        )
    return Exchange(
        method=method,
        url=redactor.text(url),
        request=HttpRequest(dict(request_headers), request_text),
        response=response,
        elapsed_ms=elapsed_ms,
        curl=curl_line(method, redactor.text(url), request_headers, request_text),
        error=error,
    )


def _evidence_text(data: bytes) -> str:
    text = data[:EVIDENCE_BODY_LIMIT].decode("utf-8", errors="backslashreplace")
    if len(data) > EVIDENCE_BODY_LIMIT:
        text += f"...[{len(data) - EVIDENCE_BODY_LIMIT:,} more bytes]"
    return text


def curl_line(method: str, url: str, headers: tuple[tuple[str, str], ...], body: str | None) -> str:
    """A shell command that sends the same request (credentials shown as [redacted])."""
    words = ["curl", "-sS", "-i", "-X", method, url]
    for name, value in headers:
        words += ["-H", f"{name}: {value}"]
    if body is not None:
        words += ["--data-binary", body]
    return shlex.join(words)
