"""Request bodies as the official client writes them, built from small pieces.

Scenario tests and the fuzz phase share these so that "a join" or "a leave" means exactly one
thing everywhere (the shapes the official client sends: X2, and its fixtures in X6).
"""

from __future__ import annotations

from typing import Any


def join(
    xuid: str | None,
    *,
    initialize: bool | None = None,
    system: dict[str, Any] | None = None,
    custom: Any = None,
    roles: dict[str, str] | None = None,
) -> dict[str, Any]:
    """``members.me`` with the caller's xuid, as XblMultiplayerSessionJoin sends it."""
    constants: dict[str, Any] = {"system": {"xuid": xuid} if xuid else {}}
    if initialize is not None:
        constants["system"]["initialize"] = initialize
    me: dict[str, Any] = {"constants": constants}
    if system is not None or custom is not None:
        me["properties"] = {k: v for k, v in (("system", system), ("custom", custom)) if v is not None}
    if roles is not None:
        me["roles"] = roles
    return {"members": {"me": me}}


def leave() -> dict[str, Any]:
    return {"members": {"me": None}}


def me(system: dict[str, Any] | None = None, custom: Any = None) -> dict[str, Any]:
    """A member writing its own properties."""
    properties = {k: v for k, v in (("system", system), ("custom", custom)) if v is not None}
    return {"members": {"me": {"properties": properties}}}


def custom(**values: Any) -> dict[str, Any]:
    return {"properties": {"custom": values}}


def system_properties(**values: Any) -> dict[str, Any]:
    return {"properties": {"system": values}}


def constants(**system: Any) -> dict[str, Any]:
    return {"constants": {"system": system}}


def reserve(*xuids: str, start: int = 0) -> dict[str, Any]:
    """Reservations keyed reserve_0, reserve_1, ... in the given order."""
    return {
        "members": {
            f"reserve_{start + i}": {"constants": {"system": {"xuid": xuid}}} for i, xuid in enumerate(xuids)
        }
    }


def combine(*bodies: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge bodies left to right (later values win), e.g. ``combine(constants(...), join(x))``."""
    merged: dict[str, Any] = {}
    for body in bodies:
        _merge_into(merged, body)
    return merged


def _merge_into(target: dict[str, Any], source: dict[str, Any]) -> None:
    for key, value in source.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge_into(target[key], value)
        else:
            target[key] = value
