"""Session timers, applied lazily just before the next read or write (C3 §Session Timeouts).

A member is removed when its removal timer runs out: a reservation not taken up within
``reservedRemovalTimeout`` (from the reservation), a ready member after ``readyRemovalTimeout``
and an inactive one after ``inactiveRemovalTimeout`` (both from when it took that status; the
inactive one only when the creator or template set it, since its default is disputed: 0 in C5/C6,
2 h in C3). An empty session is deleted ``sessionEmptyTimeout`` after it became empty. ``null`` is
never. ``nextTimer`` and the ``Expires`` header announce the earliest pending timer (C4 §Timeouts).
Each update applies each due timer once: one transition per member (C3).
"""

from __future__ import annotations

import math

from conformance.reference import initialization
from conformance.reference.faults import FaultSet
from conformance.reference.members import member_status, remove_member
from conformance.reference.model import Doc, acts_at, clone, system_constant

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


# Status -> the constant that times a member with it out (inactive: only when set explicitly).
_TIMEOUTS = {
    "reserved": "reservedRemovalTimeout",
    "ready": "readyRemovalTimeout",
    "inactive": "inactiveRemovalTimeout",
}


def _member_deadlines(session: Doc, faults: FaultSet | None = None) -> dict[str, tuple[float, str]]:
    """Member index -> (when its removal timer ends, the status it ends); ``faults`` given: when
    the service removes the member, which the timers-early defect makes too soon."""
    explicit = session["constants"]["system"]
    deadlines = {}
    for index, member in session["members"].items():
        status = member_status(member)
        name = _TIMEOUTS.get(status)
        if name is None or (status == "inactive" and name not in explicit):
            continue
        start = member["joinTime"] if status == "reserved" else member.get("statusSince", member["joinTime"])
        at = _deadline(start, _acted_on(system_constant(session, name), faults))
        if at is not None:
            deadlines[index] = (at, status)
    return deadlines


def _deletion_deadline(session: Doc, faults: FaultSet | None = None) -> float | None:
    empty_since = session.get("emptySince")
    if empty_since is None:
        return None
    return _deadline(empty_since, _acted_on(system_constant(session, "sessionEmptyTimeout"), faults))


def _acted_on(timeout_ms: float | None, faults: FaultSet | None) -> float | None:
    """The timeout the service acts on: the timers-early defect, at a quarter of the one set."""
    early = faults is not None and timeout_ms and faults.on("timers-early")
    return timeout_ms / 4 if early and timeout_ms is not None else timeout_ms


def next_timer(session: Doc, faults: FaultSet, granularity_s: int = 0) -> int | None:
    """The earliest pending timer, rounded up to the second so that an HTTP date can carry it
    exactly: the instant the service acts on it, which its granularity may make later."""
    deadlines = [at for at, _ in _member_deadlines(session).values()]
    for pending in (_deletion_deadline(session), initialization.deadline(session)):
        if pending is not None:
            deadlines.append(pending)
    if not deadlines:
        return None
    latest = len(deadlines) > 1 and faults.on("next-timer-latest")
    return math.ceil(acts_at(max(deadlines) if latest else min(deadlines), granularity_s))


def expire(session: Doc, now: float, faults: FaultSet, granularity_s: int = 0) -> Doc | None:
    """The session after its due timers: the same object when none is due, None when it is deleted."""
    due = {
        index: at
        for index, (at, status) in _member_deadlines(session, faults).items()
        if acts_at(at, granularity_s) <= now and not faults.on(f"{status}-timer-ignored")
    }
    deleting = _deleted(session, now, faults, granularity_s)
    if not due and not deleting and not initialization.due(session, now, granularity_s):
        return session
    expired = clone(session)
    initialization.advance(expired, now, faults, granularity_s)
    for index in due:
        remove_member(expired, index, faults)
    if due and not expired["members"]:
        expired["emptySince"] = max(due.values())
    return None if _deleted(expired, now, faults, granularity_s) else expired


def _deleted(session: Doc, now: float, faults: FaultSet, granularity_s: int) -> bool:
    deletion = _deletion_deadline(session, faults)
    due = deletion is not None and acts_at(deletion, granularity_s) <= now
    return due and not faults.on("empty-timer-ignored")
