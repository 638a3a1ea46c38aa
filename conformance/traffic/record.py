"""One captured exchange as the traffic judges read it, whichever capture it came from.

A HAR entry, an exchange of a report's transcripts and an exchange the proxy just forwarded all
become a ``Record``: the request and its answer with every header as sent, the bodies where the
capture holds them whole, when it was sent and answered, who sent it (a pseudonym of its
credential) and, for an MPSD session URI, which session it names. The judges read nothing else,
and say what they found as ``Judged`` values.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from conformance.http.exchange import Exchange

Headers = tuple[tuple[str, str], ...]
# The session URI under any prefix, with its path words in any letter case (XSAPI writes
# sessionTemplates), and its properties sub-resource.
_SESSION_PATH = re.compile(
    r"/serviceconfigs/([^/]+)/sessiontemplates/([^/]+)/sessions/([^/]+?)(/properties)?/?$", re.IGNORECASE
)
CONTRACT_VERSION = "X-Xbl-Contract-Version"


class Missing:
    """What a body reads as when there is nothing to read: the capture did not hold it whole."""

    def __repr__(self) -> str:
        return "NOT_HELD"


class Unparsed:
    """What a body reads as when it is there but is not JSON."""

    def __repr__(self) -> str:
        return "NOT_JSON"


NOT_HELD, NOT_JSON = Missing(), Unparsed()


@dataclass(frozen=True)
class Route:
    """The MPSD session an exchange names."""

    origin: str
    scid: str
    template: str
    name: str
    properties: bool
    nocommit: bool

    @property
    def session(self) -> tuple[str, str, str, str]:
        """One session across a capture. The name keeps its case: whether a service folds it is
        undocumented (SESSION-NAME-CASE), and two sessions wrongly taken for one would be judged
        against each other."""
        return (self.origin, self.scid.lower(), self.template, self.name)

    @property
    def template_key(self) -> tuple[str, str, str]:
        return (self.origin, self.scid.lower(), self.template)


def route_of(url: str) -> Route | None:
    """The session ``url`` names, or None when it is no MPSD session URI."""
    parts = urlsplit(url)
    found = _SESSION_PATH.search(parts.path)
    if found is None or parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    scid, template, name, properties = found.groups()
    query = {k.lower(): v for k, v in parse_qsl(parts.query, keep_blank_values=True)}
    return Route(
        origin=f"{parts.scheme.lower()}://{parts.netloc.lower()}",
        scid=unquote(scid),
        template=unquote(template),
        name=unquote(name),
        properties=properties is not None,
        nocommit=query.get("nocommit", "").lower() == "true",
    )


def header(headers: Headers, name: str) -> str | None:
    """The first value of a header, whatever the case of its name (RFC 9110 §5.1)."""
    wanted = name.lower()
    return next((value.strip() for key, value in headers if key.lower() == wanted), None)


def media_type(headers: Headers) -> str:
    """The media type without parameters, lower case (both are latitudes: charset, case)."""
    return (header(headers, "Content-Type") or "").split(";")[0].strip().lower()


def parse(body: bytes | None) -> Any:
    """A body's JSON value; NOT_HELD without a body to read, NOT_JSON when it is not JSON."""
    if body is None or not body.strip():
        return NOT_HELD
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return NOT_JSON


@dataclass(frozen=True)
class Record:
    """One exchange of a capture. ``request_body`` and ``response_body`` are None where the
    capture does not hold them whole (a HAR without the text, a report's cut transcript)."""

    index: int
    # Where a reader finds it: "capture.har, entry 12".
    where: str
    # Records are ordered in time only within one clock: a capture file, or one check's transcript.
    clock: str
    start: float
    end: float
    method: str
    url: str
    request_headers: Headers
    request_body: bytes | None
    status: int | None
    response_headers: Headers
    response_body: bytes | None
    # "caller 2": who sent it, when the capture tells its credentials apart; None otherwise.
    caller: str | None
    exchange: Exchange
    error: str | None = None

    @cached_property
    def route(self) -> Route | None:
        return route_of(self.url)

    def request_header(self, name: str) -> str | None:
        return header(self.request_headers, name)

    def response_header(self, name: str) -> str | None:
        return header(self.response_headers, name)

    @property
    def media_type(self) -> str:
        return media_type(self.response_headers)

    @cached_property
    def request_json(self) -> Any:
        return parse(self.request_body)

    @cached_property
    def response_json(self) -> Any:
        return parse(self.response_body)

    @property
    def session(self) -> dict[str, Any] | None:
        """The answer's session document: a JSON object with membersInfo (an error body may be
        JSON too: latitude.yaml, error-bodies-undocumented-json)."""
        document = self.response_json
        if isinstance(document, dict) and "membersInfo" in document:
            return document
        return None

    @property
    def contract_version(self) -> int | None:
        """The request's contract version, when it names one as a number."""
        value = self.request_header(CONTRACT_VERSION)
        return int(value) if value is not None and value.isdigit() else None

    @property
    def shown(self) -> str:
        """The exchange in a few words, for a message: where it is, what was asked, what came back."""
        answer = str(self.status) if self.status is not None else f"no answer ({self.error})"
        return f"{self.where}: {self.method} {self.url} -> {answer}"


@dataclass(frozen=True)
class Judged:
    """One requirement judged on one exchange: broken (``problem`` says how) or kept. ``shown``
    are the earlier exchanges a sequence rule compared it with; ``observed`` is what a PROBE or
    an any-4xx requirement records (the status a refusal used, whether an ETag came)."""

    requirement: str
    record: Record
    problem: str | None = None
    shown: tuple[Record, ...] = ()
    observed: tuple[str, Any] | None = None
