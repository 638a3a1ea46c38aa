"""Large sessions, on targets that declare them (C1, C3, C4, C8, J1, J2)."""

from __future__ import annotations

import pytest

from conformance import bodies
from conformance.expect import expect
from conformance.scenarios import requirement
from conformance.session import get, members

LARGE = bodies.constants(capabilities={"large": True}, maxMembersCount=200)


def _large(mpsd):
    """Arrange: a large session the creator and a second user have joined."""
    created, second = mpsd.create(None, LARGE), mpsd.user(2)
    mpsd.join(second, created.name)
    return created, second


@requirement("LARGE-MEMBERS-ME")
def test_a_large_session_shows_each_caller_only_itself_as_me(mpsd):
    created, _ = _large(mpsd)
    response = mpsd.user(1).get(created.name)
    expect(response).status(200).member_keys().equals(["me"])
    expect(response).at("members.me.constants.system.xuid").equals(mpsd.user(1).xuid)


@requirement("LARGE-NO-RESERVATIONS")
def test_a_large_session_takes_no_reservation(mpsd):
    created, guest = mpsd.create(None, LARGE), mpsd.user(3)
    response = mpsd.user(1).put(created.name, bodies.reserve(guest.xuid))
    expect(response).rejected()


@requirement("LARGE-OTHER-MEMBERS-409")
def test_nobody_removes_another_member_of_a_large_session(mpsd):
    created, second = _large(mpsd)
    server_view, _ = mpsd.read(created.name, mpsd.server)
    index = next(
        (i for i, m in members(server_view).items() if get(m, "constants.system.xuid") == second.xuid), None
    )
    if index is None:
        # The server sees no member list on a large session: address the second member by the
        # index it would have (the session's next before it joined).
        index = str(get(created.session, "membersInfo.next"))
    response = mpsd.server.put(created.name, {"members": {index: None}})
    expect(response).status(409)
    expect(mpsd.read_back(created.name, second)).member(second.xuid).present()


@requirement("LARGE-RESTRICTED-FIELDS")
@pytest.mark.parametrize(
    "system",
    [{"joinRestriction": "local"}, {"turn": [0]}, {"host": "abc"}],
    ids=["joinRestriction", "turn", "host"],
)
def test_a_large_session_refuses_what_it_cannot_have(mpsd, system):
    created = mpsd.create(None, LARGE)
    response = mpsd.user(1).put(created.name, bodies.system_properties(**system))
    expect(response).rejected()
