"""A bounded shrink: once a fuzz item has a finding, it may send only so many more generated cases.

Hypothesis shrinks a failing example for as long as it finds smaller ones; its only limits (500
successful shrinks, five minutes) are internal, and its maintainers keep them so on purpose. Against
a live service every attempt is a round trip: shrinking one generated 5xx from the reference took
about 470 calls and over a minute, far longer than generating the whole item. So after an item's
first finding from a generated case it may send ``budget`` more generated cases, which Hypothesis
spends looking for other findings and shrinking. When they are spent the item stops and reports,
for each kind of finding, the shortest failing request it sent, marked as not fully shrunk. The
budget counts cases, not seconds: the same seed spends it on the same cases on any machine.

Two kinds of exception carry findings out of a case:

- ``Finding`` is an ``Exception``, which Hypothesis treats as a test failure: it goes on searching,
  then shrinks. schemathesis raises a ``FailureGroup``, which is a ``BaseExceptionGroup``;
  Hypothesis takes that for a fatal error and stops at once, unshrunk. So a *generated* case's
  failures are re-raised as a ``Finding``. Explicit cases (the document's examples and the
  coverage phase's one-deviation cases) keep the ``FailureGroup``: Hypothesis never shrinks
  explicit examples, and the first failing one ends the item as it always has.
- ``Spent`` is a ``BaseExceptionGroup`` for the same reason, in reverse: raised when the budget is
  spent, it stops Hypothesis at once, with no final replay, so a target that answers differently
  the second time cannot turn the finding into a Flaky error (schemathesis's own runner stops
  Hypothesis with a non-``Exception`` too).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from schemathesis.generation.meta import TestPhase

Kind = tuple[tuple[str, str], ...]


class Finding(ExceptionGroup):
    """The failures of one generated case, as a test failure Hypothesis shrinks."""


class Spent(BaseExceptionGroup):
    """The item's shrink budget ran out: its findings as found, the shortest request of each kind."""

    def __new__(cls, budget: int, findings: Sequence[BaseException]) -> Spent:
        group = super().__new__(cls, f"shrink budget of {budget} cases spent", list(findings))
        group.budget = budget
        return group

    def __init__(self, budget: int, findings: Sequence[BaseException]) -> None:
        super().__init__(f"shrink budget of {budget} cases spent", list(findings))
        self.budget = budget


def generated(case: Any) -> bool:
    """A case Hypothesis generated (and so may shrink), as opposed to an explicit example."""
    return case.meta is not None and case.meta.phase.name == TestPhase.FUZZING


@dataclass
class ShrinkBudget:
    """One fuzz item's budget: generated cases it may send after its first finding."""

    budget: int
    spent: int = 0
    # kind of finding -> (request size, its failures): the shortest failing request of each kind.
    shortest: dict[Kind, tuple[int, list[BaseException]]] = field(default_factory=dict)

    def pay(self) -> None:
        """Before a generated case is sent: from the first finding on, each one is paid for, and
        when nothing is left the item stops with what it has found."""
        if not self.shortest:
            return
        if self.spent >= self.budget:
            raise Spent(self.budget, [f for _, failures in self.shortest.values() for f in failures])
        self.spent += 1

    def found(self, failures: Sequence[BaseException], size: int) -> Finding:
        """A generated case of ``size`` request bytes failed: remember it, and raise the result."""
        kind = tuple(sorted({(getattr(f, "code", ""), getattr(f, "title", "")) for f in failures}))
        if kind not in self.shortest or size < self.shortest[kind][0]:
            self.shortest[kind] = (size, list(failures))
        return Finding("a generated case failed", list(failures))
