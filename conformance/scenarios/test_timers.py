"""Removal timers, with the session's own short timeouts (C3, C4, C5, C6, J1).

The creator sets each timeout to 400 ms, so timers take a second, not minutes, and a check waits
for them as long as the service itself announces (``timing``). Each removal check starts its timer
in a head start (``@head_start``: every timer check's arrange step runs at once, so the waits
overlap), reads halfway through the timeout (removing early is as wrong as never), and judges the
session once the timer has run out. A halfway read whose answer came back too late to show anything
(a slow target's round trip, a busy machine) is tried once more on a new timer ``LONGER`` times as
long, so a slow target is still judged on acting early. Timers are applied at the next read or
write (C3); a member's is read back through a harmless write by the creator, which shows the
session after its due timers whatever a read would serve.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from functools import partial
from typing import Any

from conformance import bodies
from conformance.expect import expect
from conformance.headstart import head_start
from conformance.http.client import Response
from conformance.scenarios import requirement
from conformance.scenarios.timing import TIMEOUT_MS, Timer, after_the_timeout, halfway, timer_of
from conformance.session import find_member, timestamp

# A timer whose halfway read came back too late runs again, this many times as long.
LONGER = 4
# How far from the instant a timer runs out its nextTimer may be: a second of rounding either way
# (times may be written to the second), and later by as much as a service's timer granularity.
EARLY_S, LATE_S = 2.0, 5.0


@dataclass(frozen=True)
class Running:
    """A timer a head start set running on a session, for its check to judge."""

    name: str
    xuid: str | None
    timer: Timer
    # Reads the session after its due timers.
    read: Callable[[], Response]
    # The read halfway through the timeout (None: it came back too late to show anything).
    early: Response | None
    # The answer that started the timer.
    response: Response

    @property
    def halfway_through(self) -> str:
        """When the halfway read was meant, in words: the timeout differs on a second try."""
        return f"halfway through its {self.timer.timeout_ms} ms timeout"


Arrange = Callable[[Any, int], Generator[float, None, Running]]


def _seen_halfway(arrange: Arrange) -> Callable[[Any], Generator[float, None, Running]]:
    """A head-start step: ``arrange`` with the timeout, again with one ``LONGER`` times as long
    when its halfway read came back too late to show anything."""

    def step(mpsd) -> Generator[float, None, Running]:
        running = yield from arrange(mpsd, TIMEOUT_MS)
        if running.early is None:
            running = yield from arrange(mpsd, TIMEOUT_MS * LONGER)
        return running

    return step


def _member(response: Response, xuid: str | None) -> dict | None:
    """The member's entry in a session answer (None: absent, or no session document)."""
    try:
        found = find_member(response.json(), xuid) if response.status == 200 else None
    except ValueError:
        return None
    return found[1] if found else None


def _gone(xuid: str | None) -> Callable[[Response], bool]:
    return lambda response: response.status == 200 and _member(response, xuid) is None


def _not_ready(xuid: str | None) -> Callable[[Response], bool]:
    def done(response: Response) -> bool:
        member = _member(response, xuid)
        return response.status == 200 and (
            member is None or member["properties"]["system"].get("ready") is not True
        )

    return done


def _reserve(mpsd, created, guest):
    """Arrange: ``guest`` holds a reservation; the answer, and the session it shows."""
    response = mpsd.arrange(mpsd.user(1).put(created.name, bodies.reserve(guest.xuid)), 200, what="reserving")
    session = mpsd.document(response, "reserving")
    found = find_member(session, guest.xuid)
    if found is None or found[1].get("reserved") is not True:
        raise mpsd.blocked("the reservation did not appear as a reserved member (RESERVE-ADD judges that)")
    return response, session


def _running(
    mpsd, name: str, xuid: str | None, started: float, response: Response, timeout_ms: int
) -> Generator[float, None, Running]:
    """The rest of a member timer's head start: the read halfway through, through a harmless write."""
    read = partial(mpsd.user(1).put, name, bodies.custom(timers_checked=True))
    timer = timer_of(started, response, timeout_ms)
    early = yield from halfway(read, timer)
    return Running(name, xuid, timer, read, early, response)


