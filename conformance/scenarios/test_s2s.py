"""Service-to-service calls: a service principal acting for users (the S2S page), on targets that
declare s2s and configure a server principal."""

from __future__ import annotations

from conformance import bodies
from conformance.expect import expect
from conformance.scenario import Actor
from conformance.scenarios import requirement


def _acting_for(*users: Actor, deny_scope: bool = False) -> dict[str, str]:
    headers = {"X-Xbl-OnBehalfOf-Users": ",".join(f"{u.xuid};priv=multiplayer" for u in users)}
    if deny_scope:
        headers["X-Xbl-Deny-Scope"] = "Multiplayer.Manage"
    return headers


def _me_for(*users: Actor, active: bool = True) -> dict:
    return {
        "members": {
            f"me_{u.xuid}": {
                "constants": {"system": {"xuid": u.xuid}},
                "properties": {"system": {"active": active}},
            }
            for u in users
        }
    }


@requirement("S2S-ON-BEHALF")
def test_a_service_adds_several_users_in_one_call(mpsd):
    first, second = mpsd.user(1), mpsd.user(2)
    body = bodies.combine(bodies.constants(sessionEmptyTimeout=0), _me_for(first, second))
    response = mpsd.server.put(mpsd.new_name(), body, headers=_acting_for(first, second))
    expect(response).status(200, 201)
    for user in (first, second):
        expect(response).member(user.xuid).at("properties.system.active").equals(True)


@requirement("S2S-ME-REJECTED")
def test_acting_for_users_the_me_key_is_refused(mpsd):
    created, user = mpsd.create(), mpsd.user(2)
    response = mpsd.server.put(created.name, bodies.join(user.xuid), headers=_acting_for(user))
    expect(response).rejected()


@requirement("S2S-LARGE-ONE-USER")
def test_a_large_session_takes_one_user_at_a_time(mpsd):
    created = mpsd.create(None, bodies.constants(capabilities={"large": True}, maxMembersCount=200))
    second, third = mpsd.user(2), mpsd.user(3)
    response = mpsd.server.put(created.name, _me_for(second, third), headers=_acting_for(second, third))
    expect(response).rejected()


@requirement("S2S-DENY-SCOPE")
def test_with_the_deny_scope_the_users_own_permissions_apply(mpsd):
    created, stranger = mpsd.create(None, bodies.constants(visibility="private")), mpsd.user(2)
    response = mpsd.server.put(
        created.name, _me_for(stranger), headers=_acting_for(stranger, deny_scope=True)
    )
    expect(response).status(403)
