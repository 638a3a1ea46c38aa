"""report.schema.json is generated from the report's model, and the committed file is that output."""

from __future__ import annotations

import json

from conformance.report.json_report import SCHEMA_PATH
from conformance.report.schema import generate, render

REGENERATE = "report.schema.json is stale: regenerate it with `python -m conformance.report.schema`"


def test_the_committed_schema_is_the_generated_one() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render(), REGENERATE


def test_every_field_the_encoder_writes_is_required() -> None:
    """Only what a struct may leave UNSET is optional: an old report's "why", a source's copies,
    a load run's statistics (a run has none)."""
    optional = {
        (name, field)
        for name, definition in generate()["$defs"].items()
        for field in definition.get("properties", {})
        if field not in definition["required"]
    }
    assert optional == {
        ("RequirementVerdict", "why"),
        ("Source", "original"),
        ("Source", "archived"),
        ("Run", "load"),
    }
    assert "default" not in json.dumps(generate())
