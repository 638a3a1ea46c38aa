"""Stored session -> the MultiplayerSession document, in the request's contract version (J1, C9).

Everything derivable is derived here rather than stored: ``membersInfo.first/accepted/active``,
each member's ``next``, ``activeTitleId``, role counts, ``nextTimer`` and the defaults that
``userAuthorizationStyle`` gives the restrictions.
"""

from __future__ import annotations

from datetime import UTC, datetime

from conformance.reference.config import Variant
from conformance.reference.constants import RENDERED_DEFAULTS, to_legacy
from conformance.reference.faults import FaultSet
from conformance.reference.model import Doc, is_large, ordered_indices
from conformance.reference.roles import role_holders
from conformance.reference.timers import next_timer

# An unknown vendor field, for targets that want to prove clients and checks tolerate one.
EXTRA_FIELD = "vendorExtension"


def iso_time(epoch_seconds: float, variant: Variant) -> str:
    """ISO 8601 in UTC, with the variant's fractional digits (7 is .NET's, the 7th always 0 here)."""
    text = datetime.fromtimestamp(epoch_seconds, UTC).isoformat(timespec="microseconds")
    stamp, _, micros = text.removesuffix("+00:00").partition(".")
    fraction = (micros + "0")[: variant.time_digits]
    return f"{stamp}{'.' if fraction else ''}{fraction}{'+00:00' if variant.time_offset else 'Z'}"


def reversed_keys(document: object) -> object:
    """The same JSON with every object's keys in the reverse order (JSON objects are unordered)."""
    if isinstance(document, dict):
        return {key: reversed_keys(document[key]) for key in reversed(document)}
    if isinstance(document, list):
        return [reversed_keys(item) for item in document]
    return document


def render_session(
    session: Doc,
    *,
    version: int,
    faults: FaultSet,
    title_id: str,
    variant: Variant,
    caller: str | None = None,
) -> Doc:
    """``caller``: the xuid asking (None for a server), which a large session renders as "me"."""
    if faults.on("contract-version-ignored"):
        version = 107
    legacy = version in (104, 105) and not faults.on("legacy-rendering-missing")
    wire: Doc = {
        "contractVersion": str(version) if faults.on("contract-version-as-string") else version,
        "branch": _guid(session["branch"], variant),
        "changeNumber": session["changeNumber"],
        "correlationId": _guid(session["correlationId"], variant),
        "startTime": _timestamp(session["startTime"], faults, variant),
    }
    timer = next_timer(session, faults, variant.timer_granularity_s)
    if timer is not None:
        wire["nextTimer"] = iso_time(timer, variant)
    if "initializing" in session:
        initializing = session["initializing"]
        started = iso_time(initializing["stageStartTime"], variant)
        wire["initializing"] = {**initializing, "stageStartTime": started}
    system = {**RENDERED_DEFAULTS, **session["constants"]["system"]}
    wire["constants"] = {
        "system": to_legacy(system, faults) if legacy else dict(system),
        "custom": session["constants"]["custom"],
    }
    wire["properties"] = {
        "system": _properties_system(session, faults),
        "custom": session["properties"]["custom"],
    }
    if "roleTypes" in session:
        wire["roleTypes"] = _role_types(session)
    wire["members"] = _members(session, faults, title_id, variant)
    if is_large(session) and not faults.on("large-members-listed"):
        # At most one entry, keyed me: the caller's own (J1, C8).
        own = [
            m for m in wire["members"].values() if caller and m["constants"]["system"].get("xuid") == caller
        ]
        wire["members"] = {"me": own[0]} if own else {}
    wire["membersInfo"] = _members_info(session, faults)
    wire["servers"] = session["servers"]
    if variant.extra_fields:
        wire[EXTRA_FIELD] = {"service": "mpsd-conformance reference"}
    return wire


def _guid(value: str, variant: Variant) -> str:
    return value.upper() if variant.upper_guids else value


def _timestamp(epoch_seconds: float, faults: FaultSet, variant: Variant) -> str | int:
    return int(epoch_seconds) if faults.on("timestamps-as-numbers") else iso_time(epoch_seconds, variant)


def _properties_system(session: Doc, faults: FaultSet) -> Doc:
    system = dict(session["properties"]["system"])
    capabilities = session["constants"]["system"].get("capabilities") or {}
    if capabilities.get("userAuthorizationStyle") is True and not faults.on("user-auth-style-ignored"):
        system.setdefault("joinRestriction", "local")
        system.setdefault("readRestriction", "local")
    return system


def _role_types(session: Doc) -> Doc:
    rendered: Doc = {}
    for type_name, definition in session["roleTypes"].items():
        roles = {}
        for role_name, role in definition["roles"].items():
            holders = role_holders(session, type_name, role_name)
            roles[role_name] = {**role, "count": len(holders), "memberXuids": holders}
        rendered[type_name] = {**definition, "roles": roles}
    return rendered


def _members(session: Doc, faults: FaultSet, title_id: str, variant: Variant) -> Doc:
    indices = ordered_indices(session)
    followers = [int(index) for index in indices[1:]]
    if indices:
        last_next = int(indices[0]) if faults.on("next-chain-broken") else session["membersInfo"]["next"]
        followers.append(last_next)
    rendered = {}
    for index, follower in zip(indices, followers, strict=True):
        member = session["members"][index]
        wire: Doc = {
            "constants": {"system": member["constants"]["system"], "custom": member["constants"]["custom"]},
            "properties": {
                "system": member["properties"]["system"],
                "custom": member["properties"]["custom"],
            },
        }
        reserved = member.get("reserved") is True
        if reserved:
            wire["reserved"] = True
        if not faults.on("reservation-join-time-missing" if reserved else "join-time-missing"):
            wire["joinTime"] = _timestamp(member["joinTime"], faults, variant)
        wire["next"] = follower
        if member["properties"]["system"].get("active") is True and not faults.on("no-active-title"):
            wire["activeTitleId"] = int(title_id) if faults.on("active-title-number") else title_id
        wire.update(
            {
                key: member[key]
                for key in ("deviceToken", "roles", "initializationEpisode", "initializationFailure")
                if key in member
            }
        )
        if variant.extra_fields:
            wire[EXTRA_FIELD] = {"index": int(index)}
        rendered[index] = wire
    return rendered


def _members_info(session: Doc, faults: FaultSet) -> Doc:
    members, info = session["members"].values(), session["membersInfo"]
    indices = ordered_indices(session)
    first = int(indices[0]) if indices else info["next"]
    original = info.get("originalFirst")  # stored under the first-stale fault only
    if indices and original is not None:
        first = original
    reserved = sum(1 for member in members if member.get("reserved") is True)
    accepted = len(session["members"]) - reserved + info.get("departedAccepted", 0)
    if reserved and faults.on("reservation-counted-accepted"):
        accepted += reserved
    return {
        "first": first,
        "next": info["next"],
        "count": info["count"],
        "accepted": accepted,
        "active": sum(1 for member in members if member["properties"]["system"].get("active") is True),
    }
