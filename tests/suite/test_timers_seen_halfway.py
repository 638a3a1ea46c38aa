"""A timer check whose halfway read came back too late tries once more on a timer four times as long.

Removing a member early shows only in a read halfway through its timer whose answer comes back
before the timer could have run out. On a busy machine, or over a slow target's round trip, that
answer can come back too late for a 400 ms timer, and the check then has no evidence of acting early:
the self-test once missed timers-early that way. These tests make every halfway answer on a 400 ms
timer come back "too late" and require the checks to catch timers-early anyway, on the longer timer.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import replace

import pytest

from conformance.embedded import embedded_target
from conformance.http.client import Response
from conformance.reference import ReferenceConfig, ReferenceServer
from conformance.reference.config import Variant
from conformance.runner import run_checks
from conformance.scenarios import test_timers
from conformance.scenarios.timing import TIMEOUT_MS, Timer, halfway
from conformance.selftest import ALL_AT_ONCE, variant_table

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


def _removal_results(faults: list[str], variant: Variant | None = None) -> dict[str, tuple[str, str]]:
    target = embedded_target()
    checks = frozenset(f"scenarios/test_timers.py::{name}" for name in REMOVALS.values())
    config = ReferenceConfig.from_target(target, faults=frozenset(faults), variant=variant or Variant())
    with ReferenceServer(config) as server:
        found = run_checks({"t": (replace(target, url=server.url), checks)}, "0", quiet=True)["t"]
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


@pytest.mark.parametrize("variant", [None, ALL_AT_ONCE], ids=["reference", ALL_AT_ONCE])
def test_a_correct_service_passes_when_the_halfway_answers_come_late(late_on_short_timers, variant) -> None:
    """The reference, and the reference making every choice the documents leave it at once (timers
    acted on every 2 s among them): the second, longer timer is judged as the first would be."""
    results = _removal_results([], variant_table()[variant] if variant else None)
    assert {r: outcome for r, (outcome, _) in results.items()} == dict.fromkeys(REMOVALS, "passed")
    assert sorted(late_on_short_timers) == [TIMEOUT_MS] * 4 + [LONGER_MS] * 4