def _reservation_running(mpsd, timeout_ms: int) -> Generator[float, None, Running]:
    created, guest = mpsd.create(None, bodies.constants(reservedRemovalTimeout=timeout_ms)), mpsd.user(2)
    started = time.time()
    response = _reserve(mpsd, created, guest)[0]
    return (yield from _running(mpsd, created.name, guest.xuid, started, response, timeout_ms))


def _inactive_member_running(mpsd, timeout_ms: int) -> Generator[float, None, Running]:
    created, idle = mpsd.create(None, bodies.constants(inactiveRemovalTimeout=timeout_ms)), mpsd.user(2)
    keep = mpsd.arrange(
        mpsd.user(1).put(created.name, bodies.me(system={"active": True})),
        200,
        what="the creator going active",
    )
    if find_member(mpsd.document(keep, "going active"), mpsd.user(1).xuid) is None:
        raise mpsd.blocked("the creator, going active, is no longer a member")
    started = time.time()
    mpsd.join(idle, created.name)
    return (yield from _running(mpsd, created.name, idle.xuid, started, mpsd.last_response, timeout_ms))


def _ready_member_running(mpsd, timeout_ms: int) -> Generator[float, None, Running]:
    created, waiting = mpsd.create(None, bodies.constants(readyRemovalTimeout=timeout_ms)), mpsd.user(2)
    started = time.time()
    mpsd.join(waiting, created.name, bodies.me(system={"ready": True}))
    return (yield from _running(mpsd, created.name, waiting.xuid, started, mpsd.last_response, timeout_ms))


def _empty_session_running(mpsd, timeout_ms: int) -> Generator[float, None, Running]:
    """The only member leaves; reads are reads, since a write would make a new session."""
    created = mpsd.create(None, bodies.constants(sessionEmptyTimeout=timeout_ms))
    started = time.time()
    left = mpsd.user(1).put(created.name, bodies.leave())
    read = partial(mpsd.user(1).get, created.name)
    timer = timer_of(started, left, timeout_ms)
    early = yield from halfway(read, timer)
    return Running(created.name, mpsd.user(1).xuid, timer, read, early, left)


def _removed_in_time(running: Running) -> None:
    """Still a member halfway through the timeout, gone once it has run out."""
    if running.early is not None:
        expect(running.early).status(200).member(running.xuid).satisfies(
            _there, f"still a member {running.halfway_through} (removed early)"
        )
    response = after_the_timeout(running.read, running.timer, _gone(running.xuid))
    expect(response).status(200).member(running.xuid).absent()


@requirement("TIMER-RESERVED-REMOVAL")
@head_start(_seen_halfway(_reservation_running))
def test_a_reservation_not_taken_up_in_time_is_removed(mpsd):
    _removed_in_time(mpsd.started())


@requirement("TIMER-INACTIVE-REMOVAL")
@head_start(_seen_halfway(_inactive_member_running))
def test_an_inactive_member_is_removed_in_time(mpsd):
    _removed_in_time(mpsd.started())


@requirement("TIMER-READY-REMOVAL")
@head_start(_seen_halfway(_ready_member_running))
def test_a_ready_member_does_not_stay_ready(mpsd):
    running = mpsd.started()
    if running.early is not None:
        expect(running.early).status(200).member(running.xuid).at("properties.system.ready").satisfies(
            lambda ready: ready is True, f"still true {running.halfway_through}"
        )
    response = after_the_timeout(running.read, running.timer, _not_ready(running.xuid))
    expect(response).status(200).member(running.xuid).at("properties.system.ready").satisfies(
        lambda ready: ready is not True, "no longer true (or the member removed)"
    )


@requirement("TIMER-SESSION-EMPTY")
@head_start(_seen_halfway(_empty_session_running))
def test_an_empty_session_lives_for_its_timeout_then_goes(mpsd):
    running = mpsd.started()
    if find_member(expect(running.response).status(200).session(), running.xuid) is not None:
        raise mpsd.blocked("the leave did not remove the only member, so the session never became empty")
    if running.early is not None:
        expect(running.early).status(200)
    response = after_the_timeout(running.read, running.timer, lambda r: r.status in (204, 404))
    expect(response).no_session()


def _there(member: Any) -> bool:
    return member is not None


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
        lambda at: timestamp(at) is not None and due - EARLY_S <= timestamp(at) <= due + LATE_S,
        f"from {EARLY_S:.0f} s before to {LATE_S:.0f} s after {due:.0f} (joinTime + 60 s, in epoch seconds)",
    )
