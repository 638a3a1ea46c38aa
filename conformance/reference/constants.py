"""Session constants: their two spellings, how a create builds them, and why they never change.

Contract 104/105 spells the removal timeouts as ``timeouts: {reserved, inactive, ready, sessionEmpty}``
and member initialization as ``managedInitialization`` with ``autoEvaluate``; 107 uses four flat
fields and ``memberInitialization`` with the inverse ``externalEvaluation`` (C4 §Contract schema
update). Requests may use either spelling in any version; the session is stored in the 107 form and
rendered in the request's (C9).
"""

from __future__ import annotations

from typing import Any

from conformance.reference.bags import constant_conflict, overlay
from conformance.reference.faults import FaultSet
from conformance.reference.initialization import DEFAULTS_104
from conformance.reference.model import DEFAULT_SYSTEM_CONSTANTS, Doc, Principal, RequestError, same_json
from conformance.spec import is_valid, schema_errors

LEGACY_TIMEOUTS = {
    "reserved": "reservedRemovalTimeout",
    "inactive": "inactiveRemovalTimeout",
    "ready": "readyRemovalTimeout",
    "sessionEmpty": "sessionEmptyTimeout",
}
_LEGACY_ONLY = ("timeouts", "managedInitialization")
# What a large session cannot have, as constants or capabilities (C4, C6).
_NOT_WITH_LARGE = (
    "connectivity",
    "memberInitialization",
    "measurementServerAddresses",
    "autoPopulateServerCandidates",
    "userAuthorizationStyle",
    "team",
    "arbitration",
)
# The 104/105 defaults that differ from 107's (C4 §Contract schema update).
_104_DEFAULTED = ("joinTimeout", "measurementTimeout", "membersNeededToStart")
# Defaults rendered but not stored: the inactive timer's default is disputed (0 in C5 and C6, 2 h in
# C3), so it runs only where the creator or the template set it; a session still shows 0 (C5, C6).
RENDERED_DEFAULTS = {"inactiveRemovalTimeout": DEFAULT_SYSTEM_CONSTANTS["inactiveRemovalTimeout"]}


def to_current(system: Doc, faults: FaultSet) -> Doc:
    """Request system constants in the 107 form. A 104/105 managedInitialization keeps its own
    defaults (membersNeededToStart 2, joinTimeout and measurementTimeout 5 s; C4)."""
    current = {key: value for key, value in system.items() if key not in _LEGACY_ONLY}
    for legacy, name in LEGACY_TIMEOUTS.items():
        if legacy in system.get("timeouts", {}):
            _put_once(current, name, system["timeouts"][legacy])
    if "managedInitialization" in system:
        managed = dict(system["managedInitialization"])
        if "autoEvaluate" in managed:
            _put_once(managed, "externalEvaluation", not managed.pop("autoEvaluate"))
        _check_renamed(managed)
        if not faults.on("init-104-defaults-ignored"):
            managed = {key: value for key, value in DEFAULTS_104.items() if key in _104_DEFAULTED} | managed
        _put_once(current, "memberInitialization", managed)
    return current


def _check_renamed(managed: Doc) -> None:
    """managedInitialization is memberInitialization under its 104 name (C4 §Contract schema update),
    so what it carries must be a valid memberInitialization: the request schema leaves the 107-only
    externalEvaluation untyped in the 104 object, and stored as is it would render ill-typed in 107."""
    if not is_valid("MemberInitialization", managed):
        violation = schema_errors("MemberInitialization", managed, limit=1)[0]
        raise RequestError(
            400, f"constants.system.managedInitialization as memberInitialization: {violation}"
        )


def to_legacy(system: Doc, faults: FaultSet) -> Doc:
    """Stored (107) system constants in the 104/105 form."""
    legacy = {key: value for key, value in system.items() if key not in LEGACY_TIMEOUTS.values()}
    timeouts = {old: system[new] for old, new in LEGACY_TIMEOUTS.items() if new in system}
    if timeouts:
        legacy["timeouts"] = timeouts
    if "memberInitialization" in legacy and not faults.on("legacy-initialization-name"):
        managed = dict(legacy.pop("memberInitialization"))
        managed["autoEvaluate"] = not managed.pop("externalEvaluation", False)
        legacy["managedInitialization"] = managed
    return legacy


def _put_once(current: Doc, key: str, value: Any) -> None:
    if key in current and not same_json(current[key], value):
        raise RequestError(400, f"constants.system gives {key} in both spellings with different values")
    current[key] = value


def _normalized(request: Doc, faults: FaultSet) -> Doc:
    return {**request, "system": to_current(request["system"], faults)} if "system" in request else request


def create_constants(template: Doc, request: Doc | None, principal: Principal, faults: FaultSet) -> Doc:
    """The template, extended (never overridden) by the creator, with the documented defaults filled in."""
    request = _normalized(request or {}, faults)
    conflict = constant_conflict(template, request, missing_conflicts=False)
    if conflict is not None:
        raise RequestError(409, f"constants.{conflict} is fixed by the session template")
    constants = overlay(template, request)
    system = constants["system"]
    for key, value in DEFAULT_SYSTEM_CONSTANTS.items():
        if key in ("maxMembersCount", "visibility") and faults.on("defaults-missing"):
            continue
        if key in RENDERED_DEFAULTS:
            continue  # shown, not stored: whether it was set decides whether its timer runs
        if key == "reservedRemovalTimeout" and faults.on("timeout-defaults-wrong"):
            value = 60000
        system.setdefault(key, value)
    _check_creation(system, principal, faults)
    return constants


def _check_creation(system: Doc, principal: Principal, faults: FaultSet) -> None:
    capabilities = system.get("capabilities") or {}
    unconnected = "metrics" in system and capabilities.get("connectivity") is not True
    if unconnected and not faults.on("metrics-without-connectivity"):
        # "This element is only valid if the session has the connectivity capability set" (C6).
        raise RequestError(400, "metrics needs the connectivity capability")
    if capabilities.get("large") is True:
        clashing = sorted(
            set(_NOT_WITH_LARGE) & (set(system) | {k for k, v in capabilities.items() if v is True})
        )
        if clashing:
            raise RequestError(400, f"a large session cannot have {', '.join(clashing)}")
    ceiling = 1000 if capabilities.get("large") is True else 100
    count = system.get("maxMembersCount", DEFAULT_SYSTEM_CONSTANTS["maxMembersCount"])
    if not 1 <= count <= ceiling and not faults.on("max-members-unchecked"):
        raise RequestError(400, f"maxMembersCount must be 1..{ceiling}, got {count}")
    initiators = system.get("initiators")
    if (
        initiators is not None
        and not principal.is_server
        and principal.xuid not in initiators
        and not faults.on("initiators-unchecked")
    ):
        raise RequestError(400, "the creator must be one of the session's initiators")


def keep_constants(stored: Doc, request: Doc, faults: FaultSet) -> Doc:
    """Constants are read-only after creation: repeating a value is fine, any other value conflicts."""
    request = _normalized(request, faults)
    conflict = constant_conflict(stored, request, missing_conflicts=True)
    if conflict is None:
        return stored
    if faults.on("constants-mutable"):
        return overlay(stored, request)
    if faults.on("constants-conflict-ignored"):
        return stored
    status = 400 if faults.on("constants-conflict-400") else 409
    raise RequestError(status, f"constants.{conflict} cannot change after the session is created")
