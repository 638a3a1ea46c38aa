"""Arrange steps that start a clock on the target, run for every such check at once.

A check that must wait for the target's own clock (a removal timer, a stage timeout) would make a
run pay for each wait in turn. Such a check declares its arrange step with ``@head_start(step)``
instead of arranging in its body; the plugin runs the steps of every selected check of a target
together, the first time one of those checks runs (``run_steps``), and each check then finds its
timer already running, or run out. So a run pays for the longest wait, not for the sum.

A step is a function of the check's ``Scenario`` that arranges, starts its timer and returns what
the check needs; as a generator function it may also yield each instant (``time.time()``) it wants
to go on at (a read halfway through the timeout) before it returns. An exception it raises (a
``Blocked`` arrange step, a transport error) is raised again in its check, where it decides the
outcome as it would have in the body.
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections import deque
from collections.abc import Callable, Generator, Hashable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest

Step = Generator[float, None, Any]
K = TypeVar("K", bound=Hashable)
MARK = "mpsd_head_start"


def head_start(step: Callable[..., Any]) -> pytest.MarkDecorator:
    """Mark a check whose arrange step is ``step``; its ``mpsd.started()`` returns what it gave."""
    return pytest.mark.mpsd_head_start.with_args(step)


@dataclass(frozen=True)
class Started:
    """What a step returned, or the exception that ended it."""

    value: Any = None
    error: BaseException | None = None

    def get(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.value


def run_steps(steps: Mapping[K, Callable[[], Any]]) -> dict[K, Started]:
    """Run every step to its end, each woken at the instants it yields.

    A step not yet begun is begun only while the last one took less time to begin than is left
    before the earliest instant due, so on a slow target no step is woken late by another's
    arrange (a read meant for halfway through a timeout would come after it)."""
    done: dict[K, Started] = {}
    waiting: list[tuple[float, int, K, Step]] = []
    order = itertools.count()
    todo = deque(steps.items())
    took = 0.0

    def resume(key: K, step: Step) -> None:
        try:
            heapq.heappush(waiting, (next(step), next(order), key, step))
        except StopIteration as end:
            done[key] = Started(value=end.value)
        # Whatever ended the step ends its check, raised there again (Started.get).
        except (Exception, pytest.skip.Exception) as exc:  # noqa: BLE001
            done[key] = Started(error=exc)

    while todo or waiting:
        if todo and (not waiting or time.time() + took <= waiting[0][0]):
            key, start = todo.popleft()
            began = time.time()
            resume(key, _generator(start))
            took = time.time() - began
            continue
        at, _, key, step = heapq.heappop(waiting)
        time.sleep(max(0.0, at - time.time()))
        resume(key, step)
    return done


def _generator(start: Callable[[], Any]) -> Step:
    """A step as a generator, whether it waits (a generator function) or not."""
    began = start()
    if isinstance(began, Generator):
        return (yield from began)
    return began
