"""HAR 1.2 both ways: entries a capture tool wrote, read into records, and the entries the proxy
writes, with every secret taken out.

A HAR holds real secrets: Authorization, Signature, Cookie and Set-Cookie (and Proxy-Authorization)
headers, and its cookies lists. None of it reaches a record's transcript, a report, a log or a HAR
the proxy writes: those header values are replaced, cookies lists emptied, and every secret value
the capture holds is scrubbed from URLs and bodies as well (a service may echo a token back). A
credential becomes a pseudonym, ``[redacted caller 2]``, numbered in the order callers first
appear, so that a written HAR still tells its callers apart (CLIENT-ME-IS-SELF) and reads back as
it was judged.
"""

from __future__ import annotations

import base64
import hashlib
import re
import threading
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from conformance import __version__
from conformance.http.client import make_exchange
from conformance.http.redact import REDACTED, SENSITIVE_HEADERS, Redactor
from conformance.session import timestamp
from conformance.traffic.record import Headers, Record, header
from conformance.verdicts import SUITE_NAME

VERSION = "1.2"
_PSEUDONYM = re.compile(r"^\[redacted (caller \d+)\]$")
_COOKIES = frozenset({"cookie", "set-cookie"})


class HarError(ValueError):
    """An entry that is no HAR entry; the message says which and why, on one line."""


class Callers:
    """Credentials -> "caller 1", "caller 2", ... in the order they first appear. Only a digest of
    each credential is kept, in memory, to recognise it again."""

    def __init__(self) -> None:
        self._labels: dict[str, str] = {}
        self._lock = threading.Lock()

    def label(self, authorization: str | None) -> str | None:
        """The caller a credential names; None when the capture does not say (no credential, or
        one already redacted without a pseudonym, as in the suite's own reports)."""
        value = (authorization or "").strip()
        if not value or value == REDACTED:
            return None
        found = _PSEUDONYM.match(value)
        if found:
            return found[1]
        key = hashlib.sha256(value.encode()).hexdigest()
        with self._lock:
            return self._labels.setdefault(key, f"caller {len(self._labels) + 1}")


def secrets_in(headers: Iterable[tuple[str, str]], cookies: Iterable[str] = ()) -> set[str]:
    """Every secret value a message holds: sensitive header values, and each cookie's value (of a
    Set-Cookie, the first pair: its attributes, Path or Domain, are no secret)."""
    found = set(cookies)
    for name, value in headers:
        lowered = name.lower()
        if lowered not in SENSITIVE_HEADERS:
            continue
        found.add(value)
        pairs = value.split(";")[:1] if lowered == "set-cookie" else value.split(";")
        if lowered in _COOKIES:
            found.update(pair.partition("=")[2].strip() for pair in pairs)
    return {s for s in found if s}


def redacted(headers: Iterable[tuple[str, str]], redactor: Redactor, callers: Callers) -> Headers:
    """Headers as the proxy writes them: secrets replaced, a credential by its caller's pseudonym."""
    out = []
    for name, value in headers:
        if name.lower() == "authorization" and (label := callers.label(value)):
            out.append((name, f"[redacted {label}]"))
        else:
            out.append((name, redactor.header(name, value)))
    return tuple(out)


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _content(body: bytes, redactor: Redactor) -> dict[str, Any]:
    """A body as HAR text: UTF-8 as it is, anything else base64 (scrubbed either way)."""
    try:
        return {"text": redactor.text(body.decode("utf-8"))}
    except UnicodeDecodeError:
        scrubbed = redactor.text(body.decode("latin-1")).encode("latin-1")
        return {"text": base64.b64encode(scrubbed).decode("ascii"), "encoding": "base64"}


def _pairs(headers: Headers) -> list[dict[str, str]]:
    return [{"name": name, "value": value} for name, value in headers]


def entry(
    *,
    started: float,
    elapsed_s: float,
    method: str,
    url: str,
    request: tuple[Headers, bytes | None],
    response: tuple[int, str, Headers, bytes | None, int] | None,
    error: str | None,
    redactor: Redactor,
    callers: Callers,
) -> dict[str, Any]:
    """One HAR entry for an exchange the proxy forwarded. The request's body is None when the proxy
    did not read it (over its limit); ``response`` is (status, reason, headers, body read as its
    content coding says or None when it could not be, bytes on the wire)."""
    request_headers, body = redacted(request[0], redactor, callers), request[1]
    url = redactor.text(url)
    har_request: dict[str, Any] = {
        "method": method,
        "url": url,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": _pairs(request_headers),
        "queryString": [{"name": k, "value": v} for k, v in parse_qsl(urlsplit(url).query)],
        "headersSize": -1,
        "bodySize": -1 if body is None else len(body),
    }
    if body:
        har_request["postData"] = {
            "mimeType": header(request_headers, "Content-Type") or "",
            **_content(body, redactor),
        }
    har_response: dict[str, Any] = {
        "status": 0,
        "statusText": "",
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": [],
        "content": {"size": 0, "mimeType": ""},
        "redirectURL": "",
        "headersSize": -1,
        "bodySize": -1,
    }
    if response is not None:
        status, reason, headers, decoded, wire = response
        headers = redacted(headers, redactor, callers)
        content: dict[str, Any] = {"size": -1 if decoded is None else len(decoded)}
        content["mimeType"] = header(headers, "Content-Type") or ""
        if decoded:
            content.update(_content(decoded, redactor))
        har_response.update(
            status=status,
            statusText=reason,
            headers=_pairs(headers),
            content=content,
            redirectURL=header(headers, "Location") or "",
            bodySize=wire,
        )
    found = {
        "startedDateTime": _iso(started),
        "time": round(elapsed_s * 1000, 3),
        "request": har_request,
        "response": har_response,
        "cache": {},
        "timings": {"send": 0, "wait": round(elapsed_s * 1000, 3), "receive": 0},
    }
    if error is not None:
        found["_error"] = error
    return found


