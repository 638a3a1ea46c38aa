"""The state machine's steps are the stored cases: drawn by the seed, nothing generated live.

That a seed's sequences replay in a fresh process is test_fuzz_phase's
``test_the_same_seed_sends_the_same_cases`` (its requests include the state machine's).
"""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from schemathesis.generation import GenerationMode
from schemathesis.generation.meta import REQUEST_SHAPE_PROBES, TestPhase
from schemathesis.specs.openapi import schemas

from conformance.fuzz import cases
from conformance.fuzz.engine import OPERATIONS, operation_of, run_schema
from conformance.fuzz.steps import pools, step, step_schema

EXAMPLES, SEED = 3, 11


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv(cases.CACHE_ENV, str(tmp_path / "cases"))


def _wire(case) -> tuple:
    return (case.method, repr(case.path_parameters), repr(sorted(dict(case.headers or {}).items())),
            repr(case.query), repr(case.body))  # fmt: skip


def _draws(strategy) -> list:
    drawn: list = []

    @settings(max_examples=20, database=None, deadline=None)
    @given(strategy)
    def draw(case):
        drawn.append(case)

    draw()
    return drawn


def test_every_step_of_the_state_machine_is_a_stored_case_and_none_is_generated(cache, monkeypatch) -> None:
    run = step_schema(EXAMPLES, SEED)
    stored = pools(run_schema(EXAMPLES, SEED), EXAMPLES, SEED)
    assert {label for label, _ in stored} == set(OPERATIONS)

    def generated(**kwargs):
        raise AssertionError("a stateful step was generated live")

    monkeypatch.setattr(schemas, "openapi_cases", generated)
    for (label, mode), pool in stored.items():
        operation = operation_of(run, label)
        strategy = operation.as_strategy(generation_mode=mode, phase=TestPhase.STATEFUL)
        kept = {_wire(step(operation, data, {})) for data in pool}
        drawn = _draws(strategy)
        assert drawn, (label, mode)
        assert all(_wire(case) in kept for case in drawn), (label, mode)
        assert all(case.meta.phase.name == TestPhase.STATEFUL for case in drawn)
        # A request-shape probe (another method, a malformed media type) is never a step.
        assert all(case.method == operation.method.upper() for case in drawn)
        assert not any(getattr(d["meta"].phase.data, "scenario", None) in REQUEST_SHAPE_PROBES for d in pool)


def test_a_step_takes_what_the_link_carries_and_leaves_the_stored_case_as_it_was(cache) -> None:
    run = run_schema(EXAMPLES, SEED)
    label = OPERATIONS[0]
    operation = operation_of(run, label)
    data = pools(run, EXAMPLES, SEED)[(label, GenerationMode.POSITIVE)][0]
    before = copy.deepcopy(data)
    link = {"path_parameters": {"sessionName": "from-the-answer"}, "headers": {"if-match": '"etag-1"'}}
    case = step(operation, data, link, {"properties": {}})
    assert case.path_parameters["sessionName"] == "from-the-answer"
    assert [v for k, v in case.headers.items() if k.lower() == "if-match"] == ['"etag-1"']
    assert case.body == {"properties": {}}
    assert data["body"] == before["body"]
    assert data["path_parameters"] == before["path_parameters"]


@pytest.mark.parametrize("phase", [TestPhase.FUZZING, TestPhase.COVERAGE])
def test_other_phases_are_generated_as_schemathesis_does(cache, phase) -> None:
    operation = operation_of(step_schema(EXAMPLES, SEED), OPERATIONS[0])
    strategy = operation.as_strategy(generation_mode=GenerationMode.POSITIVE, phase=phase)
    assert "a stored case" not in repr(strategy)
