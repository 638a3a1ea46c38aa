"""report.schema.json, generated from the report's model: ``python -m conformance.report.schema``.

The structs of ``conformance.verdicts`` are the one place the report's shape is written down;
msgspec turns them into JSON Schema and this module only finishes it as a published document:
its identity, and the rule that every field the encoder always writes is required, although the
model gives many of them defaults so that checks can leave them out when they build a result.

The file is written in a canonical form: object keys sorted, and every list whose order JSON Schema
gives no meaning (``enum``, ``required``, a ``type`` list, ``anyOf``, ``oneOf``, ``allOf``)
sorted too. The order msgspec happens to emit is incidental (0.23 began sorting ``enum`` values
that 0.22 wrote in declaration order), and the committed file must be the same bytes with any
msgspec the dependency range admits.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import msgspec

from conformance.report.json_report import SCHEMA_PATH
from conformance.verdicts import RunResult

SCHEMA_ID = "https://mpsd-conformance.invalid/report.schema.json"
TITLE = "mpsd-conformance report"


def generate() -> dict[str, Any]:
    """The schema of the current report version, as report.schema.json holds it."""
    generated = msgspec.json.schema(RunResult)
    definitions = generated["$defs"]
    root = definitions.pop(RunResult.__name__)
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **root,
        "title": TITLE,
        "$defs": definitions,
    }
    _finish(schema)
    return schema


def _finish(node: Any) -> None:
    """Require what the encoder always writes (all but the fields a struct may leave UNSET: those
    carry no default), drop the defaults, which only say how a check may build a value, and put
    each description, written as a wrapped docstring, on one line."""
    if isinstance(node, list):
        for item in node:
            _finish(item)
        return
    if not isinstance(node, dict):
        return
    if isinstance(node.get("description"), str):
        node["description"] = " ".join(node["description"].split())
    if node.get("type") == "object" and "properties" in node:
        required = set(node.get("required", ()))
        node["required"] = [
            name for name, p in node["properties"].items() if name in required or "default" in p
        ]
        for prop in node["properties"].values():
            prop.pop("default", None)
    for key, value in node.items():
        for child in value.values() if key == "properties" else (value,):
            _finish(child)


UNORDERED = frozenset({"enum", "required", "type", "anyOf", "oneOf", "allOf"})


def canonical(node: Any) -> Any:
    """The same schema with every order that carries no meaning fixed: keys are sorted when the
    document is dumped, sets of values here."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            value = canonical(value)
            if key in UNORDERED and isinstance(value, list):
                value = sorted(value, key=lambda item: json.dumps(item, sort_keys=True))
            out[key] = value
        return out
    if isinstance(node, list):
        return [canonical(item) for item in node]
    return node


def render() -> str:
    return json.dumps(canonical(generate()), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def main(path: Path = SCHEMA_PATH) -> int:
    """Write the schema where the package keeps it."""
    path.write_text(render(), encoding="utf-8")
    print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
