"""Removal timers, with the session's own short timeouts (C3, C4, C5, C6, J1).

The creator sets each timeout to 400 ms and the check reads 600 ms later, so timers take a second,
not minutes: a timer is applied lazily, at the next read or write of the session (C3), which is
the read the check makes. Each check records the timeout and wait it used.
"""

from __future__ import annotations

import time

from conformance import bodies
from conformance.expect import expect, observe
from conformance.scenarios import requirement
from conformance.session import find_member, timestamp

TIMEOUT_MS = 400
WAIT_S = 0.6


def _after_the_timeout(mpsd, name):
    """Wait, then write to the session (timers apply at the next read or write, C3): the answer to
    a harmless custom write shows the session after its due timers."""
    observe("timeout_ms", TIMEOUT_MS)
    observe("waited_s", WAIT_S)
    time.sleep(WAIT_S)
    return mpsd.user(1).put(name, bodies.custom(timers_checked=True))


def _reserve(mpsd, created, guest):
    """Arrange: ``guest`` holds a reservation; the answer, and the session it shows."""
    response = mpsd.arrange(mpsd.user(1).put(created.name, bodies.reserve(guest.xuid)), 200, what="reserving")
    session = mpsd.document(response, "reserving")
    found = find_member(session, guest.xuid)
    if found is None or found[1].get("reserved") is not True:
        raise mpsd.blocked("the reservation did not appear as a reserved member (RESERVE-ADD judges that)")
    return response, session


@requirement("TIMER-RESERVED-REMOVAL")
def test_a_reservation_not_taken_up_in_time_is_removed(mpsd):
    created, guest = mpsd.create(None, bodies.constants(reservedRemovalTimeout=TIMEOUT_MS)), mpsd.user(2)
    _reserve(mpsd, created, guest)
    response = _after_the_timeout(mpsd, created.name)
    expect(response).status(200).member(guest.xuid).absent()


@requirement("TIMER-INACTIVE-REMOVAL")
def test_an_inactive_member_is_removed_in_time(mpsd):
    created, idle = mpsd.create(None, bodies.constants(inactiveRemovalTimeout=TIMEOUT_MS)), mpsd.user(2)
    keep = mpsd.arrange(
        mpsd.user(1).put(created.name, bodies.me(system={"active": True})),
        200,
        what="the creator going active",
    )
    if find_member(mpsd.document(keep, "going active"), mpsd.user(1).xuid) is None:
        raise mpsd.blocked("the creator, going active, is no longer a member")
    mpsd.join(idle, created.name)
    response = _after_the_timeout(mpsd, created.name)
    expect(response).status(200).member(idle.xuid).absent()


@requirement("TIMER-READY-REMOVAL")
def test_a_ready_member_does_not_stay_ready(mpsd):
    created, waiting = mpsd.create(None, bodies.constants(readyRemovalTimeout=TIMEOUT_MS)), mpsd.user(2)
    mpsd.join(waiting, created.name, bodies.me(system={"ready": True}))
    response = _after_the_timeout(mpsd, created.name)
    expect(response).status(200).member(waiting.xuid).at("properties.system.ready").satisfies(
        lambda ready: ready is not True, "no longer true (or the member removed)"
    )


@requirement("TIMER-SESSION-EMPTY")
def test_an_empty_session_lives_for_its_timeout_then_goes(mpsd):
    created = mpsd.create(None, bodies.constants(sessionEmptyTimeout=TIMEOUT_MS))
    left = mpsd.user(1).put(created.name, bodies.leave())
    if find_member(expect(left).status(200).session(), mpsd.user(1).xuid) is not None:
        raise mpsd.blocked("the leave did not remove the only member, so the session never became empty")
    observe("timeout_ms", TIMEOUT_MS)
    time.sleep(WAIT_S)
    response = mpsd.user(1).get(created.name)  # a read: a write now would make a new session
    expect(response).no_session()


@requirement("TIMER-NEXT-TIMER")
def test_next_timer_is_when_the_first_pending_timer_runs_out(mpsd):
    """The creator is ready (a 180 s timer by default) and a reservation times out in 60 s."""
    timers = bodies.constants(reservedRemovalTimeout=60000, readyRemovalTimeout=180000)
    created, guest = mpsd.create(None, timers, bodies.me(system={"ready": True})), mpsd.user(2)
    response, session = _reserve(mpsd, created, guest)
    found = find_member(session, guest.xuid)
    if timestamp(found[1].get("joinTime")) is None:
        raise mpsd.blocked("the reservation shows no joinTime to time it from")
    due = timestamp(found[1]["joinTime"]) + 60
    expect(response).at("nextTimer").satisfies(
        lambda at: timestamp(at) is not None and abs(timestamp(at) - due) < 2,
        f"about {due:.0f} (joinTime + 60 s, in epoch seconds)",
    )
