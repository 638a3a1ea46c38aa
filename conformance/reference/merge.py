"""One write, as a pure function: the stored session (or the template) + a validated body -> the new session.

The body is merged into the stored session, or into the template when none exists (S1, C2). The
order is fixed so that each rule sees what it needs: access before anything, constants and role
types before members (members are checked against them), members before properties (a ``host``
must name a member's device token, possibly one uploaded in the same request).
"""

from __future__ import annotations

from conformance.reference import initialization
from conformance.reference.access import check_write
from conformance.reference.bags import empty_bag, merge_bag, merge_custom, merge_keys
from conformance.reference.constants import create_constants, keep_constants
from conformance.reference.members import write_members
from conformance.reference.model import Doc, RequestError, WriteContext, clone, is_large, system_constant
from conformance.reference.roles import check_capacity, define_role_types, update_role_types


def apply_write(current: Doc | None, body: Doc, ctx: WriteContext) -> Doc | None:
    """The session after this write; None when, after it, the session does not exist."""
    session = _create(body, ctx) if current is None else _update(current, body, ctx)
    return _settle_emptiness(session, ctx, created=current is None)


def _create(body: Doc, ctx: WriteContext) -> Doc:
    constants = create_constants(ctx.template_constants, body.get("constants"), ctx.principal, ctx.faults)
    session: Doc = {
        "startTime": ctx.now,
        "constants": constants,
        "properties": empty_bag(),
        "members": {},
        "membersInfo": {"next": ctx.first_index, "count": 0},
        "servers": {},
    }
    if ctx.index_stride != 1:  # kept for add_member, never rendered (render picks its fields)
        session["membersInfo"]["stride"] = ctx.index_stride
    if "roleTypes" in body:
        session["roleTypes"] = define_role_types(body["roleTypes"], constants)
    _write_content(session, body, ctx, creating=True)
    _start_initialization(session, ctx)
    initialization.advance(session, ctx.now, ctx.faults, ctx.timer_granularity_s)
    return session


def _update(current: Doc, body: Doc, ctx: WriteContext) -> Doc:
    session = clone(current)
    me = (body.get("members") or {}).get("me")
    check_write(session, ctx.principal, joins=isinstance(me, dict), faults=ctx.faults)
    if "constants" in body:
        session["constants"] = keep_constants(session["constants"], body["constants"], ctx.faults)
    if "roleTypes" in body:
        session["roleTypes"] = update_role_types(session.get("roleTypes", {}), body["roleTypes"])
    if not body and ctx.faults.on("empty-put-clears-custom"):
        session["properties"]["custom"] = {}
    _write_content(session, body, ctx, creating=False)
    initialization.advance(session, ctx.now, ctx.faults, ctx.timer_granularity_s)
    return session


def _write_content(session: Doc, body: Doc, ctx: WriteContext, *, creating: bool) -> None:
    if "members" in body:
        write_members(session, body["members"], ctx, creating=creating)
    if "properties" in body:
        _write_properties(session, body["properties"], ctx)
    if "servers" in body:
        _write_servers(session, body["servers"], ctx)
    check_capacity(session, ctx.faults)


def _start_initialization(session: Doc, ctx: WriteContext) -> None:
    """Create-time members asking to initialize form episode 1 (C4 §Initialization episodes)."""
    config = initialization.settings(session)
    if config is None:
        return
    starters = [m for m in session["members"].values() if m["constants"]["system"].get("initialize") is True]
    needed = config["membersNeededToStart"]
    if len(starters) < needed and not ctx.faults.on("members-needed-unchecked"):
        raise RequestError(
            400, f"session requiring at least {needed} members to start has {len(starters)}", named=True
        )
    if ctx.faults.on("no-initializing"):
        return
    initialization.start(session, 1, ctx.now, starters)


def _write_properties(session: Doc, patch: Doc, ctx: WriteContext) -> None:
    properties, faults = session["properties"], ctx.faults
    system = patch.get("system")
    if system is not None:
        _check_system_properties(session, system, ctx)
        # initializationSucceeded is consumed at once, never stored (C4).
        updates = {key: value for key, value in system.items() if key != "initializationSucceeded"}
        if "initializationSucceeded" in system and "initializing" in session:
            initialization.evaluate(session, system["initializationSucceeded"] is True, ctx.now)
        replace_whole = ctx.properties_route and faults.on("props-replace-system")
        base = {} if replace_whole else properties["system"]
        if faults.on("keywords-appended") and isinstance(updates.get("keywords"), list):
            updates["keywords"] = base.get("keywords", []) + updates["keywords"]
        properties["system"] = merge_keys(base, updates)
        host = updates.get("host")
        if host and not _is_device_of_member(session, host) and not faults.on("host-unchecked"):
            del properties["system"]["host"]  # dropped silently (C4)
    if "custom" in patch:
        stored = {} if faults.on("custom-replaced") else properties["custom"]
        properties["custom"] = merge_custom(
            stored, patch["custom"], null_deletes=not faults.on("custom-null-ignored")
        )


# Session properties a large session cannot take: a join restriction other than none, turn, host (C4, C3).
_LARGE_RESTRICTED = ("turn", "host")


def _check_system_properties(session: Doc, system: Doc, ctx: WriteContext) -> None:
    faults = ctx.faults
    if is_large(session):
        restricted = [key for key in _LARGE_RESTRICTED if key in system]
        if system.get("joinRestriction", "none") != "none":
            restricted.append("joinRestriction")
        if restricted and not faults.on("large-restricted-accepted"):
            raise RequestError(400, f"a large session cannot set {', '.join(restricted)}")
    if (
        system.get("keywords")
        and system_constant(session, "visibility") == "private"
        and not faults.on("keywords-on-private")
    ):
        raise RequestError(400, "keywords are not allowed on a private session")
    stage = session.get("initializing", {}).get("stage", "not initializing")
    if (
        "initializationSucceeded" in system
        and stage != "evaluating"
        and not faults.on("init-succeeded-accepted")
    ):
        raise RequestError(
            400, f"initializationSucceeded may only be written while evaluating; the session is {stage}"
        )


def _is_device_of_member(session: Doc, token: str) -> bool:
    return any(
        member.get("deviceToken", "").lower() == token.lower() for member in session["members"].values()
    )


def _write_servers(session: Doc, patch: Doc, ctx: WriteContext) -> None:
    if not ctx.principal.is_server and not ctx.faults.on("servers-writable-by-user"):
        if ctx.faults.on("server-write-by-user-ignored"):
            return
        raise RequestError(403, "only a server principal may write servers")
    servers = session["servers"]
    for name, entry in patch.items():
        if entry is None:
            if not ctx.faults.on("server-null-ignored"):
                servers.pop(name, None)
            continue
        stored = servers.get(name) or {"constants": empty_bag(), "properties": empty_bag()}
        servers[name] = {
            part: merge_bag(stored[part], entry.get(part) or {}) for part in ("constants", "properties")
        }


def _settle_emptiness(session: Doc, ctx: WriteContext, *, created: bool) -> Doc | None:
    """An empty session lives on only while its sessionEmptyTimeout runs (C1, C3, C9)."""
    if session["members"]:
        session.pop("emptySince", None)
        return session
    if system_constant(session, "sessionEmptyTimeout") != 0:
        session.setdefault("emptySince", ctx.now)
        return session
    keep = ctx.faults.on("empty-create-stored") if created else ctx.faults.on("last-leave-keeps-session")
    return session if keep else None
