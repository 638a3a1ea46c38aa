"""report.schema.json is generated from the report's model, and the committed file is that output."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from conformance.report import schema
from conformance.report.json_report import SCHEMA_PATH
from conformance.report.schema import UNORDERED, generate, render

REGENERATE = "report.schema.json is stale: regenerate it with `python -m conformance.report.schema`"


def test_the_committed_schema_is_the_generated_one() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render(), REGENERATE


def _scrambled(node: Any) -> Any:
    """The schema as another msgspec could emit it: every object's keys and every unordered list
    in reverse."""
    if isinstance(node, dict):
        return {
            key: (
                list(reversed(_scrambled(value)))
                if key in UNORDERED and isinstance(value, list)
                else _scrambled(value)
            )
            for key, value in reversed(node.items())
        }
    if isinstance(node, list):
        return [_scrambled(item) for item in node]
    return node


def test_the_written_bytes_do_not_depend_on_the_order_msgspec_emits(monkeypatch: pytest.MonkeyPatch) -> None:
    """msgspec 0.23 sorted enum values that 0.22 wrote in declaration order, and every fresh
    install went red: the file is canonical, so only the model's meaning decides its bytes."""
    emitted = msgspec.json.schema
    assert _scrambled(emitted(schema.RunResult)) != emitted(schema.RunResult)
    monkeypatch.setattr(schema.msgspec.json, "schema", lambda model: _scrambled(emitted(model)))
    assert render() == SCHEMA_PATH.read_text(encoding="utf-8")


def test_every_field_the_encoder_writes_is_required() -> None:
    """Only what a struct may leave UNSET is optional: an old report's "why", a source's copies,
    a load run's statistics (a run has none), the divergences of a run without --oracle, and the
    self-test's scores (which a report written by hand, or by a fork with no self-test, may lack)."""
    schema = generate()
    optional = {
        (name, field)
        for name, definition in {**schema["$defs"], "RunResult": schema}.items()
        for field in definition.get("properties", {})
        if field not in definition["required"]
    }
    assert optional == {
        ("RequirementVerdict", "why"),
        ("Source", "original"),
        ("Source", "archived"),
        ("Run", "load"),
        ("RunResult", "divergences"),
        ("Suite", "selftest"),
    }
    assert "default" not in json.dumps(generate())
