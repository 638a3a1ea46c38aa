"""Reserving places for other users (S1, J1, J2, C4)."""

from __future__ import annotations

from conformance import bodies
from conformance.expect import check, expect
from conformance.scenarios import requirement
from conformance.session import find_member, get


def _reserved(mpsd, created, user):
    """Arrange: ``user`` holds a reservation in the session."""
    response = mpsd.arrange(mpsd.user(1).put(created.name, bodies.reserve(user.xuid)), 200, what="reserving")
    found = find_member(mpsd.document(response, "reserving"), user.xuid)
    if found is None or found[1].get("reserved") is not True:
        raise mpsd.blocked("the reservation did not appear as a reserved member")
    return found[0], mpsd.document(response, "reserving")


@requirement("RESERVE-ADD")
def test_reserve_0_adds_a_reserved_member(mpsd):
    created, guest = mpsd.create(), mpsd.user(2)
    response = mpsd.user(1).put(created.name, bodies.reserve(guest.xuid))
    session = expect(response).status(200).session()
    found = find_member(session, guest.xuid)
    check(found is not None, f"a member for {guest.xuid}", "none", response)
    _, member = found
    check(member.get("reserved") is True, "reserved: true", member.get("reserved"), response)
    check(bool(member.get("joinTime")), "a joinTime", member.get("joinTime"), response)
    before, after = get(created.session, "membersInfo.accepted"), get(session, "membersInfo.accepted")
    check(after == before, f"membersInfo.accepted still {before}", after, response)


@requirement("RESERVE-ACCEPT")
def test_the_reserved_user_takes_up_the_reservation(mpsd):
    created, guest = mpsd.create(), mpsd.user(2)
    index, reserved = _reserved(mpsd, created, guest)
    response = guest.put(created.name, bodies.join(guest.xuid))
    session = expect(response).status(200).session()
    found = find_member(session, guest.xuid)
    check(
        found is not None and found[0] == index,
        f"the guest still at index {index}",
        found and found[0],
        response,
    )
    check(not found[1].get("reserved"), "reserved gone", found[1].get("reserved"), response)
    before, after = get(reserved, "membersInfo.accepted"), get(session, "membersInfo.accepted")
    check(
        isinstance(before, int) and after == before + 1, f"membersInfo.accepted {before} + 1", after, response
    )


@requirement("RESERVE-ORDER")
def test_reservations_are_appended_in_key_order(mpsd):
    created, second, third = mpsd.create(), mpsd.user(2), mpsd.user(3)
    response = mpsd.user(1).put(created.name, bodies.reserve(second.xuid, third.xuid))
    session = expect(response).status(200).session()
    a, b = find_member(session, second.xuid), find_member(session, third.xuid)
    check(a is not None and b is not None, "both reserved users as members", "one is missing", response)
    check(
        int(a[0]) < int(b[0]),
        f"reserve_0 ({second.xuid}) before reserve_1 ({third.xuid})",
        f"indices {a[0]} and {b[0]}",
        response,
    )


@requirement("RESERVE-FROM-ZERO")
def test_reservation_keys_must_start_at_zero(mpsd):
    created, guest = mpsd.create(), mpsd.user(2)
    response = mpsd.user(1).put(created.name, bodies.reserve(guest.xuid, start=1))
    expect(response).rejected()
