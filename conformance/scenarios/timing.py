"""Waiting for a timer the target runs: as long as the target itself says, and no longer.

The documents give each timeout in milliseconds but never promise that the service acts at that
millisecond: it may process its timers every second, and the session's ``nextTimer`` is its own
word on when it will act (latitude.yaml: timer-granularity). So a check reads the session from the
timeout on, a few times, until what the timer does is done or the instant the service announced
has passed by ``GRACE_S`` (``UNANNOUNCED_S`` after the timeout where it announces nothing), and
fails only then. A read halfway through the timeout, answered before it can have run out, shows
whether the service acted early: removing early is as wrong as never.

Timer checks start their timers in a head start (``conformance.headstart``), so their waits
overlap one another and the checks that run in between.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from conformance.expect import observe
from conformance.http.client import Response
from conformance.outcomes import Blocked
from conformance.session import timestamp

# Each timer the checks start runs this long: a second of waiting, not the documented minutes.
TIMEOUT_MS = 400
# How long after the instant it announced (nextTimer) a service may still be acting on a timer.
GRACE_S = 1.0
# How long after the timeout a service that announces nothing may take (a whole-second timer).
UNANNOUNCED_S = 2.0
# A service announcing its timer further out than this is not waited for: the check is blocked.
LONGEST_WAIT_S = 30.0
# Reads from the timeout to the last instant, at most: a real target throttles its callers.
READS = 4
# A clock difference below this is the Date header's one-second resolution, not skew.
SKEW_FLOOR_S = 2.0


@dataclass(frozen=True)
class Timer:
    """A timer a check started: when (the local clock, just before the request that started it
    was sent), and when the service said it would act, on the local clock (None: not announced)."""

    started: float
    announced: float | None
    timeout_ms: int = TIMEOUT_MS

    @property
    def runs_out(self) -> float:
        return self.started + self.timeout_ms / 1000

    @property
    def halfway(self) -> float:
        return self.started + self.timeout_ms / 2000

    @property
    def last_instant(self) -> float:
        if self.announced is None:
            return self.runs_out + UNANNOUNCED_S
        return max(self.announced, self.runs_out) + GRACE_S


def timer_of(started: float, response: Response, timeout_ms: int = TIMEOUT_MS) -> Timer:
    """The timer a write answered by ``response`` started, with the nextTimer it announces moved
    onto the local clock by the skew the answer's Date header shows."""
    received = time.time()
    try:
        document = response.json()
    except ValueError:
        document = None
    announced = timestamp(document.get("nextTimer")) if isinstance(document, dict) else None
    skew = 0.0
    with contextlib.suppress(TypeError, ValueError):  # no Date header, or one that is no date
        skew = parsedate_to_datetime(response.header("Date") or "").timestamp() - received
    if abs(skew) < SKEW_FLOOR_S:
        skew = 0.0
    return Timer(started, None if announced is None else announced - skew, timeout_ms)


def halfway(read: Callable[[], Response], timer: Timer) -> Generator[float, None, Response | None]:
    """A head-start step's read halfway through the timeout: its answer when it came back before
    the timeout could have run out on the service (whose timer started after ``timer.started``),
    else None (a slow answer shows nothing about acting early)."""
    yield timer.halfway
    response = read()
    return response if time.time() < timer.runs_out else None


def after_the_timeout(
    read: Callable[[], Response], timer: Timer, done: Callable[[Response], bool]
) -> Response:
    """Read from the timeout on until ``done`` holds or the last instant the service may still be
    acting on it has passed; the answer to judge (the first that is done, else the last)."""
    wait = timer.last_instant - time.time()
    if wait > LONGEST_WAIT_S:
        raise Blocked(
            f"the service announces its timer {wait:.0f} s away; checks wait {LONGEST_WAIT_S:.0f} s at most"
        )
    observe("timeout_ms", timer.timeout_ms)
    observe("announced_in_s", None if timer.announced is None else round(timer.announced - timer.started, 3))
    first = max(timer.runs_out, time.time())
    last = max(timer.last_instant, first)
    reads = READS if last > first else 1
    response = None
    for n in range(reads):
        time.sleep(max(0.0, first + (last - first) * n / max(reads - 1, 1) - time.time()))
        response = read()
        if done(response):
            break
    observe("waited_s", round(time.time() - timer.started, 3))
    assert response is not None, "at least one read is sent"
    return response
