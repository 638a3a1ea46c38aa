"""Reserving places for other users (S1, J1, J2, C4)."""

from __future__ import annotations

from conformance import bodies
from conformance.expect import expect
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
    guest_member = expect(response).status(200).member(guest.xuid).present()
    guest_member.at("reserved").equals(True)
    guest_member.at("joinTime").satisfies(bool, "non-empty")
    expect(response).at("membersInfo.accepted").equals(get(created.session, "membersInfo.accepted"))


@requirement("RESERVE-ACCEPT")
def test_the_reserved_user_takes_up_the_reservation(mpsd):
    created, guest = mpsd.create(), mpsd.user(2)
    index, reserved = _reserved(mpsd, created, guest)
    response = guest.put(created.name, bodies.join(guest.xuid))
    expect(response).status(200).index_of(guest.xuid).equals(index)
    expect(response).member(guest.xuid).at("reserved").satisfies(lambda flag: not flag, "false or absent")
    expect(response).at("membersInfo.accepted").changed_by(+1, since=get(reserved, "membersInfo.accepted"))


@requirement("RESERVE-ORDER")
def test_reservations_are_appended_in_key_order(mpsd):
    created, second, third = mpsd.create(), mpsd.user(2), mpsd.user(3)
    response = mpsd.user(1).put(created.name, bodies.reserve(second.xuid, third.xuid))
    first = expect(response).status(200).index_of(second.xuid).present().value
    expect(response).index_of(third.xuid).present().satisfies(
        lambda index: int(index) > int(first), f"above {first} (reserve_1 after reserve_0)"
    )


@requirement("RESERVE-FROM-ZERO")
def test_reservation_keys_must_start_at_zero(mpsd):
    created, guest = mpsd.create(), mpsd.user(2)
    response = mpsd.user(1).put(created.name, bodies.reserve(guest.xuid, start=1))
    expect(response).rejected()
