"""A timer check whose halfway read came back too late tries once more on a timer four times as long.

Removing a member early shows only in a read halfway through its timer whose answer comes back
before the timer could have run out. On a busy machine, or over a slow target's round trip, that
answer can come back too late for a 400 ms timer, and the check then has no evidence of acting early:
the self-test once missed timers-early that way. These tests make every halfway answer on a 400 ms
timer come back "too late" and require the checks to catch timers-early anyway, on the longer timer.
"""

from __future__ import annotations

from collections.abc import Callable, Generator

import pytest

from conformance.embedded import embedded_reference, embedded_target
from conformance.http.client import Response
from conformance.runner import run_checks
from conformance.scenarios import test_timers
from conformance.scenarios.timing import TIMEOUT_MS, Timer, halfway

REMOVALS = {
    "TIMER-RESERVED-REMOVAL": "test_a_reservation_not_taken_up_in_time_is_removed",
    "TIMER-INACTIVE-REMOVAL": "test_an_inactive_member_is_removed_in_time",
    "TIMER-READY-REMOVAL": "test_a_ready_member_does_not_stay_ready",
    "TIMER-SESSION-EMPTY": "test_an_empty_session_lives_for_its_timeout_then_goes",
}
LONGER_MS = TIMEOUT_MS * test_timers.LONGER


@pytest.fixture
def late_on_short_timers(monkeypatch) -> list[int]:
    """Every halfway read is sent; on a ``TIMEOUT_MS`` timer its answer counts as too late. The
    timeouts of the timers read halfway, in order."""
    timeouts: list[int] = []

    def late_at_first(read: Callable[[], Response], timer: Timer) -> Generator[float, None, Response | None]:
        timeouts.append(timer.timeout_ms)
        response = yield from halfway(read, timer)
        return None if timer.timeout_ms == TIMEOUT_MS else response

    monkeypatch.setattr(test_timers, "halfway", late_at_first)
    return timeouts


def _removal_results(faults: list[str]) -> dict[str, tuple[str, str]]:
    target = embedded_target()
    checks = frozenset(f"scenarios/test_timers.py::{name}" for name in REMOVALS.values())
    with embedded_reference(target, faults=faults) as live:
        found = run_checks({"t": (live, checks)}, "0", quiet=True)["t"]
    return {requirement: (r.outcome, r.message) for requirement, r in found}


def test_timers_early_is_caught_on_the_longer_timer_when_the_halfway_answers_come_late(
    late_on_short_timers,
) -> None:
    """timers-early removes at a quarter of the timeout, which only the halfway read shows (the
    member is rightly gone after the timeout): each failure is the longer timer's halfway read."""
    results = _removal_results(["timers-early"])
    assert {r: outcome for r, (outcome, _) in results.items()} == dict.fromkeys(REMOVALS, "failed")
    # Each timer ran twice: 400 ms, then four times as long.
    assert sorted(late_on_short_timers) == [TIMEOUT_MS] * 4 + [LONGER_MS] * 4
    member_checks = [m for r, (_, m) in results.items() if r != "TIMER-SESSION-EMPTY"]
    assert all(f"halfway through its {LONGER_MS} ms timeout" in m for m in member_checks), results


def test_the_clean_reference_passes_when_the_halfway_answers_come_late(late_on_short_timers) -> None:
    results = _removal_results([])
    assert {r: outcome for r, (outcome, _) in results.items()} == dict.fromkeys(REMOVALS, "passed")
    assert sorted(late_on_short_timers) == [TIMEOUT_MS] * 4 + [LONGER_MS] * 4
