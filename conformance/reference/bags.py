"""Merge primitives for property bags, the ``{system, custom}`` pairs every group of a session has.

System fields are replaced as a unit and ``null`` removes one (C3, C4); custom objects are merged
per top-level key, where ``null`` deletes the key (what the official client sends to delete one,
X2) and any other value replaces that key's value whole (no deep merge: no source documents the
merge depth, and replacing is the reading that never invents data).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conformance.reference.model import Doc, same_json


def merge_keys(stored: Mapping[str, Any], patch: Mapping[str, Any], *, null_deletes: bool = True) -> Doc:
    """``stored`` with each key of ``patch`` replacing its value; ``null`` removes the key."""
    merged = dict(stored)
    for key, value in patch.items():
        if value is not None:
            merged[key] = value
        elif null_deletes:
            merged.pop(key, None)
    return merged


def merge_custom(stored: Any, patch: Any, *, null_deletes: bool = True) -> Any:
    """Custom JSON: objects merge per key; any other request value replaces the stored one."""
    if patch is None:
        return {}
    if isinstance(stored, dict) and isinstance(patch, dict):
        return merge_keys(stored, patch, null_deletes=null_deletes)
    return patch


def merge_bag(stored: Doc, patch: Doc) -> Doc:
    return {
        "system": merge_keys(stored["system"], patch.get("system") or {}),
        "custom": _custom(stored, patch),
    }


def _custom(stored: Doc, patch: Doc) -> Any:
    return (
        merge_custom(stored.get("custom", {}), patch["custom"])
        if "custom" in patch
        else stored.get("custom", {})
    )


def empty_bag() -> Doc:
    return {"system": {}, "custom": {}}


def constant_conflict(stored: Doc, patch: Doc, *, missing_conflicts: bool) -> str | None:
    """The first ``system.<key>``/``custom.<key>`` whose requested value differs from the stored one.

    With ``missing_conflicts`` a key the stored bag lacks conflicts too (session constants are fixed
    at creation); without it such a key is simply new (a template is extended by its creator, and a
    member's later constants are ignored).
    """
    for part in ("system", "custom"):
        if part not in patch:
            continue
        have, want = stored.get(part, {}), patch[part]
        if isinstance(have, dict) and isinstance(want, dict):
            for key, value in want.items():
                if key in have and not same_json(have[key], value):
                    return f"{part}.{key}"
                if key not in have and missing_conflicts:
                    return f"{part}.{key}"
        elif not same_json(have, want) and (missing_conflicts or have != {}):
            return part
    return None


def overlay(base: Doc, patch: Doc) -> Doc:
    """``patch``'s constants laid over ``base``'s: new keys are added, given keys win."""
    # Unlike a property write, null is kept here: a null timeout means "never" (C3, C5).
    return {
        "system": {**base.get("system", {}), **(patch.get("system") or {})},
        "custom": _custom(base, patch),
    }
