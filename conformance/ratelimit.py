"""Sliding-window rate limits, as MPSD applies them per caller (G5): "30/15" = 30 calls per 15 s.

One model serves both sides: the suite paces each identity under the target's limits so that a
throttling target normally never has to say 429, and the reference throttles callers with it
when asked to. Time comes from the caller (a clock function), so the windows can be tested
without sleeping.
"""

from __future__ import annotations

import argparse
import itertools
import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass

_LIMIT = re.compile(r"^\s*(\d+)\s*/\s*(\d+(?:\.\d+)?)\s*$")


@dataclass(frozen=True, order=True)
class RateLimit:
    """At most ``calls`` calls in any ``seconds``-long window."""

    calls: int
    seconds: float

    def __str__(self) -> str:
        return f"{self.calls}/{self.seconds:g}"

    def share(self, callers: int) -> RateLimit:
        """This limit split between ``callers`` processes that each pace on their own (xdist
        workers): together they stay within it."""
        return RateLimit(max(1, self.calls // max(1, callers)), self.seconds)


# MPSD's documented fine-grained limits per user per title: a burst and a sustain window (G5).
MPSD_LIMITS = (RateLimit(30, 15), RateLimit(300, 300))
# How far back the calls of each key are kept, limits or not: a limit learned from a 429 then
# counts the calls already made in its window, instead of starting from an empty one (and sending
# a whole window's worth again into a target that has just said it is full).
HISTORY_S = max(limit.seconds for limit in MPSD_LIMITS)


def parse_limits(value: str | Iterable[str]) -> tuple[RateLimit, ...]:
    """``"30/15,300/300"`` or ``["30/15", "300/300"]``; ``"none"`` (or nothing) means no limits.

    Raises ValueError with a one-line reason naming the bad part.
    """
    parts = value.split(",") if isinstance(value, str) else list(value)
    if [p.strip().lower() for p in parts] in (["none"], [""], []):
        return ()
    limits = []
    for part in parts:
        found = _LIMIT.match(str(part))
        if found is None or int(found[1]) < 1 or float(found[2]) <= 0:
            raise ValueError(f"rate limit {str(part).strip()!r} is not CALLS/SECONDS, e.g. 30/15")
        limits.append(RateLimit(int(found[1]), float(found[2])))
    return tuple(sorted(set(limits)))


def time_budget(text: str) -> float:
    """The argparse ``type`` of ``--time-budget``: a positive number of seconds."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not seconds > 0 or math.isinf(seconds):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return seconds


def minimum_seconds(requests: int, limits: Iterable[RateLimit]) -> float:
    """The shortest time ``requests`` calls can take under ``limits`` (each window refills only
    as its oldest call leaves it)."""
    return max((((requests - 1) // limit.calls) * limit.seconds for limit in limits if requests), default=0.0)


class Windows:
    """Recent calls per key, against a set of limits (thread-safe); ``history_s``: keep each key's
    calls at least this long, for limits learned later."""

    def __init__(self, limits: Iterable[RateLimit], history_s: float = 0.0) -> None:
        self.limits = tuple(limits)
        self._history_s = history_s
        self._calls: dict[Hashable, deque[float]] = {}
        self._learned: dict[Hashable, tuple[RateLimit, ...]] = {}
        self._lock = threading.Lock()

    def learn(self, key: Hashable, limit: RateLimit) -> None:
        """A limit the target announced (a 429's body) for this key, on top of the configured ones."""
        with self._lock:
            known = self._learned.get(key, ())
            if limit not in known and limit not in self.limits:
                self._learned[key] = (*known, limit)

    def _limits(self, key: Hashable) -> tuple[RateLimit, ...]:
        return self.limits + self._learned.get(key, ())

    def wait(self, key: Hashable, now: float) -> float:
        """Seconds until one more call by ``key`` fits every window (0 when it fits now)."""
        with self._lock:
            return self._wait(key, now)

    def claim(self, key: Hashable, now: float, until: float | None = None) -> float:
        """Record one more call by ``key`` if it fits every window, or if waiting would go past
        ``until``, and return 0; else return the seconds until it fits, recording nothing."""
        with self._lock:
            wait = self._wait(key, now)
            if wait <= 0 or (until is not None and now + wait > until):
                self._record(key, now)
                return 0.0
            return wait

    def _wait(self, key: Hashable, now: float) -> float:
        calls = self._calls.get(key)
        if not calls:
            return 0.0
        wait = 0.0
        for limit in self._limits(key):
            # The window is full when the limit's calls-th most recent call is still inside it.
            recent = list(itertools.islice(reversed(calls), limit.calls))
            if len(recent) == limit.calls and recent[-1] > now - limit.seconds:
                wait = max(wait, recent[-1] + limit.seconds - now)
        return wait

    def over(self, key: Hashable, now: float) -> tuple[RateLimit, int, float] | None:
        """The window one more call would exceed, with the calls in it and the seconds until a
        call fits again; None when it fits (the reference's question)."""
        with self._lock:
            calls = self._calls.get(key, deque())
            for limit in self._limits(key):
                inside = sum(1 for t in calls if t > now - limit.seconds)
                if inside >= limit.calls:
                    return limit, inside, self._wait(key, now)
            return None

    def settle(self, key: Hashable, now: float) -> None:
        """The key's latest call was answered at ``now``: count it from then. The target counted it
        when it arrived, after the caller recorded it; a window kept from the answer's time never
        frees up before the target's does."""
        with self._lock:
            calls = self._calls.get(key)
            if calls:
                calls[-1] = max(calls[-1], now)

    def record(self, key: Hashable, now: float) -> None:
        with self._lock:
            self._record(key, now)

    def _record(self, key: Hashable, now: float) -> None:
        calls = self._calls.setdefault(key, deque())
        calls.append(now)
        longest = max((limit.seconds for limit in self._limits(key)), default=0.0)
        while calls and calls[0] <= now - max(longest, self._history_s):
            calls.popleft()


class Pacer:
    """Holds each identity's calls under its limits: ``acquire`` waits until a call fits."""

    def __init__(
        self,
        limits: Iterable[RateLimit],
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        on_wait: Callable[[str, float], None] | None = None,
        windows: Windows | None = None,
    ) -> None:
        """``windows``: where the calls are counted (``conformance.http.shared.SharedWindows``
        when several processes send as the same identities); by default in this process."""
        self.windows = windows or Windows(limits, history_s=HISTORY_S)
        self._clock, self._sleep, self._on_wait = clock, sleep, on_wait

    @property
    def limited(self) -> bool:
        return bool(self.windows.limits)

    def acquire(self, key: str, label: str = "", until: float | None = None) -> float:
        """Wait until one more call by ``key`` fits, record it, and return the seconds waited.

        ``until`` (this pacer's clock): no waiting that would end past it; the call goes at once
        (past a run's time budget the target, not the pacer, decides)."""
        waited = 0.0
        while True:
            wait = self.windows.claim(key, self._clock(), until)
            if wait <= 0:
                return waited
            if self._on_wait is not None:
                self._on_wait(label or "a caller", wait)
            self._sleep(wait)
            waited += wait

    def answered(self, key: str) -> None:
        """The call ``acquire`` let through has its answer (``Windows.settle``)."""
        self.windows.settle(key, self._clock())

    def note(self, key: str) -> None:
        """A call sent without waiting (a check that exceeds a window on purpose) still counts."""
        self.windows.record(key, self._clock())


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Retry-After as seconds: a number of seconds, or an HTTP date (RFC 9110 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


def whole_seconds(seconds: float) -> int:
    """A Retry-After value: whole seconds, never 0 while a wait remains."""
    return max(1, math.ceil(seconds))
