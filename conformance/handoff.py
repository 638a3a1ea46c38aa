"""How a caller hands the pytest plugin a run as objects: parsed targets and options, no files.

``mpsd-conformance run`` and the self-test resolve their targets themselves; passing
``Handoff(setup)`` to ``pytest.main(plugins=[...])`` gives them to the plugin as they are, and
gives the caller the run back when pytest is done. Nothing goes through a file or the command
line, so the credentials are never written anywhere on the way: an xdist worker receives the
same setup as plain data over its channel (``RunSetup.to_wire``). A pytest run given no
``Handoff`` configures itself from its ``--mpsd-*`` options instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from conformance.config import Target, parse_target, target_table
from conformance.options import RunOptions

if TYPE_CHECKING:
    from conformance.collect import MpsdRun


# Target label -> the check keys to run against it (None: every check). Only the self-test plans.
CheckPlan = Mapping[str, frozenset[str] | None]


@dataclass(frozen=True)
class RunSetup:
    """What a run is given before pytest starts."""

    # Label -> target: "" alone for a plain run; one label per tenant in a matrix run.
    targets: Mapping[str, Target]
    options: RunOptions
    run_id: str
    # A matrix run's plan: each listed check runs once per target (pytest_generate_tests).
    plan: CheckPlan | None = None
    # Whether checks leave the sessions they touched again (and report what remains). The
    # self-test does not: its references are stopped afterwards and it never reads leaks.
    cleanup: bool = True

    def to_wire(self) -> dict[str, Any]:
        """The setup as the plain data an xdist worker can receive (secrets included: it travels
        over the worker's own channel, never through a file)."""
        return {
            "targets": {label: target_table(t) for label, t in self.targets.items()},
            "options": self.options.to_wire(),
            "run_id": self.run_id,
            "plan": None if self.plan is None else {k: _listed(v) for k, v in self.plan.items()},
            "cleanup": self.cleanup,
        }

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> RunSetup:
        plan = data["plan"]
        return cls(
            targets={label: parse_target(table, {}, {}) for label, table in data["targets"].items()},
            options=RunOptions.from_wire(data["options"]),
            run_id=data["run_id"],
            plan=None if plan is None else {k: None if v is None else frozenset(v) for k, v in plan.items()},
            cleanup=data["cleanup"],
        )


def _listed(checks: frozenset[str] | None) -> list[str] | None:
    return None if checks is None else sorted(checks)


HANDOFF = pytest.StashKey["Handoff"]()


class Handoff:
    """A plugin object for ``pytest.main(plugins=[Handoff(setup)])``: the run's setup goes in,
    and ``run`` holds the run's state (its results, its verdicts) once pytest returns."""

    def __init__(self, setup: RunSetup) -> None:
        self.setup = setup
        self.run: MpsdRun | None = None

    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        """Before the plugin's own ``pytest_configure``, which looks for it here."""
        config.stash[HANDOFF] = self
