"""Updating a session: merges, zero-delta writes, idempotency, constants (S1, C1, C2, C3, J1)."""

from __future__ import annotations

from conformance import bodies
from conformance.expect import expect, observe
from conformance.scenarios import requirement
from conformance.session import find_member, get, members

# The parts of a session a write may change, without the server's bookkeeping.
WRITABLE = ("constants", "properties", "members", "servers")


@requirement("PUT-UPDATE-MERGE")
def test_a_custom_write_merges_by_key(mpsd):
    created = mpsd.create(None, bodies.custom(keep=1, change=1))
    response = mpsd.user(1).put(created.name, bodies.custom(change=2, add=3))
    expect(response).status(200).at("properties.custom").equals({"keep": 1, "change": 2, "add": 3})


@requirement("PUT-UPDATE-EMPTY")
def test_an_empty_body_changes_nothing(mpsd):
    created = mpsd.create(None, bodies.custom(kept=True))
    response = mpsd.user(1).put(created.name, {})
    expect(response).status(200)
    for part in WRITABLE:
        expect(response).at(part).equals(created.session.get(part))  # as it was


@requirement("PUT-IDEMPOTENT")
def test_repeating_a_join_adds_no_second_member(mpsd):
    user = mpsd.user(1)
    body = bodies.combine(bodies.join(user.xuid), bodies.custom(round=1))
    created = mpsd.create(user, bodies.custom(round=1))
    response = user.put(created.name, body)
    expect(response).status(200).member_keys().equals(sorted(members(created.session)))
    expect(response).at("properties").equals(get(created.session, "properties"))


@requirement("PUT-IDEMPOTENT-ETAG")
def test_whether_a_repeated_write_changes_the_etag_is_recorded(mpsd):
    user = mpsd.user(1)
    created = mpsd.create(user)
    response = user.put(created.name, bodies.join(user.xuid))
    session = expect(response).status(200).session()
    observe("etag_changed", response.etag != created.etag)
    observe("change_number_changed", get(session, "changeNumber") != get(created.session, "changeNumber"))
    expect(response).header("ETag").equals(created.etag)  # a no-op repeat changes nothing


@requirement("CORRELATION-ID-STABLE")
def test_the_correlation_id_survives_updates(mpsd):
    created = mpsd.create()
    mpsd.arrange(mpsd.user(1).put(created.name, bodies.custom(step=1)), 200, what="a first update")
    response = mpsd.user(1).put(created.name, bodies.custom(step=2))
    expect(response).status(200).at("correlationId").equals(get(created.session, "correlationId"))


@requirement("IMPLICIT-JOIN")
def test_whether_a_non_members_write_joins_them_is_recorded(mpsd):
    created = mpsd.create()
    stranger = mpsd.user(2)
    response = stranger.put(created.name, bodies.custom(visitor=True))
    session = expect(response).status(200).session()
    observe("non_member_write_joins", find_member(session, stranger.xuid) is not None)
    expect(response).member(stranger.xuid).absent()


@requirement("CONST-IMMUTABLE-409")
def test_a_different_constant_later_conflicts(mpsd):
    created = mpsd.create(None, bodies.constants(maxMembersCount=5))
    response = mpsd.user(1).put(created.name, bodies.constants(maxMembersCount=6))
    expect(response).status(409)
    expect(mpsd.read_back(created.name)).at("constants.system.maxMembersCount").equals(5)


@requirement("SESSION-CHANGE-NUMBER")
def test_a_change_gives_a_new_change_number(mpsd):
    created = mpsd.create()
    response = mpsd.user(1).put(created.name, bodies.custom(changed=True))
    session = expect(response).status(200).session()
    if get(session, "branch") == get(created.session, "branch"):  # a new branch would start its own count
        expect(response).at("changeNumber").above(get(created.session, "changeNumber"))


@requirement("SESSION-START-TIME")
def test_the_start_time_stays_when_the_session_changes(mpsd):
    created = mpsd.create()
    response = mpsd.user(1).put(created.name, bodies.custom(changed=True))
    expect(response).status(200).at("startTime").equals(get(created.session, "startTime"))


@requirement("PUT-IDEMPOTENT")
def test_repeating_a_reservation_adds_no_second_member(mpsd):
    created, guest = mpsd.create(), mpsd.user(2)
    first = mpsd.arrange(mpsd.user(1).put(created.name, bodies.reserve(guest.xuid)), 200, what="reserving")
    response = mpsd.user(1).put(created.name, bodies.reserve(guest.xuid))
    before = sorted(members(mpsd.document(first, "reserving")))
    expect(response).status(200).member_keys().equals(before)
