"""Updating a session: merges, zero-delta writes, idempotency, constants (S1, C1, C2, C3, J1)."""

from __future__ import annotations

from conformance import bodies
from conformance.expect import check, expect, observe
from conformance.scenarios import requirement
from conformance.session import find_member, get, members


def _state(session):
    """The parts of a session a write may change, without the server's bookkeeping."""
    return {key: session.get(key) for key in ("constants", "properties", "members", "servers")}


@requirement("PUT-UPDATE-MERGE")
def test_a_custom_write_merges_by_key(mpsd):
    created = mpsd.create(None, bodies.custom(keep=1, change=1))
    response = mpsd.user(1).put(created.name, bodies.custom(change=2, add=3))
    custom = get(expect(response).status(200).session(), "properties.custom")
    check(
        custom == {"keep": 1, "change": 2, "add": 3},
        "custom {'keep': 1, 'change': 2, 'add': 3}",
        custom,
        response,
    )


@requirement("PUT-UPDATE-EMPTY")
def test_an_empty_body_changes_nothing(mpsd):
    created = mpsd.create(None, bodies.custom(kept=True))
    response = mpsd.user(1).put(created.name, {})
    session = expect(response).status(200).session()
    check(_state(session) == _state(created.session), "the session as it was", "a changed session", response)


@requirement("PUT-IDEMPOTENT")
def test_repeating_a_join_adds_no_second_member(mpsd):
    user = mpsd.user(1)
    body = bodies.combine(bodies.join(user.xuid), bodies.custom(round=1))
    created = mpsd.create(user, bodies.custom(round=1))
    response = user.put(created.name, body)
    session = expect(response).status(200).session()
    check(
        members(session).keys() == members(created.session).keys(),
        f"members {sorted(members(created.session))}",
        f"members {sorted(members(session))}",
        response,
    )
    check(
        get(session, "properties") == get(created.session, "properties"),
        "the same properties",
        "changed",
        response,
    )


@requirement("PUT-IDEMPOTENT-ETAG")
def test_whether_a_repeated_write_changes_the_etag_is_recorded(mpsd):
    user = mpsd.user(1)
    created = mpsd.create(user)
    response = user.put(created.name, bodies.join(user.xuid))
    session = expect(response).status(200).session()
    observe("etag_changed", response.etag != created.etag)
    observe("change_number_changed", get(session, "changeNumber") != get(created.session, "changeNumber"))
    check(response.etag == created.etag, "the same ETag after a no-op repeat", "a new ETag", response)


@requirement("CORRELATION-ID-STABLE")
def test_the_correlation_id_survives_updates(mpsd):
    created = mpsd.create()
    mpsd.arrange(mpsd.user(1).put(created.name, bodies.custom(step=1)), 200, what="a first update")
    response = mpsd.user(1).put(created.name, bodies.custom(step=2))
    session = expect(response).status(200).session()
    before, after = get(created.session, "correlationId"), get(session, "correlationId")
    check(after == before, f"correlationId {before}", after, response)


@requirement("IMPLICIT-JOIN")
def test_whether_a_non_members_write_joins_them_is_recorded(mpsd):
    created = mpsd.create()
    stranger = mpsd.user(2)
    response = stranger.put(created.name, bodies.custom(visitor=True))
    session = expect(response).status(200).session()
    joined = find_member(session, stranger.xuid) is not None
    observe("non_member_write_joins", joined)
    check(not joined, "the writer not made a member", "the writer became a member", response)


@requirement("CONST-IMMUTABLE-409")
def test_a_different_constant_later_conflicts(mpsd):
    created = mpsd.create(None, bodies.constants(maxMembersCount=5))
    response = mpsd.user(1).put(created.name, bodies.constants(maxMembersCount=6))
    expect(response).status(409)
    session, _ = mpsd.read(created.name)
    value = get(session, "constants.system.maxMembersCount")
    check(value == 5, "maxMembersCount still 5", value, response)


@requirement("SESSION-CHANGE-NUMBER")
def test_a_change_gives_a_new_change_number(mpsd):
    created = mpsd.create()
    response = mpsd.user(1).put(created.name, bodies.custom(changed=True))
    session = expect(response).status(200).session()
    before = (get(created.session, "branch"), get(created.session, "changeNumber"))
    after = (get(session, "branch"), get(session, "changeNumber"))
    grew = (
        after[0] == before[0]
        and isinstance(after[1], int)
        and isinstance(before[1], int)
        and after[1] > before[1]
    )
    check(grew or after[0] != before[0], f"changeNumber above {before[1]} (or a new branch)", after, response)


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
    session = expect(response).status(200).session()
    before = sorted(members(mpsd.document(first, "reserving")))
    check(
        sorted(members(session)) == before,
        f"members {before}",
        f"members {sorted(members(session))}",
        response,
    )
