"""Creating a session (S1, C1, J1, C4, C6)."""

from __future__ import annotations

import pytest

from conformance import bodies
from conformance.expect import expect, observe
from conformance.scenarios import requirement
from conformance.session import get


@requirement("PUT-CREATE-201")
def test_create_answers_201_with_the_session(mpsd):
    user = mpsd.user(1)
    response = user.put(mpsd.new_name(), bodies.join(user.xuid))
    expect(response).status(201).media_type("application/json")
    expect(response).at("contractVersion").satisfies(lambda version: isinstance(version, int), "an integer")
    expect(response).at("correlationId").satisfies(bool, "non-empty")
    expect(response).at("membersInfo.count").equals(1)
    first = expect(response).at("membersInfo.first").present().value
    expect(response).index_of(user.xuid).equals(str(first))


@requirement("ETAG-PRESENT")
def test_create_carries_an_etag(mpsd):
    user = mpsd.user(1)
    response = user.put(mpsd.new_name(), bodies.join(user.xuid))
    expect(response).status(200, 201).header("ETag").present()


@requirement("ETAG-PRESENT")
def test_update_carries_an_etag(mpsd):
    created = mpsd.create()
    response = mpsd.user(1).put(created.name, bodies.custom(updated=True))
    expect(response).status(200).header("ETag").present()


@requirement("ETAG-PRESENT")
def test_read_carries_an_etag(mpsd):
    created = mpsd.create()
    response = mpsd.user(1).get(created.name)
    expect(response).status(200).header("ETag").present()


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
    expect(mpsd.user(1).get(name)).no_session()


@requirement("CREATE-DEFAULTS")
def test_unset_max_members_and_visibility_get_their_defaults(mpsd):
    user = mpsd.user(1)
    response = user.put(mpsd.new_name(), bodies.join(user.xuid))
    system = expect(response).status(200, 201).at("constants.system")
    system.at("maxMembersCount").equals(100)
    system.at("visibility").satisfies(lambda visibility: str(visibility).lower() == "open", "open")


@requirement("CREATE-TIMEOUT-DEFAULTS")
def test_unset_timeouts_get_their_107_defaults(mpsd):
    user = mpsd.user(1)
    response = user.put(mpsd.new_name(), bodies.join(user.xuid), contract_version=107)
    system = expect(response).status(200, 201).at("constants.system")
    system.at("reservedRemovalTimeout").equals(30000)
    system.at("readyRemovalTimeout").equals(180000)


@requirement("CREATE-TIMEOUT-DEFAULTS-DISPUTED")
def test_disputed_timeout_defaults_are_recorded(mpsd):
    user = mpsd.user(1)
    response = user.put(mpsd.new_name(), bodies.join(user.xuid), contract_version=107)
    system = expect(response).status(200, 201).at("constants.system")
    disputed = ("inactiveRemovalTimeout", "sessionEmptyTimeout")
    for key in disputed:
        observe(key, get(system.value, key, "absent"))
    for key in disputed:
        system.at(key).equals(0)  # C5, C6


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
    expect(user.get(name)).no_session()


@requirement("PUT-NOCOMMIT")
def test_nocommit_shows_the_result_but_stores_nothing(mpsd):
    user, name = mpsd.user(1), mpsd.new_name()
    response = user.put(name, bodies.join(user.xuid), nocommit=True)
    expect(response).status(200, 201).member(user.xuid).present()
    expect(user.get(name)).no_session()


@requirement("ETAG-NOCOMMIT")
def test_whether_a_nocommit_answer_carries_an_etag_is_recorded(mpsd):
    user = mpsd.user(1)
    response = user.put(mpsd.new_name(), bodies.join(user.xuid), nocommit=True)
    expect(response).status(200, 201)
    observe("etag", bool(response.etag))
    expect(response).header("ETag").present()
