"""Under xdist the fuzz phase's long items start first, paired so that two workers share them evenly
(xdist hands each worker two consecutive items to start with); one process keeps its order."""

from __future__ import annotations

from types import SimpleNamespace

from conformance.fuzz import conftest

SESSION = "/serviceconfigs/{scid}/sessiontemplates/{sessionTemplateName}/sessions/{sessionName}"
COLLECTED = [
    ("scenarios/test_create.py", "test_a_create_returns_201"),
    ("fuzz/test_fuzz.py", f"test_operation[GET {SESSION}]"),
    ("fuzz/test_fuzz.py", f"test_operation[PUT {SESSION}]"),
    ("fuzz/test_fuzz.py", f"test_operation[PUT {SESSION}/properties]"),
    ("fuzz/test_fuzz.py", "test_stateful"),
    ("scenarios/test_update.py", "test_an_empty_body_changes_nothing"),
]


def _items() -> list[SimpleNamespace]:
    return [SimpleNamespace(nodeid=f"{path}::{name}", name=name) for path, name in COLLECTED]


def _ordered(config: object) -> list[str]:
    items = _items()
    conftest.pytest_collection_modifyitems(config, items)  # type: ignore[arg-type]
    return [item.name for item in items]


def test_a_worker_starts_with_the_state_machine_and_the_session_put_on_different_workers() -> None:
    ordered = _ordered(SimpleNamespace(workerinput={}))
    assert ordered[:4] == [
        "test_stateful",
        f"test_operation[PUT {SESSION}/properties]",
        f"test_operation[PUT {SESSION}]",
        f"test_operation[GET {SESSION}]",
    ]
    assert ordered[4:] == ["test_a_create_returns_201", "test_an_empty_body_changes_nothing"]


def test_one_process_keeps_the_scenarios_first() -> None:
    assert _ordered(SimpleNamespace()) == [name for _, name in COLLECTED]
