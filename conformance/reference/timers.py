"""Session timers, applied lazily just before the next read or write (C3 §Session Timeouts).

Two timers are kept: a reservation not taken up within ``reservedRemovalTimeout`` is removed, and
an empty session is deleted ``sessionEmptyTimeout`` after it became empty (``null`` = never, in
both). ``nextTimer`` and the ``Expires`` header announce the earliest pending one (C4 §Timeouts).
"""

from __future__ import annotations

import math

from conformance.reference.faults import FaultSet
from conformance.reference.members import remove_member
from conformance.reference.model import Doc, clone, system_constant

# The last second both an ISO 8601 timestamp (nextTimer) and an HTTP date (Expires) can carry,
# 9999-12-31T23:59:59Z. Timeouts are "0 - n, null" with no maximum (C6), so one can end later
# than that; such a timer could never be announced nor reached, and counts as never, like null.
LAST_INSTANT = 253_402_300_799


def _deadline(start: float, timeout_ms: float | None) -> float | None:
    """When a timeout started at ``start`` ends; None for never."""
    # The first bound only keeps the division below from overflowing on an integer of any size.
    if timeout_ms is None or timeout_ms > LAST_INSTANT * 1000:
        return None
    at = start + timeout_ms / 1000
    return at if at <= LAST_INSTANT else None


def _reservation_deadlines(session: Doc) -> dict[str, float]:
    timeout = system_constant(session, "reservedRemovalTimeout")
    deadlines = {
        index: _deadline(member["joinTime"], timeout)
        for index, member in session["members"].items()
        if member.get("reserved") is True
    }
    return {index: at for index, at in deadlines.items() if at is not None}


def _deletion_deadline(session: Doc) -> float | None:
    empty_since = session.get("emptySince")
    if empty_since is None:
        return None
    return _deadline(empty_since, system_constant(session, "sessionEmptyTimeout"))


def next_timer(session: Doc) -> int | None:
    """The earliest pending timer, rounded up to the second so that an HTTP date can carry it exactly."""
    deadlines = list(_reservation_deadlines(session).values())
    deletion = _deletion_deadline(session)
    if deletion is not None:
        deadlines.append(deletion)
    return math.ceil(min(deadlines)) if deadlines else None


def expire(session: Doc, now: float, faults: FaultSet) -> Doc | None:
    """The session after its due timers: the same object when none is due, None when it is deleted."""
    due = {index: at for index, at in _reservation_deadlines(session).items() if at <= now}
    deletion = _deletion_deadline(session)
    if not due and (deletion is None or deletion > now):
        return session
    expired = clone(session)
    for index in due:
        remove_member(expired, index, faults)
    if due and not expired["members"]:
        expired["emptySince"] = max(due.values())
    deletion = _deletion_deadline(expired)
    return None if deletion is not None and deletion <= now else expired
