"""pytest glue of the fuzz phase: its budget and seed, and its fixtures.

A conftest in this package is configured each time pytest collects it, i.e. before the fuzz
tests are collected, which is when schemathesis takes its copy of the settings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from conformance.http.transport import Transport
from conformance.plugin import STATE, fuzz_settings

if TYPE_CHECKING:
    from hypothesis import settings

    from conformance.fuzz.engine import FuzzContext
    from conformance.fuzz.test_fuzz import SessionWorkflow

STATEFUL_STEPS = 6


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under xdist, the fuzz items go first, paired for two workers: xdist hands each worker two
    consecutive items to start with, so the state machine (the longest item) shares a worker with
    the /properties PUT, and the session PUT (the next longest) with the GET. The scenarios, short
    and many, then fill whichever worker is free. One process keeps the scenarios first."""
    if hasattr(config, "workerinput"):
        items.sort(key=_starting_order)


def _starting_order(item: pytest.Item) -> int:
    if not item.nodeid.startswith("fuzz/"):
        return 4
    if item.name == "test_stateful":
        return 0
    if "PUT" in item.name:
        return 1 if "/properties" in item.name else 2
    return 3


@pytest.fixture(scope="session")
def mpsd_fuzz(request: pytest.FixtureRequest, mpsd_target, mpsd_transport: Transport) -> FuzzContext:
    # What the fixtures use is imported where they run, never in an xdist controller, which loads
    # this conftest but runs no test: the engine and test_fuzz load schemathesis's OpenAPI support
    # and bind the tests to the schema, and Hypothesis and schemathesis themselves took another
    # 0.18 s of the controller's start, before it starts its workers.
    from conformance.fuzz.engine import FuzzContext

    shard = fuzz_settings(request.config).shard
    return FuzzContext(mpsd_target, mpsd_transport, request.config.stash[STATE].run_tag, shard)


@pytest.fixture(scope="session")
def mpsd_fuzz_budget(request: pytest.FixtureRequest) -> tuple[int, int]:
    """This run's examples per operation and seed (this shard's)."""
    fuzz = fuzz_settings(request.config)
    return fuzz.examples, fuzz.seed


@pytest.fixture(autouse=True)
def mpsd_fuzz_item(request: pytest.FixtureRequest, mpsd_fuzz: FuzzContext) -> None:
    """A fresh tally and shrink budget for each fuzz item; the plugin reads the tally when the
    item's report is made."""
    from conformance.fuzz.judging import TALLY, Tally
    from conformance.fuzz.shrink import ShrinkBudget

    mpsd_fuzz.shrink = ShrinkBudget(fuzz_settings(request.config).shrink_budget)
    mpsd_fuzz.tally = request.node.stash[TALLY] = Tally()


@pytest.fixture
def mpsd_workflow(
    request: pytest.FixtureRequest, mpsd_fuzz: FuzzContext
) -> tuple[type[SessionWorkflow], settings]:
    """The run's state machine and its budget; the stateless tests take their seed from
    schemathesis, the state machine from Hypothesis's own ``@seed``."""
    from hypothesis import HealthCheck, Phase, settings

    fuzz = fuzz_settings(request.config)
    budget = settings(
        max_examples=fuzz.examples,
        stateful_step_count=STATEFUL_STEPS,
        deadline=None,
        # Shrinking a stateful failure replays whole sequences over HTTP (minutes, when measured);
        # the sequence as found, with its seed, is reproduction enough.
        phases=(Phase.explicit, Phase.reuse, Phase.generate),
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    from conformance.fuzz.test_fuzz import session_workflow  # as in mpsd_fuzz

    return session_workflow(mpsd_fuzz, fuzz.examples, fuzz.seed), budget
