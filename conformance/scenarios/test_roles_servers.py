"""Roles and server participants (C11, J2, S1)."""

from __future__ import annotations

from conformance import bodies
from conformance.expect import expect
from conformance.scenarios import requirement
from conformance.session import find_member


@requirement("ROLES-MAX-ENFORCED")
def test_a_role_cannot_take_more_members_than_its_max(mpsd):
    role_types = {"roleTypes": {"lfg": {"roles": {"leader": {"max": 1, "target": 1}}}}}
    creator, second = mpsd.user(1), mpsd.user(2)
    created = mpsd.create(creator, role_types, bodies.join(creator.xuid, roles={"lfg": "leader"}))
    response = second.put(created.name, bodies.join(second.xuid, roles={"lfg": "leader"}))
    if 200 <= response.status < 300 and find_member(mpsd.document(response, "the join"), second.xuid) is None:
        raise mpsd.blocked(
            "the join answered 2xx without adding the member, so the role was never over-filled"
        )
    expect(response).rejected()
    expect(mpsd.read_back(created.name)).member(second.xuid).absent()


@requirement("SERVERS-USER-403")
def test_a_user_cannot_write_servers(mpsd):
    created = mpsd.create()
    response = mpsd.user(1).put(
        created.name, {"servers": {"game": {"properties": {"custom": {"by": "user"}}}}}
    )
    expect(response).rejected()
    expect(mpsd.read_back(created.name)).at("servers.game").absent()


@requirement("SERVERS-SERVER-WRITE")
def test_a_server_adds_and_removes_a_server_entry(mpsd):
    created, server = mpsd.create(), mpsd.server
    added = server.put(created.name, {"servers": {"game": {"properties": {"custom": {"port": 3074}}}}})
    expect(added).status(200).at("servers.game").satisfies(lambda entry: isinstance(entry, dict), "an object")
    removed = server.put(created.name, {"servers": {"game": None}})
    expect(removed).status(200).at("servers.game").absent()
