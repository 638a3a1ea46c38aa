"""Hand-built answers for the oracle's tests: a session document as a service might render it."""

from __future__ import annotations

import json
from typing import Any

from conformance.oracle.document import operation_of
from conformance.oracle.wire import Answer, Request

URL = "http://127.0.0.1:9/serviceconfigs/scid/sessiontemplates/t/sessions/s1"
OTHER = "http://127.0.0.1:9/serviceconfigs/scid/sessiontemplates/t/sessions/s2"
PUT = operation_of("PUT", URL)
GET = operation_of("GET", URL)
TIME = "2026-12-06T10:00:00.123456Z"


def member(xuid: str, next_index: int, **extra: Any) -> dict[str, Any]:
    return {
        "constants": {"system": {"xuid": xuid}, "custom": {}},
        "properties": {"system": {}, "custom": {}},
        "joinTime": TIME,
        "next": next_index,
        **extra,
    }


def session(indices: tuple[int, ...] = (0,), change: int = 1, **extra: Any) -> dict[str, Any]:
    """A session with members at ``indices`` (each ``next`` the following one)."""
    following = [*indices[1:], indices[-1] + 1] if indices else []
    members = {
        str(i): member(f"28140000000000{n:02}", nxt)
        for n, (i, nxt) in enumerate(zip(indices, following, strict=True))
    }
    return {
        "contractVersion": 107,
        "branch": "5a1f0e34-0000-4000-8000-000000000001",
        "changeNumber": change,
        "correlationId": "c0ffee00-0000-4000-8000-000000000001",
        "startTime": TIME,
        "constants": {"system": {"maxMembersCount": 100, "visibility": "open"}, "custom": {}},
        "properties": {"system": {}, "custom": {}},
        "members": members,
        "membersInfo": {
            "first": indices[0] if indices else 0,
            "next": following[-1] if following else 0,
            "count": len(indices),
            "accepted": len(indices),
            "active": 0,
        },
        "servers": {},
        **extra,
    }


def answer(
    document: Any = None,
    status: int = 201,
    etag: str | None = "e1",
    media: str | None = "application/json",
    **headers: str,
) -> Answer:
    """An answer with a JSON session (or ``document`` as it is when bytes or text)."""
    if isinstance(document, bytes):
        body = document
    elif isinstance(document, str):
        body = document.encode()
    else:
        body = b"" if document is None else json.dumps(document).encode()
    pairs = [("ETag", etag)] if etag is not None else []
    pairs += [("Content-Type", media)] if media is not None else []
    pairs += [(name.replace("_", "-"), value) for name, value in headers.items()]
    return Answer(status, tuple(pairs), body)


def request(
    method: str = "PUT",
    url: str = URL,
    body: Any = None,
    content_type: str = "application/json",
    version: str | None = "107",
    **headers: str,
) -> Request:
    """A request as a check sends it; ``version`` None leaves X-Xbl-Contract-Version out."""
    sent = [("X-Xbl-Contract-Version", version)] if version is not None else []
    sent += [("Authorization", "tok-a"), ("Content-Type", content_type)]
    sent += [(name.replace("_", "-"), value) for name, value in headers.items()]
    raw = body if isinstance(body, bytes) else (None if body is None else json.dumps(body).encode())
    return Request(method, url, tuple(sent), raw)