def document(entries: list[dict[str, Any]]) -> dict[str, Any]:
    """A whole HAR file."""
    return {
        "log": {
            "version": VERSION,
            "creator": {"name": SUITE_NAME, "version": __version__},
            "entries": entries,
        }
    }


def entries_of(har: Any) -> list[Any]:
    """The entries of a HAR document, or HarError when it is none."""
    log = har.get("log") if isinstance(har, dict) else None
    entries = log.get("entries") if isinstance(log, dict) else None
    if not isinstance(entries, list):
        raise HarError("not a HAR file: it has no log.entries list")
    return entries


def secrets_of(entries: Iterable[Any]) -> set[str]:
    """Every secret the entries hold, to scrub wherever it turns up."""
    found: set[str] = set()
    for item in entries:
        for side in ("request", "response"):
            message = item.get(side) if isinstance(item, dict) else None
            if isinstance(message, dict):
                cookies = (c.get("value", "") for c in message.get("cookies") or () if isinstance(c, dict))
                found |= secrets_in(_headers(message), [str(c) for c in cookies])
    return found


def _headers(message: Mapping[str, Any]) -> Headers:
    pairs = message.get("headers") or []
    if not isinstance(pairs, list) or not all(isinstance(p, dict) for p in pairs):
        raise HarError("headers is not a list of name/value objects")
    return tuple((str(p.get("name", "")), str(p.get("value", ""))) for p in pairs)


def _text(content: Mapping[str, Any]) -> bytes | None:
    text = content.get("text")
    if not isinstance(text, str):
        return None
    if content.get("encoding") == "base64":
        try:
            return base64.b64decode(text, validate=True)
        except ValueError:
            raise HarError("a base64 body that is not base64") from None
    return text.encode("utf-8", errors="surrogatepass")


def _request_body(request: Mapping[str, Any]) -> bytes | None:
    posted = request.get("postData")
    if isinstance(posted, dict):
        return _text(posted)
    return b"" if request.get("bodySize", 0) in (0, None) else None  # -1: the size is unknown


def _response_body(response: Mapping[str, Any], status: int) -> bytes | None:
    content = response.get("content")
    content = content if isinstance(content, dict) else {}
    held = _text(content)
    if held is not None:
        return held
    return b"" if content.get("size") == 0 or status in (204, 304) else None


def record_of(
    item: Any, *, index: int, where: str, clock: str, redactor: Redactor, callers: Callers
) -> Record:
    """One HAR entry as a record; its transcript redacted. HarError when it is no HAR entry."""
    if not isinstance(item, dict):
        raise HarError(f"{where} is not an object")
    request, response = item.get("request"), item.get("response")
    if not isinstance(request, dict) or not isinstance(response, dict):
        raise HarError(f"{where} lacks its request or response")
    method, url, status = request.get("method"), request.get("url"), response.get("status")
    if not isinstance(method, str) or not isinstance(url, str) or not isinstance(status, int):
        raise HarError(f"{where} lacks request.method, request.url or response.status")
    try:
        request_headers, response_headers = _headers(request), _headers(response)
        request_body = _request_body(request)
        response_body = _response_body(response, status)
    except HarError as exc:
        raise HarError(f"{where}: {exc}") from None
    started = timestamp(item.get("startedDateTime"))
    elapsed = item.get("time")
    if started is None or not isinstance(elapsed, int | float) or elapsed < 0:
        raise HarError(f"{where} lacks a startedDateTime and time")
    answered = status > 0  # HAR's status 0: no answer came (the capture tool's _error says why)
    error = str(item.get("_error") or "no answer") if not answered else None
    url = redactor.text(url)
    exchange = make_exchange(
        redactor,
        (method.upper(), url, request_headers, request_body or None),
        (status, response_headers, response_body or b"") if answered else None,
        float(elapsed),
        error,
    )
    return Record(
        index=index,
        where=where,
        clock=clock,
        start=started,
        end=started + elapsed / 1000,
        method=method.upper(),
        url=url,
        request_headers=request_headers,
        request_body=request_body,
        status=status if answered else None,
        response_headers=response_headers if answered else (),
        response_body=response_body if answered else None,
        caller=callers.label(header(request_headers, "Authorization")),
        exchange=exchange,
        error=error,
    )
