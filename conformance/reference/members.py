"""The ``members`` part of a write: join, leave, reserve, index writes, and member properties.

Members are keyed by a decimal index that grows from ``membersInfo.next`` and is never reused
(J1). ``me`` is always the caller (J2), ``reserve_N`` adds other users in key order (S1, J2), and
``<index>`` keys are for a server principal only (J2, C4 FAQ).
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Any

from conformance.reference import initialization
from conformance.reference.access import check_open_to_joins, check_write
from conformance.reference.bags import constant_conflict, empty_bag, merge_custom, merge_keys
from conformance.reference.faults import FaultSet
from conformance.reference.model import (
    Doc,
    Principal,
    RequestError,
    WriteContext,
    is_large,
    member_index_of,
    ordered_indices,
    system_constant,
)
from conformance.reference.roles import assign_roles


def write_members(session: Doc, patch: Doc, ctx: WriteContext, *, creating: bool) -> None:
    indices = [key for key in patch if key.isdigit()]
    if is_large(session):
        _check_large(patch, indices, ctx.faults)
    if indices:
        _write_indices(session, patch, indices, ctx)
    if ctx.principal.acting_for:
        _write_acting(session, patch, ctx, creating=creating)
    elif any(key.startswith("me_") for key in patch):
        raise RequestError(400, "members.me_{xuid} is for a service principal with X-Xbl-OnBehalfOf-Users")
    elif "me" in patch:
        _write_me(session, patch["me"], ctx, creating=creating)
    for key in _reservation_order(patch, ctx.faults):
        _reserve(session, patch[key], ctx)


def _check_large(patch: Doc, indices: list[str], faults: FaultSet) -> None:
    """A large session has no reservations (J2, S2S) and nobody adds or removes members other than
    themselves (C1: 409)."""
    if any(key.startswith("reserve_") for key in patch) and not faults.on("large-reservations-accepted"):
        raise RequestError(400, "a large session takes no reservations")
    if indices and not faults.on("large-others-writable"):
        raise RequestError(409, "members other than the caller cannot be added or removed on a large session")


def add_member(session: Doc, member: Doc, faults: FaultSet) -> None:
    info = session["membersInfo"]
    index = info["count"] if faults.on("index-reused") else info["next"]
    if faults.on("first-stale"):
        info.setdefault("originalFirst", index)  # the defect: first is written once, never again
    session["members"][str(index)] = member
    info["next"] = max(info["next"], index + info.get("stride", 1))
    info["count"] += 1


def remove_member(session: Doc, index: str, faults: FaultSet) -> None:
    member, info = session["members"].pop(index), session["membersInfo"]
    if not faults.on("count-not-decremented"):
        info["count"] -= 1
    if member.get("reserved") is not True and faults.on("accepted-not-decremented"):
        info["departedAccepted"] = info.get("departedAccepted", 0) + 1


def device_token(secure_device_address: str) -> str:
    """Deterministic, so a member re-uploading the same address keeps its token."""
    return hashlib.sha256(secure_device_address.encode("utf-8")).hexdigest()[:16]


def member_status(member: Doc) -> str:
    """reserved, active, ready or inactive, in that order of precedence (C3, C4; the client's, X3)."""
    if member.get("reserved") is True:
        return "reserved"
    system = member["properties"]["system"]
    return (
        "active" if system.get("active") is True else "ready" if system.get("ready") is True else "inactive"
    )


def _new_member(xuid: str, now: float, *, reserved: bool) -> Doc:
    member: Doc = {
        "constants": {"system": {"xuid": xuid}, "custom": {}},
        "properties": empty_bag(),
        "joinTime": now,
    }
    if reserved:
        member["reserved"] = True
    return member


def _write_acting(session: Doc, patch: Doc, ctx: WriteContext, *, creating: bool) -> None:
    """A service principal acting for users (S2S): ``me_{xuid}`` for each, never ``me``; on a large
    session, one user at a time; with the deny scope, each user's own permissions apply."""
    acting, faults = ctx.principal.acting_for, ctx.faults
    if "me" in patch and not faults.on("s2s-me-accepted"):
        raise RequestError(400, "acting for users, write members.me_{xuid}, not members.me")
    if is_large(session) and len(acting) > 1 and not faults.on("s2s-large-many-users"):
        raise RequestError(400, "a large session takes one user at a time in X-Xbl-OnBehalfOf-Users")
    keys = {f"me_{xuid}": xuid for xuid in acting} | ({"me": acting[0]} if "me" in patch else {})
    written = [key for key in patch if key in keys]
    unknown = [key for key in patch if key.startswith("me_") and key not in keys]
    if unknown:
        raise RequestError(403, f"{unknown[0]} names a user the request does not act for")
    if written[1:] and faults.on("s2s-one-user-only"):
        written = written[:1]  # the defect: only the first user is written
    for key in written:
        user = replace(ctx, principal=Principal(keys[key]))
        if ctx.principal.deny_scope and not creating and not faults.on("s2s-deny-scope-ignored"):
            check_write(session, user.principal, joins=isinstance(patch[key], dict), faults=faults)
        _write_me(session, patch[key], user, creating=creating)


def _write_indices(session: Doc, patch: Doc, indices: list[str], ctx: WriteContext) -> None:
    faults = ctx.faults
    if not ctx.principal.is_server and not faults.on("index-writable-by-user"):
        raise RequestError(403, "only a server principal may write members by index")
    for index in indices:
        member = session["members"].get(index)
        if patch[index] is None:
            if member is not None and not faults.on("server-index-delete-ignored"):
                remove_member(session, index, faults)
        elif member is None:
            raise RequestError(400, f"no member with index {index}")
        else:
            _write_member(session, member, patch[index], ctx, new=False)


def _write_me(session: Doc, patch: Doc | None, ctx: WriteContext, *, creating: bool) -> None:
    xuid, faults = ctx.principal.xuid, ctx.faults
    if xuid is None:
        raise RequestError(403, "members.me needs a user principal; a server principal has no xuid")
    index = member_index_of(session, xuid)
    first = next(iter(ordered_indices(session)), None)
    if patch is None:
        if index is not None and not faults.on("leave-ignored"):
            wrong = first is not None and index != first and faults.on("leave-removes-first-member")
            remove_member(session, first if wrong and first is not None else index, faults)
        return
    claimed = patch.get("constants", {}).get("system", {}).get("xuid", xuid)
    if claimed != xuid:
        if not faults.on("me-xuid-from-body"):
            raise RequestError(403, "cannot join on behalf of another user; reserve a place with reserve_N")
        xuid, index = str(claimed), member_index_of(session, str(claimed))  # the defect: the body decides
    member = None if index is None else session["members"][index]
    rejoin = member is not None and not member.get("reserved") and "constants" in patch
    if member is None or (rejoin and faults.on("rejoin-duplicates")):
        _join(session, patch, ctx, xuid, creating=creating)
        return
    if member.get("reserved"):
        closed = session["properties"]["system"].get("closed") is True
        if closed and faults.on("closed-blocks-reserved"):
            raise RequestError(403, "the session is closed to new members")
        restricted = session["properties"]["system"].get("joinRestriction") == "local"
        if restricted and faults.on("join-restriction-blocks-reserved"):
            raise RequestError(403, "joinRestriction local: join from the device of an active member")
        if not faults.on("reserved-flag-never-cleared"):
            del member["reserved"]
            member["joinTime"] = ctx.now
        if ctx.principal.device is not None:
            member["device"] = ctx.principal.device
    elif first is not None and index != first and faults.on("me-writes-first-member"):
        member = session["members"][first]  # the defect: "me" taken to be the first member
    _write_member(session, member, patch, ctx, new=False)


def _join(session: Doc, patch: Doc, ctx: WriteContext, xuid: str, *, creating: bool) -> None:
    if not creating:
        check_open_to_joins(session, ctx.faults)
    _check_room(session, ctx, joining=True)
    if not creating and ctx.faults.on("join-ignored"):
        return
    member = _new_member(xuid, ctx.now, reserved=False)
    if ctx.principal.device is not None:
        member["device"] = ctx.principal.device  # stored, not rendered: joinRestriction local compares it
    _write_member(session, member, patch, ctx, new=True)
    asks = member["constants"]["system"].get("initialize") is True
    if asks and not creating and initialization.settings(session) is not None:
        initialization.enrol(session, member, ctx.now, ctx.faults)
    add_member(session, member, ctx.faults)


def _reservation_order(patch: Doc, faults: FaultSet) -> list[str]:
    keys = sorted((key for key in patch if key.startswith("reserve_")), key=lambda key: int(key[8:]))
    if [int(key[8:]) for key in keys] != list(range(len(keys))) and not faults.on("reserve-gaps-accepted"):
        raise RequestError(400, "reservations must be numbered reserve_0, reserve_1, ... in every request")
    return keys[::-1] if len(keys) > 1 and faults.on("reservations-reversed") else keys


def _reserve(session: Doc, patch: Doc, ctx: WriteContext) -> None:
    xuid, faults = patch["constants"]["system"]["xuid"], ctx.faults
    if xuid == ctx.principal.xuid:
        raise RequestError(400, "cannot reserve a place for yourself; join with members.me")
    index = member_index_of(session, xuid)
    if index is not None:
        if "properties" in patch:
            if not faults.on("reservation-overwrites-member"):
                raise RequestError(403, "only a member may set its own member properties")
            _write_member_properties(session, session["members"][index], patch["properties"], ctx)
            return
        if not faults.on("reserve-duplicates"):
            return
    _check_room(session, ctx, joining=False)
    member = _new_member(xuid, ctx.now, reserved=not faults.on("reserved-flag-missing"))
    _write_member(session, member, patch, ctx, new=True)
    add_member(session, member, faults)


def _check_room(session: Doc, ctx: WriteContext, *, joining: bool) -> None:
    members = len(session["members"]) if ctx.members_seen is None else ctx.members_seen
    if members < system_constant(session, "maxMembersCount"):
        return
    if not (joining and ctx.faults.on("full-joinable")):
        raise RequestError(400, "session is full")


def _write_member(session: Doc, member: Doc, patch: Doc, ctx: WriteContext, *, new: bool) -> None:
    constants = patch.get("constants")
    if constants is not None:
        if new:
            system = constants.get("system") or {}
            if "index" in system:
                # Open in the request schema, an integer in the response schema: the service renders
                # it as the member's key (X6), so a client's value would be stored and shown as a lie.
                raise RequestError(400, "constants.system.index is the service's: the member's key (J1, X6)")
            member["constants"]["system"].update(system)
            member["constants"]["custom"] = constants.get("custom", {})
        else:
            conflict = constant_conflict(member["constants"], constants, missing_conflicts=False)
            if conflict is not None:
                raise RequestError(409, f"member constants.{conflict} cannot change")
    if "properties" in patch:
        _write_member_properties(session, member, patch["properties"], ctx)
    if "roles" in patch:
        assign_roles(session, member, patch["roles"])


def _write_member_properties(session: Doc, member: Doc, patch: Doc, ctx: WriteContext) -> None:
    faults = ctx.faults
    system = patch.get("system")
    if system is not None:
        if (
            system.get("ready") is True
            and system.get("active") is True
            and not faults.on("ready-active-allowed")
        ):
            raise RequestError(400, "a member cannot be ready and active at once")
        stored, before = member["properties"]["system"], member_status(member)
        for key, value in system.items():
            _write_member_field(session, member, key, value, faults)
        for flag, other in (("active", "ready"), ("ready", "active")):
            if system.get(flag) is True and other not in system:
                stored.pop(other, None)
        if member_status(member) != before:
            member["statusSince"] = ctx.now  # when its inactive or ready removal timer starts (C4)
        _check_measurements(member, system.get("measurements"), faults)
    if "custom" in patch:
        member["properties"]["custom"] = merge_custom(
            member["properties"]["custom"],
            patch["custom"],
            null_deletes=not faults.on("member-custom-null-ignored"),
        )


def _write_member_field(session: Doc, member: Doc, key: str, value: Any, faults: FaultSet) -> None:
    stored = member["properties"]["system"]
    if key == "encounters" and not faults.on("encounters-echoed"):
        return  # point-in-time input, consumed and never returned (C3, C8)
    if key == "groups" and value == [] and faults.on("groups-never-cleared"):
        return
    if key == "secureDeviceAddress":
        _write_address(session, member, value, faults)
    elif key == "subscriptions" and isinstance(value, dict):
        stored[key] = merge_keys(stored.get(key, {}), value)  # added and removed one by one (C3)
    elif _means_absent(key, value):
        stored.pop(key, None)
    else:
        stored[key] = value


def _means_absent(key: str, value: Any) -> bool:
    """null; false for ready/active; an empty groups list (C3, C4, S2S)."""
    return (
        value is None or (key in ("ready", "active") and value is False) or (key == "groups" and value == [])
    )


def _write_address(session: Doc, member: Doc, address: str | None, faults: FaultSet) -> None:
    stored = member["properties"]["system"]
    if not address:  # "" means no address (C3)
        stored.pop("secureDeviceAddress", None)
        member.pop("deviceToken", None)
        return
    connectivity = (session["constants"]["system"].get("capabilities") or {}).get("connectivity") is True
    if not connectivity and not faults.on("sda-without-connectivity"):
        raise RequestError(400, "secureDeviceAddress needs the connectivity capability")
    stored["secureDeviceAddress"] = address
    if connectivity and not faults.on("no-device-token"):
        member["deviceToken"] = device_token(address)


def _check_measurements(member: Doc, measurements: Any, faults: FaultSet) -> None:
    own = member.get("deviceToken")
    if not own or not isinstance(measurements, dict) or faults.on("measurements-self-allowed"):
        return
    if any(token.lower() == own.lower() for token in measurements):
        raise RequestError(400, "measurements may not include the member's own device token")
