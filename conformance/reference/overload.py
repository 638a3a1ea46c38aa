"""Load shedding, as MPSD documents it (C1): past its capacity the service answers ``503`` with a
``Retry-After`` saying when to come back.

The reference is never really overloaded, so its capacity is a switch: calls per window per scid,
from whoever makes them (``ReferenceConfig.capacity``). A call past it is not processed.
"""

from __future__ import annotations

from collections.abc import Hashable

from starlette.types import Receive, Scope, Send

from conformance.ratelimit import RateLimit, whole_seconds
from conformance.reference.faults import FaultSet
from conformance.reference.throttle import Throttle, answer


class Overload(Throttle):
    def _key(self, scope: Scope, scid: str | None) -> Hashable:
        """Capacity is the service's, not a caller's: every call to the scid counts."""
        return scid

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, over: tuple[RateLimit, int, float], faults: FaultSet
    ) -> None:
        headers = [(b"content-type", b"text/plain; charset=utf-8")]
        if not faults.on("overload-no-retry-after"):
            headers.append((b"retry-after", str(whole_seconds(over[2])).encode()))
        await answer(send, 503, headers, b"the service is overloaded: retry after the time Retry-After gives")
