"""How a run keeps to the target's rate limits: one pacer per process, shared by both phases.

Every request of the scenarios and of schemathesis goes through the run's transport, so pacing
it there paces everything. pytest-xdist workers count their calls together, in a folder the
controller makes for the run (``conformance.http.shared``), so each may use a whole window while
the others do not; where that cannot be done, each takes an equal share of every window. Either
way they stay within the target's limits together (G5).
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from conformance.config import Target
from conformance.http.shared import SHARED, SharedWindows
from conformance.http.transport import Pacing, ThrottleStats
from conformance.preflight import identities
from conformance.ratelimit import Pacer


class WaitNotice:
    """Says on the terminal that the run is waiting on a limit, so a slow run never looks hung;
    at most one line per ``every_s`` seconds, and none for waits too short to notice."""

    def __init__(self, write: Callable[[str], None], every_s: float = 5.0, shortest_s: float = 1.0) -> None:
        self._write, self._every, self._shortest = write, every_s, shortest_s
        self._last = -every_s
        self._lock = threading.Lock()

    def __call__(self, label: str, seconds: float) -> None:
        if seconds < self._shortest:
            return
        with self._lock:  # also keeps two threads' lines (racing writers) from interleaving
            now = time.monotonic()
            if now - self._last < self._every:
                return
            self._last = now
            self._write(f"waiting {seconds:.0f} s: {label} is at the target's rate limit")


def pacing_for(
    target: Target,
    stats: ThrottleStats,
    workers: int = 1,
    deadline: float | None = None,
    notice: Callable[[str, float], None] | None = None,
    shared: Path | None = None,
) -> Pacing:
    """``deadline`` (monotonic seconds): the run's time budget; past it nothing is waited for, so
    a check that would have to wait is blocked ("throttled") instead. ``shared``: the run's folder
    where its ``workers`` count their calls together."""
    labels = {identity.authorization: identity.label for identity in identities(target)}
    if shared is not None and SHARED and workers > 1:
        windows = SharedWindows(target.rate_limits, shared, labels)
        pacer = Pacer(target.rate_limits, on_wait=notice, windows=windows)
        return Pacing(pacer=pacer, labels=labels, deadline=deadline, stats=stats)
    pacer = Pacer((limit.share(workers) for limit in target.rate_limits), on_wait=notice)
    return Pacing(pacer=pacer, labels=labels, deadline=deadline, stats=stats, workers=workers)


def terminal_line(config: pytest.Config) -> Callable[[str], None]:
    """A writer to the real stderr while pytest captures the test's output."""
    capman = config.pluginmanager.getplugin("capturemanager")

    def write(text: str) -> None:
        with capman.global_and_fixture_disabled() if capman else contextlib.nullcontext():
            sys.stderr.write(f"\n[mpsd] {text}\n")
            sys.stderr.flush()

    return write
