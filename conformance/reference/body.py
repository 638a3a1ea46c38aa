"""A PUT body, from bytes on the wire to a validated JSON object, or a 4xx that says why.

Bad input must never become a 5xx (C1): every way a body can be wrong (too big, wrong media type,
empty, not UTF-8, not JSON, too deep, not an object, against the schema) ends in a RequestError.
"""

from __future__ import annotations

import json
from typing import Any

from jsonschema.exceptions import best_match
from starlette.requests import Request

from conformance.reference.faults import FaultSet
from conformance.reference.model import Doc, RequestError
from conformance.spec import is_valid, load_openapi, validator
from conformance.text import shorten

MAX_BODY_BYTES = 1 << 20
MAX_DEPTH = 64
# An oversized body is still read (and dropped) up to this size, so that the client, which is still
# sending, gets to read the 413 instead of a reset connection.
_DRAIN_BYTES = 16 << 20
_REASON_WIDTH = 200


async def read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > _DRAIN_BYTES:
        raise RequestError(413, f"body larger than {MAX_BODY_BYTES} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > _DRAIN_BYTES:
            break
        if size <= MAX_BODY_BYTES:
            chunks.append(chunk)
    if size > MAX_BODY_BYTES:
        raise RequestError(413, f"body larger than {MAX_BODY_BYTES} bytes")
    return b"".join(chunks)


def check_content_type(value: str | None) -> None:
    """Absent is fine; otherwise JSON (``application/json``, any ``+json``), parameters allowed."""
    if value is None:
        return
    media_type = value.split(";", 1)[0].strip().lower()
    if media_type != "application/json" and not (
        media_type.startswith("application/") and media_type.endswith("+json")
    ):
        raise RequestError(400, f"Content-Type must be application/json, got {media_type or 'nothing'}")


def parse_object(raw: bytes, faults: FaultSet) -> Doc:
    if not raw.strip():
        raise RequestError(400, "empty body; send a JSON object ({} changes nothing)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        if faults.on("invalid-utf8-500"):
            raise
        raise RequestError(400, "body is not valid UTF-8") from None
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        if faults.on("deep-nesting-500"):
            raise
        raise RequestError(400, f"body nests deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:
        if faults.on("malformed-json-500"):
            raise
        if faults.on("malformed-json-as-empty"):
            return {}
        raise RequestError(400, f"body is not valid JSON: {exc}", named=True) from None
    if isinstance(value, list) and faults.on("json-array-500"):
        raise TypeError("the defect: a list reaches code that expects an object")
    if not isinstance(value, dict):
        raise RequestError(400, f"body must be a JSON object, not {type(value).__name__}")
    if _depth(value) > MAX_DEPTH:
        raise RequestError(400, f"body nests deeper than {MAX_DEPTH} levels")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _depth(value: Any) -> int:
    """Nesting depth, without recursion (so a deep body cannot exhaust the stack here either)."""
    deepest, stack = 0, [(value, 1)]
    while stack and deepest <= MAX_DEPTH:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if children is not None:
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in children)
    return deepest


def validate(body: Doc, schema: str, faults: FaultSet) -> Doc:
    """The body if it conforms to the named OpenAPI schema; else a 400 naming the most relevant violation."""
    known = load_openapi()["components"]["schemas"][schema]["properties"]
    if set(body) - set(known) and faults.on("unknown-keys-accepted"):
        body = {key: value for key, value in body.items() if key in known}
    if is_valid(schema, body):
        return body
    errors = list(validator(schema).iter_errors(body))
    if faults.on("system-types-unchecked") and all("system" in e.absolute_path for e in errors):
        return body  # the defect: system fields are stored without their documented types checked
    error = best_match(errors)
    if error is None:
        return body
    reason = f"{error.json_path}: {error.message}"
    if faults.on("wrong-types-500") and "system" in error.absolute_path:
        raise TypeError(reason)  # the defect: a system field reaches code that trusts its type
    raise RequestError(400, f"invalid body: {shorten(reason, _REASON_WIDTH)}")
