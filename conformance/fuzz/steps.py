"""The state machine's steps, drawn from the operations' stored cases.

A stateful sequence depends on the answers only through its links: which transition may come
next, and the values a link carries from an answer into the next request (the session's path, its
ETag). The rest of a step's request is a case like any other, and generating it live was most of
what the state machine cost (about 18 ms of drawing a step, where sending one costs about 1 ms).
So a step takes one of its operation's stored cases of its generation mode (``conformance.fuzz.cases``:
the stateless items' cases, for the run's seed and budget) and puts the link's values on top, as a
generated step takes them. Hypothesis still draws which case, which transition and whether each
link's value is followed, so the seed decides a run's sequences, and a failing one replays.

A case a step could not have been is left out of the pool: a request-shape probe of the coverage
phase (another method, a malformed media type), which answers nothing about the session's state.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st
from schemathesis.core import NOT_SET
from schemathesis.generation import GenerationMode
from schemathesis.generation.meta import REQUEST_SHAPE_PROBES, PhaseInfo, StatefulPhaseData, TestPhase

from conformance.fuzz import cases
from conformance.fuzz.engine import OPERATIONS, operation_of, run_schema, stored_cases

Pools = dict[tuple[str, GenerationMode], list[dict[str, Any]]]
_GIVEN = ("path_parameters", "headers", "cookies", "query")


def pools(run: Any, examples: int, seed: int) -> Pools:
    """Each operation's stored cases a step could be, by generation mode (recorded now where none
    are stored yet)."""
    found: Pools = {}
    for label in OPERATIONS:
        operation = operation_of(run, label)
        for data in stored_cases(label, examples, seed):
            if _could_be_a_step(operation, data):
                found.setdefault((label, data["meta"].generation.mode), []).append(data)
    return found


def _could_be_a_step(operation: Any, data: dict[str, Any]) -> bool:
    meta = data["meta"]
    if data["method"].upper() != operation.method.upper() or meta is None:
        return False
    return getattr(meta.phase.data, "scenario", None) not in REQUEST_SHAPE_PROBES


def step_schema(examples: int, seed: int) -> Any:
    """The run's schema object, whose state machine draws each step from ``pools``. An operation or
    mode with no stored case is generated live, as schemathesis would."""
    run = run_schema(examples, seed)
    stored = pools(run, examples, seed)
    generate = run.get_case_strategy

    def get_case_strategy(operation: Any, *args: Any, **kwargs: Any) -> st.SearchStrategy[Any]:
        pool = stored.get((operation.label, kwargs.get("generation_mode", GenerationMode.POSITIVE)))
        if args or kwargs.get("phase") != TestPhase.STATEFUL or not pool:
            return generate(operation, *args, **kwargs)
        given = {name: kwargs.get(name) for name in _GIVEN}
        return st.integers(0, len(pool) - 1).map(_Steps(operation, pool, given, kwargs.get("body", NOT_SET)))

    run.get_case_strategy = get_case_strategy
    return run


@dataclass(frozen=True, eq=False)
class _Steps:
    """The pool's case at a drawn index, as a step. An index is drawn, not the case itself: Hypothesis
    writes a strategy's repr into its notes each time a rule's precondition turns a draw down, and
    a pool's repr would be every case in it."""

    operation: Any
    pool: list[dict[str, Any]]
    given: dict[str, Any]
    body: Any

    def __call__(self, index: int) -> Any:
        return step(self.operation, self.pool[index], self.given, self.body)

    def __repr__(self) -> str:
        return f"a stored case of {self.operation.label} as a step"


def step(operation: Any, data: dict[str, Any], given: dict[str, Any], body: Any = NOT_SET) -> Any:
    """A stored case as a stateful step: a copy (a pool's case may be drawn again), labelled a step
    of the stateful phase, with what the link gives in place of the stored values. Setting them
    after the case is made lets schemathesis see which parts changed and judge again whether the
    case is still negative, as it does for a generated step."""
    case = cases.restore(operation, copy.deepcopy(data))
    stored = case.meta.phase.data
    case.meta.phase = PhaseInfo(
        name=TestPhase.STATEFUL,
        data=StatefulPhaseData(
            description=getattr(stored, "description", None),
            parameter=getattr(stored, "parameter", None),
            parameter_location=getattr(stored, "parameter_location", None),
            location=getattr(stored, "location", None),
            mutations=getattr(stored, "mutations", ()),
        ),
    )
    for name, values in given.items():
        if values:
            replaced = {key.lower() for key in values}
            kept = {k: v for k, v in (getattr(case, name) or {}).items() if k.lower() not in replaced}
            setattr(case, name, {**kept, **values})
    if body is not NOT_SET:
        case.body = body
    return case
