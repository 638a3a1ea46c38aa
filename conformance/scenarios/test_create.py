"""Creating a session (S1, C1, J1, C4, C6)."""

from __future__ import annotations

import pytest

from conformance import bodies
from conformance.expect import check, expect, observe
from conformance.scenarios import requirement
from conformance.session import find_member, get


@requirement("PUT-CREATE-201")
def test_create_answers_201_with_the_session(mpsd):
    user = mpsd.user(1)
    response = user.put(mpsd.new_name(), bodies.join(user.xuid))
    expect(response).status(201).media_type("application/json")
    session = expect(response).session()
    check(
        isinstance(get(session, "contractVersion"), int),
        "an integer contractVersion",
        session.get("contractVersion"),
        response,
    )
    check(bool(get(session, "correlationId")), "a correlationId", "none", response)
    check(
        get(session, "membersInfo.count") == 1,
        "membersInfo.count 1",
        get(session, "membersInfo.count"),
        response,
    )
    first, member = get(session, "membersInfo.first"), find_member(session, user.xuid)
    check(
        member is not None and member[0] == str(first),
        f"the caller at membersInfo.first ({first})",
        f"the caller at {member[0] if member else 'no index'}",
        response,
    )


@requirement("ETAG-PRESENT")
def test_create_carries_an_etag(mpsd):
    user = mpsd.user(1)
    response = user.put(mpsd.new_name(), bodies.join(user.xuid))
    expect(response).status(200, 201).header("ETag")


@requirement("ETAG-PRESENT")
def test_update_carries_an_etag(mpsd):
    created = mpsd.create()
    response = mpsd.user(1).put(created.name, bodies.custom(updated=True))
    expect(response).status(200).header("ETag")


@requirement("ETAG-PRESENT")
def test_read_carries_an_etag(mpsd):
    created = mpsd.create()
    response = mpsd.user(1).get(created.name)
    expect(response).status(200).header("ETag")


@requirement("SESSION-SCHEMA")
def test_created_session_matches_the_schema(mpsd):
    user = mpsd.user(1)
    response = user.put(mpsd.new_name(), bodies.combine(bodies.join(user.xuid), bodies.custom(game="chess")))
    expect(response).status(200, 201).session(schema=True)


@requirement("SESSION-SCHEMA")
def test_a_busier_session_matches_the_schema(mpsd):
    created = mpsd.create(
        None, bodies.custom(map="harbor"), bodies.me(system={"active": True}, custom={"skin": 3})
    )
    mpsd.join(mpsd.user(2), created.name)
    response = mpsd.user(1).get(created.name)
    expect(response).status(200).session(schema=True)


@requirement("PUT-CREATE-EMPTY-204")
def test_a_create_without_members_stores_nothing(mpsd):
    name = mpsd.new_name()
    response = mpsd.user(1).put(
        name, bodies.combine(bodies.constants(sessionEmptyTimeout=0), bodies.custom(a=1))
    )
    expect(response).status(204).no_body()
    check(not mpsd.exists(name), "no session stored", "the session exists", response)


@requirement("CREATE-DEFAULTS")
def test_unset_max_members_and_visibility_get_their_defaults(mpsd):
    user = mpsd.user(1)
    response = user.put(mpsd.new_name(), bodies.join(user.xuid))
    session = expect(response).status(200, 201).session()
    system = get(session, "constants.system", {})
    check(
        system.get("maxMembersCount") == 100, "maxMembersCount 100", system.get("maxMembersCount"), response
    )
    visibility = system.get("visibility")
    check(str(visibility).lower() == "open", "visibility open", visibility, response)


@requirement("CREATE-TIMEOUT-DEFAULTS")
def test_unset_timeouts_get_their_107_defaults(mpsd):
    user = mpsd.user(1)
    response = user.put(mpsd.new_name(), bodies.join(user.xuid), contract_version=107)
    system = get(expect(response).status(200, 201).session(), "constants.system", {})
    found = {k: system.get(k) for k in ("reservedRemovalTimeout", "readyRemovalTimeout")}
    expected = {"reservedRemovalTimeout": 30000, "readyRemovalTimeout": 180000}
    check(found == expected, str(expected), found, response)


@requirement("CREATE-TIMEOUT-DEFAULTS-DISPUTED")
def test_disputed_timeout_defaults_are_recorded(mpsd):
    user = mpsd.user(1)
    response = user.put(mpsd.new_name(), bodies.join(user.xuid), contract_version=107)
    system = get(expect(response).status(200, 201).session(), "constants.system", {})
    found = {k: system.get(k, "absent") for k in ("inactiveRemovalTimeout", "sessionEmptyTimeout")}
    for key, value in found.items():
        observe(key, value)
    check(
        found == {"inactiveRemovalTimeout": 0, "sessionEmptyTimeout": 0}, "0 and 0 (C5, C6)", found, response
    )


@requirement("CREATE-MAX-MEMBERS-RANGE")
@pytest.mark.parametrize("count", [0, 101])
def test_max_members_outside_1_to_100_is_rejected(mpsd, count):
    user = mpsd.user(1)
    response = user.put(
        mpsd.new_name(), bodies.combine(bodies.constants(maxMembersCount=count), bodies.join(user.xuid))
    )
    expect(response).rejected()


@requirement("CREATE-INITIATORS-CREATOR")
def test_initiators_must_include_the_creator(mpsd):
    creator, other = mpsd.user(1), mpsd.user(2)
    body = bodies.combine(bodies.constants(initiators=[other.xuid]), bodies.join(creator.xuid))
    response = creator.put(mpsd.new_name(), body)
    expect(response).rejected()


@requirement("CONST-METRICS-NEEDS-CONNECTIVITY")
def test_metrics_without_the_connectivity_capability_are_refused(mpsd):
    user, name = mpsd.user(1), mpsd.new_name()
    body = bodies.combine(bodies.constants(metrics={"latency": True}), bodies.join(user.xuid))
    response = user.put(name, body)
    expect(response).rejected()
    check(not mpsd.exists(name), "nothing stored", "the session exists", response)


@requirement("PUT-NOCOMMIT")
def test_nocommit_shows_the_result_but_stores_nothing(mpsd):
    user, name = mpsd.user(1), mpsd.new_name()
    response = user.put(name, bodies.join(user.xuid), nocommit=True)
    session = expect(response).status(200, 201).session()
    check(
        find_member(session, user.xuid) is not None,
        "the would-be session with the caller as member",
        "no such member",
        response,
    )
    check(
        not mpsd.exists(name), "nothing stored (a later GET finds no session)", "the session exists", response
    )


@requirement("ETAG-NOCOMMIT")
def test_whether_a_nocommit_answer_carries_an_etag_is_recorded(mpsd):
    user = mpsd.user(1)
    response = user.put(mpsd.new_name(), bodies.join(user.xuid), nocommit=True)
    expect(response).status(200, 201)
    observe("etag", bool(response.etag))
    expect(response).header("ETag")
