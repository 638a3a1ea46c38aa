"""The OpenAPI document as data: its component schemas as ready-made JSON Schema validators.

OpenAPI 3.1 schemas are JSON Schema 2020-12, so one registry resource serves every ``$ref``.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from conformance.resources import load_yaml, openapi_path
from conformance.text import shorten

_URN = "urn:mpsd-conformance:openapi"


@lru_cache(maxsize=1)
def load_openapi() -> dict[str, Any]:
    return load_yaml(openapi_path().read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _registry() -> Registry:
    resource = Resource.from_contents(load_openapi(), default_specification=DRAFT202012)
    return Registry().with_resource(_URN, resource)


@cache
def validator(schema_name: str) -> Draft202012Validator:
    """A validator for ``#/components/schemas/<schema_name>``, its ``$ref``s resolved once.

    jsonschema resolves a ``$ref`` again at every instance that meets it: explaining an invalid
    body took the reference 0.35 ms, half of it in those lookups. Where the schema's references
    form no cycle and stand alone (no keyword beside them), the schema with each one replaced by
    what it points to is the same schema, with the same errors in the same order; else the
    references are resolved as they come."""
    if schema_name not in load_openapi()["components"]["schemas"]:
        raise KeyError(f"no schema {schema_name!r} in {openapi_path()}")
    reference = f"#/components/schemas/{schema_name}"
    try:
        return Draft202012Validator(_resolved({"$ref": reference}))
    except ValueError:
        return Draft202012Validator({"$ref": f"{_URN}{reference}"}, registry=_registry())


# Keywords whose values are instances, not schemas: a "$ref" key in them is data.
_DATA_KEYWORDS = frozenset({"const", "default", "enum", "example", "examples"})


def _resolved(node: Any, seen: tuple[str, ...] = ()) -> Any:
    """``node`` with each ``$ref`` replaced by the part of the document it points to; ValueError
    for one that cannot be (a cycle, a keyword beside it, a target the document does not have)."""
    if isinstance(node, list):
        return [_resolved(item, seen) for item in node]
    if not isinstance(node, dict):
        return node
    reference = node.get("$ref")
    if not isinstance(reference, str):  # a property named "$ref" holds a schema, not a reference
        return {k: v if k in _DATA_KEYWORDS else _resolved(v, seen) for k, v in node.items()}
    if len(node) > 1 or reference in seen or not reference.startswith("#/"):
        raise ValueError(f"{reference} cannot be resolved in place")
    target: Any = load_openapi()
    try:
        for part in reference[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            target = target[int(part)] if isinstance(target, list) else target[part]
    except (KeyError, IndexError, ValueError, TypeError):
        raise ValueError(f"{reference} points nowhere in the document") from None
    return _resolved(target, (*seen, reference))


@cache
def _fast(schema_name: str) -> Any:
    import jsonschema_rs

    components = load_openapi()["components"]
    return jsonschema_rs.validator_for(
        {"$ref": f"#/components/schemas/{schema_name}", "components": components}
    )


def is_valid(schema_name: str, instance: Any) -> bool:
    """Whether ``instance`` conforms, about a hundred times faster than ``validator`` (jsonschema-rs,
    compiled); the reference asks this of every request body, and only explains the invalid ones."""
    return bool(_fast(schema_name).is_valid(instance))


def schema_errors(schema_name: str, instance: Any, limit: int = 5) -> list[str]:
    """Readable violations, each as ``<json path>: <message>``; empty when the instance conforms."""
    errors = sorted(validator(schema_name).iter_errors(instance), key=lambda e: list(e.absolute_path))
    return [f"{e.json_path}: {shorten(e.message, 160)}" for e in errors[:limit]]
