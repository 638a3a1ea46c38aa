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


def _reservation_deadlines(session: Doc) -> dict[str, float]:
    timeout = system_constant(session, "reservedRemovalTimeout")
    if timeout is None:
        return {}
    return {
        index: member["joinTime"] + timeout / 1000
        for index, member in session["members"].items()
        if member.get("reserved") is True
    }


def _deletion_deadline(session: Doc) -> float | None:
    timeout = system_constant(session, "sessionEmptyTimeout")
    empty_since = session.get("emptySince")
    if timeout is None or empty_since is None:
        return None
    return empty_since + timeout / 1000


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
