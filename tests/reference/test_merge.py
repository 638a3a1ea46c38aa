"""The merge rules as pure functions: stored session + body + principal (+ clock) -> new session."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.reference.faults import NO_FAULTS, FaultSet
from conformance.reference.members import device_token
from conformance.reference.merge import apply_write
from conformance.reference.model import SERVER, Doc, Principal, RequestError, WriteContext, same_json
from conformance.reference.timers import LAST_INSTANT, expire, next_timer

A, B, C = Principal("1001"), Principal("1002"), Principal("1003")
NOW = 1_700_000_000.0
QUICK = {"system": {"maxMembersCount": 8, "visibility": "open"}, "custom": {}}


def ctx(
    principal: Principal = A, *, now: float = NOW, template: Doc | None = None, **kwargs: Any
) -> WriteContext:
    return WriteContext(principal, now, template_constants=template or {"system": {}, "custom": {}}, **kwargs)


def me(principal: Principal, **member: Any) -> Doc:
    return {"constants": {"system": {"xuid": principal.xuid}}, **member}


def write(session: Doc | None, body: Doc, principal: Principal = A, **kwargs: Any) -> Doc:
    result = apply_write(session, body, ctx(principal, **kwargs))
    assert result is not None
    return result


def create(principal: Principal = A, system: Doc | None = None, **body: Any) -> Doc:
    members = body.pop("members", {"me": me(principal)})
    return write(None, {"constants": {"system": system or {}}, "members": members, **body}, principal)


def refused(status: int, session: Doc | None, body: Doc, principal: Principal = A, **kwargs: Any) -> str:
    with pytest.raises(RequestError) as caught:
        apply_write(session, body, ctx(principal, **kwargs))
    assert caught.value.status == status, caught.value.reason
    return caught.value.reason


def xuids(session: Doc) -> list[str]:
    return [
        m["constants"]["system"]["xuid"]
        for _, m in sorted(session["members"].items(), key=lambda i: int(i[0]))
    ]


def joined(session: Doc, *principals: Principal) -> Doc:
    for principal in principals:
        session = write(session, {"members": {"me": me(principal)}}, principal)
    return session


# ---------------------------------------------------------------- create


def test_create_fills_documented_defaults_and_adds_the_creator_at_index_0() -> None:
    session = create()
    # inactiveRemovalTimeout's default (0) is rendered, not stored: its timer runs only where set.
    assert session["constants"]["system"] == {
        "version": 1,
        "maxMembersCount": 100,
        "visibility": "open",
        "reservedRemovalTimeout": 30000,
        "readyRemovalTimeout": 180000,
        "sessionEmptyTimeout": 0,
    }
    assert list(session["members"]) == ["0"]
    assert session["membersInfo"] == {"next": 1, "count": 1}
    assert session["members"]["0"]["joinTime"] == NOW
    assert session["startTime"] == NOW


def test_first_index_variant_starts_members_at_1() -> None:
    session = write(None, {"members": {"me": me(A)}}, first_index=1)
    assert list(session["members"]) == ["1"]
    assert session["membersInfo"]["next"] == 2


def test_create_without_members_stores_nothing_unless_an_empty_timeout_keeps_it() -> None:
    assert apply_write(None, {"properties": {"custom": {"a": 1}}}, ctx()) is None
    kept = write(None, {"constants": {"system": {"sessionEmptyTimeout": 5000}}})
    assert kept["members"] == {}
    assert kept["emptySince"] == NOW


def test_template_constants_are_fixed_and_the_creator_adds_the_rest() -> None:
    assert "visibility" in refused(
        409, None, {"constants": {"system": {"visibility": "private"}}}, template=QUICK
    )
    repeated = {"visibility": "open", "inviteProtocol": "game"}
    session = write(None, {"constants": {"system": repeated}, "members": {"me": me(A)}}, template=QUICK)
    assert session["constants"]["system"]["maxMembersCount"] == 8
    assert session["constants"]["system"]["inviteProtocol"] == "game"


def test_legacy_constant_names_are_accepted_and_stored_in_the_107_form() -> None:
    system = {
        "timeouts": {"reserved": 1000, "inactive": 2000, "ready": 3000, "sessionEmpty": None},
        "managedInitialization": {"autoEvaluate": True, "membersNeededToStart": 1},
    }
    session = create(
        system=system, members={"me": me(A, constants={"system": {"xuid": A.xuid, "initialize": True}})}
    )
    stored = session["constants"]["system"]
    assert (stored["reservedRemovalTimeout"], stored["inactiveRemovalTimeout"]) == (1000, 2000)
    assert stored["readyRemovalTimeout"] == 3000
    assert stored["sessionEmptyTimeout"] is None
    # The 104 spelling keeps the 104 defaults for what it leaves out (C4): 5 s join and measurement.
    assert stored["memberInitialization"] == {
        "externalEvaluation": False,
        "membersNeededToStart": 1,
        "joinTimeout": 5000,
        "measurementTimeout": 5000,
    }
    assert "timeouts" not in stored
    assert "managedInitialization" not in stored
    both = {"timeouts": {"reserved": 1000}, "reservedRemovalTimeout": 2000}
    assert "both spellings" in refused(400, None, {"constants": {"system": both}})


@pytest.mark.parametrize(
    ("managed", "reason"),
    [
        ({"externalEvaluation": "yes"}, "is not of type 'boolean'"),
        ({"autoEvaluate": True, "externalEvaluation": True}, "both spellings"),
    ],
)
def test_legacy_member_initialization_must_be_a_valid_107_one(managed: Doc, reason: str) -> None:
    starter = me(A, constants={"system": {"xuid": A.xuid, "initialize": True}})
    body = {"constants": {"system": {"managedInitialization": managed}}, "members": {"me": starter}}
    assert reason in refused(400, None, body)


@pytest.mark.parametrize(
    ("count", "large", "ok"),
    [
        (0, False, False),
        (1, False, True),
        (100, False, True),
        (101, False, False),
        (1000, True, True),
        (1001, True, False),
    ],
)
def test_max_members_count_range(count: int, large: bool, ok: bool) -> None:
    system = {"maxMembersCount": count, "capabilities": {"large": large}}
    if ok:
        assert create(system=system)["constants"]["system"]["maxMembersCount"] == count
    else:
        refused(400, None, {"constants": {"system": system}, "members": {"me": me(A)}})


def test_metrics_need_the_connectivity_capability() -> None:
    metrics = {"latency": True, "bandwidthDown": False}
    body = {"constants": {"system": {"metrics": metrics}}, "members": {"me": me(A)}}
    assert "connectivity" in refused(400, None, body)
    system = {"metrics": metrics, "capabilities": {"connectivity": True}}
    assert create(system=system)["constants"]["system"]["metrics"] == metrics


def test_a_new_member_may_not_give_its_own_index() -> None:
    joining = {"constants": {"system": {"index": "0"}}}
    assert "index" in refused(400, None, {"members": {"me": joining}})
    reserving = {"constants": {"system": {"xuid": B.xuid, "index": 1}}}
    assert "index" in refused(400, create(), {"members": {"reserve_0": reserving}})


def test_initiators_must_list_a_user_creator_but_not_a_server() -> None:
    refused(400, None, {"constants": {"system": {"initiators": [B.xuid]}}, "members": {"me": me(A)}})
    create(system={"initiators": [A.xuid, B.xuid]})
    created = write(
        None, {"constants": {"system": {"initiators": [B.xuid], "sessionEmptyTimeout": None}}}, SERVER
    )
    assert created["constants"]["system"]["initiators"] == [B.xuid]


def test_member_initialization_needs_enough_initializing_members_and_starts_episode_1() -> None:
    system = {"memberInitialization": {"membersNeededToStart": 2}}
    starter = me(A, constants={"system": {"xuid": A.xuid, "initialize": True}})
    reason = refused(400, None, {"constants": {"system": system}, "members": {"me": starter}})
    assert "requiring at least 2 members to start" in reason
    reserved = {"constants": {"system": {"xuid": B.xuid, "initialize": True}}}
    session = create(system=system, members={"me": starter, "reserve_0": reserved})
    assert session["initializing"] == {"stage": "joining", "stageStartTime": NOW, "episode": 1}
    assert {m["initializationEpisode"] for m in session["members"].values()} == {1}
    assert "initializing" not in create()


def test_initialization_succeeded_is_refused_outside_evaluating() -> None:
    body = {"properties": {"system": {"initializationSucceeded": True}}}
    refused(400, create(), body)
    system = {"memberInitialization": {"membersNeededToStart": 1}}
    initializing = create(
        system=system, members={"me": me(A, constants={"system": {"xuid": A.xuid, "initialize": True}})}
    )
    assert "joining" in refused(400, initializing, body)


# ---------------------------------------------------------------- constants on an existing session


def test_constants_are_read_only_after_creation() -> None:
    session = create(system={"visibility": "open"})
    assert same_json(
        write(session, {"constants": {"system": {"visibility": "open", "maxMembersCount": 100}}}), session
    )
    assert same_json(write(session, {"constants": {"system": {"timeouts": {"reserved": 30000}}}}), session)
    assert "visibility" in refused(409, session, {"constants": {"system": {"visibility": "private"}}})
    assert "inviteProtocol" in refused(409, session, {"constants": {"system": {"inviteProtocol": "game"}}})
    assert "custom.k" in refused(409, session, {"constants": {"custom": {"k": 1}}})


# ---------------------------------------------------------------- session properties


def test_system_properties_replace_each_field_and_null_removes_it() -> None:
    session = write(
        create(), {"properties": {"system": {"keywords": ["a", "b"], "turn": [0], "closed": True}}}
    )
    session = write(session, {"properties": {"system": {"keywords": ["c"], "turn": None}}})
    assert session["properties"]["system"] == {"keywords": ["c"], "closed": True}


def test_custom_properties_merge_per_key_null_deletes_and_nested_values_are_replaced() -> None:
    session = write(create(), {"properties": {"custom": {"a": 1, "b": {"x": 1, "y": 2}, "c": 3}}})
    session = write(session, {"properties": {"custom": {"a": None, "b": {"x": 9}, "d": 4}}})
    assert session["properties"]["custom"] == {"b": {"x": 9}, "c": 3, "d": 4}
    assert write(session, {"properties": {"custom": "text"}})["properties"]["custom"] == "text"


def test_keywords_are_refused_on_a_private_session() -> None:
    body = {"properties": {"system": {"keywords": ["a"]}}}
    refused(400, None, {**body, "constants": {"system": {"visibility": "private"}}, "members": {"me": me(A)}})
    refused(400, create(system={"visibility": "private"}), body)


def test_host_must_be_a_member_device_token() -> None:
    session = create(system={"capabilities": {"connectivity": True}})
    dropped = write(session, {"properties": {"system": {"host": "feedfeedfeedfeed"}}})
    assert "host" not in dropped["properties"]["system"]
    address = {"members": {"me": {"properties": {"system": {"secureDeviceAddress": "AAAA"}}}}}
    token = device_token("AAAA")
    kept = write(session, {**address, "properties": {"system": {"host": token.upper()}}})
    assert kept["properties"]["system"]["host"] == token.upper()


def test_a_zero_delta_write_changes_nothing() -> None:
    session = create()
    assert same_json(write(session, {}), session)


# ---------------------------------------------------------------- members


def test_join_appends_at_next_and_indices_are_never_reused() -> None:
    session = joined(create(), B, C)
    assert xuids(session) == [A.xuid, B.xuid, C.xuid]
    session = write(session, {"members": {"me": None}}, B)
    assert list(session["members"]) == ["0", "2"]
    assert session["membersInfo"] == {"next": 3, "count": 2}
    session = joined(session, B)
    assert list(session["members"]) == ["0", "2", "3"]


def test_leaving_as_a_non_member_changes_nothing_and_the_last_leave_deletes() -> None:
    session = create()
    assert same_json(write(session, {"members": {"me": None}}, B), session)
    assert apply_write(session, {"members": {"me": None}}, ctx(A)) is None
    kept = create(system={"sessionEmptyTimeout": 10_000})
    emptied = write(kept, {"members": {"me": None}}, now=NOW + 5)
    assert emptied["members"] == {}
    assert emptied["emptySince"] == NOW + 5


def test_a_user_joins_only_as_themselves_and_a_server_has_no_me() -> None:
    assert "on behalf" in refused(403, create(), {"members": {"me": me(C)}}, B)
    refused(403, create(), {"members": {"me": {}}}, SERVER)


def test_member_constants_are_set_at_join_and_only_repeated_later() -> None:
    session = create(
        members={"me": {"constants": {"system": {"xuid": A.xuid, "team": "red"}, "custom": {"k": 1}}}}
    )
    same = {"constants": {"system": {"team": "red", "initialize": True}, "custom": {"k": 1, "new": 2}}}
    assert same_json(write(session, {"members": {"me": same}}), session)
    refused(409, session, {"members": {"me": {"constants": {"system": {"team": "blue"}}}}})


def test_ready_and_active_are_exclusive() -> None:
    session = create()
    refused(400, session, {"members": {"me": {"properties": {"system": {"ready": True, "active": True}}}}})
    session = write(session, {"members": {"me": {"properties": {"system": {"ready": True}}}}})
    session = write(session, {"members": {"me": {"properties": {"system": {"active": True}}}}})
    assert session["members"]["0"]["properties"]["system"] == {"active": True}
    session = write(
        session, {"members": {"me": {"properties": {"system": {"active": False, "ready": False}}}}}
    )
    assert session["members"]["0"]["properties"]["system"] == {}


def test_encounters_are_consumed_and_groups_replaced_or_cleared() -> None:
    system = {"encounters": ["x"], "groups": ["a", "b"], "initializationGroup": [0]}
    session = write(create(), {"members": {"me": {"properties": {"system": system}}}})
    assert session["members"]["0"]["properties"]["system"] == {
        "groups": ["a", "b"],
        "initializationGroup": [0],
    }
    session = write(session, {"members": {"me": {"properties": {"system": {"groups": ["c"]}}}}})
    assert session["members"]["0"]["properties"]["system"]["groups"] == ["c"]
    session = write(session, {"members": {"me": {"properties": {"system": {"groups": []}}}}})
    assert "groups" not in session["members"]["0"]["properties"]["system"]


def test_subscriptions_are_added_and_removed_one_by_one() -> None:
    def subscriptions(value: Doc) -> Doc:
        return {"members": {"me": {"properties": {"system": {"subscriptions": value}}}}}

    session = write(create(), subscriptions({"s1": {"profile": "party"}}))
    session = write(session, subscriptions({"s2": {"profile": "roster"}}))
    session = write(session, subscriptions({"s1": None}))
    assert session["members"]["0"]["properties"]["system"]["subscriptions"] == {"s2": {"profile": "roster"}}


def test_secure_device_address_needs_connectivity_and_gives_a_device_token() -> None:
    body = {"members": {"me": {"properties": {"system": {"secureDeviceAddress": "AAAA"}}}}}
    assert "connectivity" in refused(400, create(), body)
    session = write(create(system={"capabilities": {"connectivity": True}}), body)
    assert session["members"]["0"]["deviceToken"] == device_token("AAAA")
    cleared = write(session, {"members": {"me": {"properties": {"system": {"secureDeviceAddress": ""}}}}})
    assert "deviceToken" not in cleared["members"]["0"]
    assert "secureDeviceAddress" not in cleared["members"]["0"]["properties"]["system"]
    own = {
        "members": {"me": {"properties": {"system": {"measurements": {device_token("AAAA").upper(): {}}}}}}
    }
    assert "own device token" in refused(400, session, own)
    other = {
        "members": {"me": {"properties": {"system": {"measurements": {"0123456789abcdef": {"latency": 5}}}}}}
    }
    write(session, other)


def test_member_custom_properties_merge_and_null_deletes() -> None:
    session = write(create(), {"members": {"me": {"properties": {"custom": {"a": 1, "b": 2}}}}})
    session = write(session, {"members": {"me": {"properties": {"custom": {"a": None}}}}})
    assert session["members"]["0"]["properties"]["custom"] == {"b": 2}


# ---------------------------------------------------------------- reservations


def reserve(*principals: Principal, **extra: Any) -> Doc:
    return {
        f"reserve_{n}": {"constants": {"system": {"xuid": p.xuid}}, **extra} for n, p in enumerate(principals)
    }


def test_reservations_append_in_key_order_reserved_and_unaccepted() -> None:
    session = write(create(), {"members": reserve(B, C)})
    assert xuids(session) == [A.xuid, B.xuid, C.xuid]
    assert [m.get("reserved") for m in session["members"].values()] == [None, True, True]
    assert session["members"]["1"]["joinTime"] == NOW


def test_reservation_keys_start_at_zero_and_have_no_gaps() -> None:
    refused(400, create(), {"members": {"reserve_1": reserve(B)["reserve_0"]}})
    refused(400, create(), {"members": {**reserve(B), "reserve_2": reserve(C)["reserve_0"]}})


def test_reserving_yourself_or_an_existing_member() -> None:
    refused(400, create(), {"members": reserve(A)})
    session = joined(create(), B)
    assert same_json(write(session, {"members": reserve(B)}), session)
    props = {"properties": {"custom": {"x": 1}}}
    assert "own member properties" in refused(403, session, {"members": reserve(B, **props)})


def test_a_reserved_user_takes_up_the_reservation_with_me() -> None:
    session = write(create(), {"members": reserve(B)})
    session = write(session, {"members": {"me": me(B)}}, B, now=NOW + 3)
    member = session["members"]["1"]
    assert "reserved" not in member
    assert member["joinTime"] == NOW + 3


# ---------------------------------------------------------------- member index keys and servers


def test_index_keys_are_for_a_server_principal_only() -> None:
    session = joined(create(), B)
    refused(403, session, {"members": {"1": None}})
    refused(403, session, {"members": {"0": {"properties": {"custom": {"a": 1}}}}})
    updated = write(session, {"members": {"1": {"properties": {"custom": {"a": 1}}}}}, SERVER)
    assert updated["members"]["1"]["properties"]["custom"] == {"a": 1}
    removed = write(session, {"members": {"1": None, "7": None}}, SERVER)
    assert xuids(removed) == [A.xuid]
    assert removed["membersInfo"]["count"] == 1
    refused(400, session, {"members": {"7": {"properties": {}}}}, SERVER)


def test_servers_are_written_by_a_server_principal_only() -> None:
    session = create()
    refused(403, session, {"servers": {"s": {"properties": {"custom": {"a": 1}}}}})
    session = write(
        session, {"servers": {"s": {"properties": {"custom": {"a": 1}, "system": {"lockId": "x"}}}}}, SERVER
    )
    session = write(session, {"servers": {"s": {"properties": {"custom": {"b": 2}}}}}, SERVER)
    assert session["servers"]["s"]["properties"] == {"system": {"lockId": "x"}, "custom": {"a": 1, "b": 2}}
    assert write(session, {"servers": {"s": None}}, SERVER)["servers"] == {}


# ---------------------------------------------------------------- roles


ROLE_TYPES = {"lfg": {"roles": {"leader": {"max": 1, "target": 1}, "member": {"max": 3}}}}


@pytest.mark.parametrize(
    "role_types",
    [
        {"LFG": {"roles": {"leader": {"max": 1}}}},
        {"lfg": {"roles": {"lead-er": {"max": 1}}}},
        {"lfg": {"roles": {"leader": {}}}},
        {"lfg": {"roles": {"leader": {"max": 2, "target": 3}}}},
        {"lfg": {"ownerManaged": True, "roles": {}}},
    ],
)
def test_role_types_are_validated_at_creation(role_types: Doc) -> None:
    refused(400, None, {"roleTypes": role_types, "members": {"me": me(A)}})


def test_roles_are_assigned_counted_and_never_over_filled() -> None:
    session = create(roleTypes=ROLE_TYPES, members={"me": me(A, roles={"lfg": "leader"})})
    assert session["members"]["0"]["roles"] == {"lfg": "leader"}
    refused(400, session, {"members": {"me": me(B, roles={"lfg": "captain"})}}, B)
    assert "role full" in refused(400, session, {"members": {"me": me(B, roles={"lfg": "leader"})}}, B)
    write(session, {"members": {"me": me(B, roles={"lfg": "member"})}}, B)


def test_role_types_change_only_where_mutable() -> None:
    session = create(roleTypes=ROLE_TYPES)
    assert same_json(write(session, {"roleTypes": ROLE_TYPES}), session)
    refused(409, session, {"roleTypes": {"lfg": {"roles": {"leader": {"max": 2}}}}})
    refused(409, session, {"roleTypes": {"other": {"roles": {}}}})
    mutable = {"lfg": {"mutableRoleSettings": ["max"], "roles": {"leader": {"max": 1}}}}
    session = create(roleTypes=mutable)
    changed = write(session, {"roleTypes": {"lfg": {"roles": {"leader": {"max": 4}}}}})
    assert changed["roleTypes"]["lfg"]["roles"]["leader"]["max"] == 4


# ---------------------------------------------------------------- visibility, closed, full


def test_visibility_rules() -> None:
    visible, private = create(system={"visibility": "visible"}), create(system={"visibility": "private"})
    assert "without a reservation" in refused(403, visible, {"members": {"me": me(B)}}, B)
    refused(403, visible, {"properties": {"custom": {"a": 1}}}, B)
    refused(403, private, {"members": {"me": me(B)}}, B)
    opened = write(create(), {"properties": {"custom": {"a": 1}}}, B)
    assert xuids(opened) == [A.xuid], "a write without members.me does not join the caller"
    reserved = write(private, {"members": reserve(B)})
    accepted = write(reserved, {"members": {"me": me(B)}}, B)
    assert "reserved" not in accepted["members"]["1"]
    assert write(private, {"properties": {"custom": {"a": 1}}}, SERVER)["properties"]["custom"] == {"a": 1}


def test_closed_refuses_new_members_but_not_reserved_ones() -> None:
    session = write(write(create(), {"members": reserve(C)}), {"properties": {"system": {"closed": True}}})
    assert "closed" in refused(403, session, {"members": {"me": me(B)}}, B)
    write(session, {"members": {"me": me(C)}}, C)


def test_a_full_session_refuses_joins_and_reservations_but_not_reserved_users() -> None:
    session = write(create(system={"maxMembersCount": 2}), {"members": reserve(B)})
    assert "full" in refused(400, session, {"members": {"me": me(C)}}, C)
    refused(400, session, {"members": reserve(C)})
    write(session, {"members": {"me": me(B)}}, B)


# ---------------------------------------------------------------- timers


def test_a_reservation_expires_after_reserved_removal_timeout() -> None:
    session = write(create(system={"reservedRemovalTimeout": 2000}), {"members": reserve(B)})
    assert next_timer(session, NO_FAULTS) == int(NOW + 2)
    assert expire(session, NOW + 1.9, FaultSet()) is session
    expired = expire(session, NOW + 2, FaultSet())
    assert expired is not None
    assert xuids(expired) == [A.xuid]
    assert expired["membersInfo"]["count"] == 1
    assert next_timer(expired, NO_FAULTS) is None


def test_a_null_timeout_never_fires() -> None:
    session = write(create(system={"reservedRemovalTimeout": None}), {"members": reserve(B)})
    assert next_timer(session, NO_FAULTS) is None
    assert expire(session, NOW + 10**9, FaultSet()) is session


@pytest.mark.parametrize(
    ("timeout", "timer"),
    [
        ((LAST_INSTANT - NOW) * 1000, LAST_INSTANT),  # ends on 9999-12-31T23:59:59Z, the last second
        ((LAST_INSTANT - NOW) * 1000 + 1, None),
        (1e300, None),
        (10**400, None),
    ],
)
def test_a_timeout_ending_after_the_year_9999_never_fires(timeout: float, timer: int | None) -> None:
    """No timestamp or HTTP date can announce it (C6 gives timeouts no maximum), so it means never."""
    system = {"reservedRemovalTimeout": timeout, "sessionEmptyTimeout": timeout}
    reserving = write(create(system=system), {"members": reserve(B)})
    for session in (reserving, write(None, {"constants": {"system": system}})):
        assert next_timer(session, NO_FAULTS) == timer
        assert expire(session, LAST_INSTANT - 1, FaultSet()) is session


def test_an_empty_session_is_deleted_after_session_empty_timeout() -> None:
    session = write(None, {"constants": {"system": {"sessionEmptyTimeout": 1500}}})
    assert next_timer(session, NO_FAULTS) == int(NOW) + 2  # rounded up to the second
    assert expire(session, NOW + 1.4, FaultSet()) is session
    assert expire(session, NOW + 1.5, FaultSet()) is None


def test_the_last_reservation_expiring_starts_the_empty_timer() -> None:
    system = {"reservedRemovalTimeout": 1000, "sessionEmptyTimeout": 5000}
    session = write(None, {"constants": {"system": system}, "members": reserve(B)})
    emptied = expire(session, NOW + 2, FaultSet())
    assert emptied is not None
    assert emptied["members"] == {}
    assert emptied["emptySince"] == NOW + 1
    assert expire(emptied, NOW + 6, FaultSet()) is None


def test_json_equality_tells_true_from_one() -> None:
    assert not same_json({"a": True}, {"a": 1})
    assert same_json({"a": 1, "b": 2}, {"b": 2, "a": 1})
