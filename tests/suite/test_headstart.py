"""Head starts: every timer check's arrange step runs at once, each woken when it asked, on a fake clock."""

from __future__ import annotations

import pytest

from conformance import headstart
from conformance.headstart import Started, run_steps
from conformance.outcomes import Blocked


class Clock:
    """time.time and time.sleep on a clock that moves only when asked to (or when slept on)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(headstart, "time", fake)
    return fake


def _timer(clock: Clock, log: list, name: str, arrange_s: float, wake_after_s: float):
    def step():
        clock.now += arrange_s  # the arrange's requests take this long
        started = clock.now
        log.append((name, "started", clock.now))
        yield started + wake_after_s
        log.append((name, "woken", clock.now))
        return name

    return step


def test_every_step_runs_to_its_end_and_its_waits_overlap(clock) -> None:
    log: list = []
    steps = {n: _timer(clock, log, n, 0.01, 0.2) for n in ("a", "b", "c")}
    done = run_steps(steps)
    assert {k: v.get() for k, v in done.items()} == {"a": "a", "b": "b", "c": "c"}
    # Three 0.2 s waits cost about one: the arranges take 0.03 s, the last wake is at 0.23 s.
    assert clock.now - 1000.0 == pytest.approx(0.23)
    woken = {name: at for name, what, at in log if what == "woken"}
    started = {name: at for name, what, at in log if what == "started"}
    assert all(woken[n] == pytest.approx(started[n] + 0.2) for n in steps)


def test_a_slow_arrange_waits_until_an_earlier_step_was_woken(clock) -> None:
    """On a slow target, the next arrange would end after a step's wake: that step goes first."""
    log: list = []
    steps = {"a": _timer(clock, log, "a", 0.15, 0.1), "b": _timer(clock, log, "b", 0.15, 0.1)}
    run_steps(steps)
    order = [(name, what) for name, what, _ in log]
    assert order == [("a", "started"), ("a", "woken"), ("b", "started"), ("b", "woken")]
    woken_a = next(at for name, what, at in log if (name, what) == ("a", "woken"))
    assert woken_a == pytest.approx(1000.15 + 0.1)


def test_what_a_step_raises_is_raised_in_its_check_and_the_others_go_on(clock) -> None:
    def blocked():
        raise Blocked("the create answered 500")
        yield 0.0  # pragma: no cover - a generator function that never gets here

    def plain():
        return "arranged, nothing to wait for"

    done = run_steps({"blocked": blocked, "plain": plain})
    with pytest.raises(Blocked, match="answered 500"):
        done["blocked"].get()
    assert done["plain"].get() == "arranged, nothing to wait for"


def test_a_step_that_fails_later_keeps_its_error() -> None:
    error = ValueError("broken")
    assert Started(error=error).error is error
    with pytest.raises(ValueError, match="broken"):
        Started(error=error).get()
