"""What a divergence is called, and the key divergences are grouped by.

The signature is the operation, what was sent that matters, and what each side answered where
they differ. It must be the same in every run for the same defect, so it holds no session name, no
ETag and no value a fuzzed case made up: what was sent is reduced to its features (the conditions,
nocommit, the contract version, who sent it, which sections of the session the body writes and
which kinds of member it names), and a
value where the document leaves the keys free, or a long one, to its JSON type.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from conformance.oracle.compare import Diff, shown
from conformance.oracle.document import Operation
from conformance.oracle.normalize import ABSENT, kind, opaque_etag
from conformance.oracle.wire import Request

_LONG = 40


def features(
    request: Request, callers: Mapping[str, str], current: str | None, earlier: Collection[str]
) -> dict[str, str]:
    """What was sent that matters, as words. ``callers``: Authorization value -> "user" or
    "server"; ``current`` and ``earlier``: the session's ETags on the target so far (opaque), so
    that a condition can be told current, stale or made up."""
    authorization = request.header("Authorization")
    found = {"caller": callers.get(authorization, "unknown") if authorization else "none"}
    for name in ("If-Match", "If-None-Match"):
        value = request.header(name)
        if value is not None:
            found[name] = _condition(value, current, earlier)
    version = request.header("X-Xbl-Contract-Version")
    found["contract version"] = (
        "absent" if version is None else (version if version in ("104", "105", "107") else "other")
    )
    if request.query("nocommit") is not None:
        found["nocommit"] = request.query("nocommit") or "empty"
    for name in ("X-Xbl-OnBehalfOf-Users", "X-Xbl-Deny-Scope"):
        if request.header(name) is not None:
            found[name] = "present"
    if request.method == "PUT" or request.body:
        found["body"] = _body(request)
    return found


def _condition(value: str, current: str | None, earlier: Collection[str]) -> str:
    if not value.strip():
        return "blank"
    if value.strip() == "*":
        return "*"
    tags = {opaque_etag(tag) for tag in value.split(",")}
    if current in tags:
        return "the current ETag"
    return "an earlier ETag" if tags & set(earlier) else "a value the session never had"


def _body(request: Request) -> str:
    if not request.body:
        return "none"
    document = request.json()
    if request.malformed:
        return "not JSON"
    if not isinstance(document, dict):
        return f"a JSON {kind(document)}"
    parts = []
    for key in sorted(document):
        value = document[key]
        if key == "members" and isinstance(value, dict):
            parts.append(f"members({','.join(sorted({_member_key(k) for k in value}))})")
        else:
            parts.append(key)
    return " ".join(parts) or "{}"


def _member_key(key: str) -> str:
    if key.startswith("reserve_"):
        return "reserve_N"
    if key.startswith("me_"):
        return "me_XUID"
    return "INDEX" if key.isdigit() else key


def signature_value(diff: Diff, value: Any) -> str:
    """What a signature keeps of a value: the value, or its type where it may be made up."""
    if isinstance(value, str) and value == ABSENT:
        return ABSENT
    text = shown(value)
    return kind(value) if _free(diff) or len(text) > _LONG else text


def _free(diff: Diff) -> bool:
    """Whether a body field sits under a key the document leaves free (a member index is not one)."""
    parts = diff.general.split(".")
    return diff.part == "body" and any(
        p == "*" and (i == 0 or parts[i - 1] != "members") for i, p in enumerate(parts)
    )


def signature(operation: Operation, sent: Mapping[str, str], diffs: Sequence[Diff]) -> str:
    key = [
        operation.name,
        sorted(sent.items()),
        sorted(
            (d.part, d.general, signature_value(d, d.target), signature_value(d, d.reference)) for d in diffs
        ),
    ]
    return hashlib.sha256(json.dumps(key).encode()).hexdigest()[:12]


def name(operation: Operation, diffs: Sequence[Diff]) -> str:
    """``PUT /sessions/{sessionName}: status 200, the reference 201`` (and how many more)."""
    first = diffs[0]
    what = "status" if first.part == "status" else first.general
    target, reference = signature_value(first, first.target), signature_value(first, first.reference)
    text = f"{operation.name}: {what} {target}, the reference {reference}"
    return text + (f" (and {len(diffs) - 1} more)" if len(diffs) > 1 else "")
