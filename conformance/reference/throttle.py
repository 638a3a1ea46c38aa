"""Fine-grained rate limiting, as MPSD documents it (G5, C1): per caller and scid, sliding windows.

A call over a limit is not processed: it gets ``429`` with the throttle JSON body (``version``,
``currentRequests``, ``maxRequests``, ``periodInSeconds``, ``limitType``) and a ``Retry-After``
saying when a call fits again. Only calls that were let through count against the windows.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Hashable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from conformance.ratelimit import RateLimit, Windows, whole_seconds
from conformance.reference.faults import FaultSet

_SCID = re.compile(r"^/serviceconfigs/([^/]+)")


class Throttle:
    def __init__(
        self,
        app: ASGIApp,
        limits_for: Callable[[str | None], tuple[RateLimit, ...]],
        faults_for: Callable[[str | None], FaultSet],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._app, self._limits_for, self._faults_for, self._clock = app, limits_for, faults_for, clock
        self._windows: dict[tuple[RateLimit, ...], Windows] = {}

    def _key(self, scope: Scope, scid: str | None) -> Hashable:
        """Whose windows a call counts against: the caller's, per scid (G5)."""
        return dict(scope["headers"]).get(b"authorization", b""), scid

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = _SCID.match(scope["path"]) if scope["type"] == "http" else None
        scid = found[1].lower() if found else None
        limits = self._limits_for(scid) if scope["type"] == "http" else ()
        if not limits:
            await self._app(scope, receive, send)
            return
        windows = self._windows.setdefault(limits, Windows(limits))
        key, now = self._key(scope, scid), self._clock()
        over = windows.over(key, now)
        if over is None:
            windows.record(key, now)
            await self._app(scope, receive, send)
            return
        await self._refuse(scope, receive, send, over, self._faults_for(scid))

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, over: tuple[RateLimit, int, float], faults: FaultSet
    ) -> None:
        limit, current, wait = over
        if scope["method"] == "PUT" and faults.on("throttle-applies-write"):
            await self._app(scope, receive, _discard)  # the defect: refused, but processed
        headers = []
        if not faults.on("throttle-no-retry-after"):
            headers.append((b"retry-after", str(whole_seconds(wait)).encode()))
        if faults.on("throttle-no-body"):
            body = b""
        else:
            body = json.dumps(
                {
                    "version": 1,
                    "currentRequests": current + 1,
                    "maxRequests": limit.calls,
                    "periodInSeconds": _number(limit.seconds),
                    "limitType": "Rate",
                }
            ).encode()
            headers.append((b"content-type", b"application/json"))
        await answer(send, 429, headers, body)


async def answer(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    """Send a whole response from a middleware, before the app sees the request."""
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _discard(message: Message) -> None:
    """Where the throttle-applies-write fault sends the app's answer: nobody sees it."""


def _number(seconds: float) -> int | float:
    """15, not 15.0: the documents show whole seconds."""
    return int(seconds) if float(seconds).is_integer() else seconds
