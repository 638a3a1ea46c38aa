"""Who may read, write and join: visibility, reservations, closed and full sessions (C6, C7, X4)."""

from __future__ import annotations

from conformance import bodies
from conformance.expect import expect
from conformance.scenarios import requirement
from conformance.session import find_member


def _session(mpsd, visibility, *extra):
    return mpsd.create(None, bodies.constants(visibility=visibility), *extra)


@requirement("VIS-OPEN-WRITE")
def test_anyone_may_write_an_open_session(mpsd):
    created = _session(mpsd, "open")
    response = mpsd.user(2).put(created.name, bodies.custom(visitor=True))
    expect(response).status(200)


@requirement("VIS-PRIVATE-403")
def test_a_stranger_cannot_join_a_private_session(mpsd):
    created, stranger = _session(mpsd, "private"), mpsd.user(2)
    response = stranger.put(created.name, bodies.join(stranger.xuid))
    expect(response).status(403)


@requirement("VIS-PRIVATE-403")
def test_a_stranger_cannot_read_a_private_session(mpsd):
    created = _session(mpsd, "private")
    response = mpsd.user(2).get(created.name)
    expect(response).status(403)


@requirement("VIS-VISIBLE-READ")
def test_anyone_may_read_a_visible_session(mpsd):
    created = _session(mpsd, "visible")
    response = mpsd.user(2).get(created.name)
    expect(response).status(200)


@requirement("VIS-VISIBLE-JOIN")
def test_a_stranger_cannot_join_a_visible_session(mpsd):
    created, stranger = _session(mpsd, "visible"), mpsd.user(2)
    response = stranger.put(created.name, bodies.join(stranger.xuid))
    expect(response).rejected()


def _reserve(mpsd, created, guest):
    response = mpsd.arrange(mpsd.user(1).put(created.name, bodies.reserve(guest.xuid)), 200, what="reserving")
    if find_member(mpsd.document(response, "reserving"), guest.xuid) is None:
        raise mpsd.blocked("the reservation did not appear")


def _accepted(response, xuid):
    """``xuid`` a member that no longer holds a reservation."""
    member = expect(response).member(xuid).present()
    member.at("reserved").satisfies(lambda reserved: not reserved, "false or absent")


@requirement("VIS-RESERVED-JOIN")
def test_a_reserved_user_may_join_a_private_session(mpsd):
    created, guest = _session(mpsd, "private"), mpsd.user(2)
    _reserve(mpsd, created, guest)
    response = guest.put(created.name, bodies.join(guest.xuid))
    expect(response).status(200)
    _accepted(response, guest.xuid)


@requirement("JOIN-CLOSED")
def test_a_closed_session_refuses_a_new_member(mpsd):
    created, stranger = mpsd.create(None, bodies.system_properties(closed=True)), mpsd.user(2)
    response = stranger.put(created.name, bodies.join(stranger.xuid))
    expect(response).rejected()


@requirement("JOIN-CLOSED")
def test_a_closed_session_still_admits_a_reserved_user(mpsd):
    created, guest = mpsd.create(None, bodies.system_properties(closed=True)), mpsd.user(2)
    _reserve(mpsd, created, guest)
    response = guest.put(created.name, bodies.join(guest.xuid))
    expect(response).status(200)
    _accepted(response, guest.xuid)


@requirement("JOIN-FULL")
def test_a_full_session_refuses_a_new_member(mpsd):
    created, stranger = mpsd.create(None, bodies.constants(maxMembersCount=1)), mpsd.user(2)
    response = stranger.put(created.name, bodies.join(stranger.xuid))
    expect(response).rejected()


@requirement("CAP-USER-AUTH-STYLE")
def test_user_authorization_style_makes_restrictions_local(mpsd):
    user = mpsd.user(1)
    body = bodies.combine(
        bodies.constants(capabilities={"userAuthorizationStyle": True}), bodies.join(user.xuid)
    )
    response = user.put(mpsd.new_name(), body)
    system = expect(response).status(200, 201).at("properties.system")
    for restriction in ("joinRestriction", "readRestriction"):
        system.at(restriction).satisfies(lambda value: str(value).lower() == "local", "local")


@requirement("VIS-VISIBLE-WRITE")
def test_a_stranger_cannot_write_a_visible_session(mpsd):
    created = _session(mpsd, "visible")
    response = mpsd.user(2).put(created.name, bodies.custom(visitor=True))
    expect(response).rejected()
    expect(mpsd.read_back(created.name)).at("properties.custom.visitor").absent()


@requirement("VIS-PRIVATE-403")
def test_a_stranger_cannot_write_a_private_session(mpsd):
    created = _session(mpsd, "private")
    response = mpsd.user(2).put(created.name, bodies.custom(visitor=True))
    expect(response).status(403)


def _on_another_device(mpsd):
    """A configured user whose device differs from user 1's; not applicable without one."""
    devices = [u.device for u in mpsd.target.users]
    other = next(
        (i for i, d in enumerate(devices[1:], start=2) if d and devices[0] and d != devices[0]), None
    )
    if other is None:
        raise mpsd.not_applicable("needs users on two devices ([[users]] device = ...) to tell them apart")
    return mpsd.user(other)


def _restricted(mpsd):
    """Arrange: an open session, joinRestriction local, its creator active."""
    return mpsd.create(
        None, bodies.system_properties(joinRestriction="local"), bodies.me(system={"active": True})
    )


@requirement("VIS-JOIN-RESTRICTION-LOCAL")
def test_a_user_on_another_device_needs_a_reservation(mpsd):
    created, stranger = _restricted(mpsd), _on_another_device(mpsd)
    response = stranger.put(created.name, bodies.join(stranger.xuid))
    expect(response).rejected()


@requirement("VIS-JOIN-RESTRICTION-LOCAL")
def test_a_reservation_lets_a_user_on_another_device_in(mpsd):
    created, guest = _restricted(mpsd), _on_another_device(mpsd)
    _reserve(mpsd, created, guest)
    response = guest.put(created.name, bodies.join(guest.xuid))
    expect(response).status(200)
    _accepted(response, guest.xuid)
