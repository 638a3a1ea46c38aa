"""Role types: defined at creation, assigned per member, and never over-filled (C11).

MPSD enforces only a role's ``max``; ``target`` is advice for matchmaking. Settings listed in a
type's ``mutableRoleSettings`` may change later, everything else is fixed like a constant.
"""

from __future__ import annotations

import re

from conformance.reference.faults import FaultSet
from conformance.reference.model import Doc, RequestError, clone, ordered_indices

_NAME = re.compile(r"^[a-z0-9]{1,100}$")
_ROLE_SETTINGS = ("max", "target")


def define_role_types(request: Doc, constants: Doc) -> Doc:
    """The stored role types of a new session (only the settings MPSD keeps; counts are derived)."""
    has_owners = (constants["system"].get("capabilities") or {}).get("hasOwners") is True
    defined: Doc = {}
    for type_name, definition in request.items():
        _check_name("role type", type_name)
        if definition.get("ownerManaged") is True and not has_owners:
            raise RequestError(400, f"role type {type_name}: ownerManaged needs the hasOwners capability")
        stored = {
            key: definition[key] for key in ("ownerManaged", "mutableRoleSettings") if key in definition
        }
        stored["roles"] = {}
        for role_name, role in (definition.get("roles") or {}).items():
            _check_name("role", role_name)
            stored["roles"][role_name] = {key: role[key] for key in _ROLE_SETTINGS if key in role}
            _check_limits(f"{type_name}.{role_name}", stored["roles"][role_name])
        defined[type_name] = stored
    return defined


def update_role_types(stored: Doc, request: Doc) -> Doc:
    """Role types re-sent later: identical values pass, mutable settings change, the rest conflict."""
    updated = clone(stored)
    for type_name, definition in request.items():
        current = updated.get(type_name)
        if current is None:
            raise RequestError(409, f"role type {type_name} can only be defined when the session is created")
        for key in ("ownerManaged", "mutableRoleSettings"):
            if key in definition and definition[key] != current.get(key):
                raise RequestError(409, f"roleTypes.{type_name}.{key} cannot change")
        mutable = current.get("mutableRoleSettings", [])
        for role_name, role in (definition.get("roles") or {}).items():
            existing = current["roles"].get(role_name)
            if existing is None:
                raise RequestError(
                    409, f"role {type_name}.{role_name} can only be defined when the session is created"
                )
            for key in _ROLE_SETTINGS:
                if key in role and role[key] != existing.get(key):
                    if key not in mutable:
                        raise RequestError(
                            409, f"roleTypes.{type_name}.roles.{role_name}.{key} cannot change"
                        )
                    existing[key] = role[key]
            _check_limits(f"{type_name}.{role_name}", existing)
    return updated


def _check_name(kind: str, name: str) -> None:
    if not _NAME.match(name):
        raise RequestError(400, f"{kind} name {name!r} must be 1-100 lower-case letters and digits")


def _check_limits(where: str, role: Doc) -> None:
    maximum, target = role.get("max"), role.get("target")
    if not isinstance(maximum, int) or maximum <= 0:
        raise RequestError(400, f"role {where}: max must be greater than 0")
    if target is not None and not 0 < target <= maximum:
        raise RequestError(400, f"role {where}: target must be in 1..max")


def assign_roles(session: Doc, member: Doc, roles: Doc) -> None:
    role_types = session.get("roleTypes", {})
    for type_name, role_name in roles.items():
        if role_name not in role_types.get(type_name, {}).get("roles", {}):
            raise RequestError(400, f"no role {role_name!r} of role type {type_name!r} in this session")
    member["roles"] = {**member.get("roles", {}), **roles}


def role_holders(session: Doc, type_name: str, role_name: str) -> list[str]:
    """The xuids holding a role, in member order."""
    members = session["members"]
    return [
        members[index]["constants"]["system"]["xuid"]
        for index in ordered_indices(session)
        if members[index].get("roles", {}).get(type_name) == role_name
    ]


def check_capacity(session: Doc, faults: FaultSet) -> None:
    for type_name, definition in session.get("roleTypes", {}).items():
        for role_name, role in definition["roles"].items():
            over = len(role_holders(session, type_name, role_name)) > role["max"]
            if over and not faults.on("role-max-ignored"):
                raise RequestError(400, f"role full: {type_name}.{role_name} allows {role['max']} member(s)")
