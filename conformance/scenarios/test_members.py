"""Joining, leaving and member properties (S1, J1, J2, C3, C4)."""

from __future__ import annotations

import re

import pytest

from conformance import bodies
from conformance.expect import expect, observe
from conformance.scenarios import requirement
from conformance.session import find_member, get, timestamp


@requirement("JOIN-SECOND-USER")
def test_a_second_user_joins_by_writing_me(mpsd):
    created, joiner = mpsd.create(), mpsd.user(2)
    response = joiner.put(created.name, bodies.join(joiner.xuid))
    expect(response).status(200).at("membersInfo.count").equals(2)
    expect(response).member(joiner.xuid).present()


@requirement("MEMBERS-INDEX-NEXT")
def test_a_new_member_gets_the_previous_next_index(mpsd):
    created, joiner = mpsd.create(), mpsd.user(2)
    before = get(created.session, "membersInfo.next")
    mpsd.join(joiner, created.name)
    expect(mpsd.last_response).index_of(joiner.xuid).equals(str(before))  # membersInfo.next before the join
    expect(mpsd.last_response).at("membersInfo.next").above(before)


@requirement("MEMBERS-INDEX-NEXT")
def test_a_returning_member_gets_a_fresh_index(mpsd):
    created, joiner = mpsd.create(), mpsd.user(2)
    first_index, _ = find_member(mpsd.join(joiner, created.name), joiner.xuid)
    left = mpsd.document(
        mpsd.arrange(joiner.put(created.name, bodies.leave()), 200, what="the second user leaving"), "leaving"
    )
    if find_member(left, joiner.xuid) is not None:
        raise mpsd.blocked("the second user's leave did not remove them, so there is no return to judge")
    expected = get(left, "membersInfo.next")
    mpsd.join(joiner, created.name)
    expect(mpsd.last_response).index_of(joiner.xuid).satisfies(
        lambda index: index == str(expected) and index != first_index,
        f"{expected!r}, a new one (indices are not reused; {first_index!r} was the old one)",
    )


@requirement("MEMBERS-CHAIN")
def test_members_form_a_consistent_next_chain(mpsd):
    created = mpsd.create()
    mpsd.join(mpsd.user(2), created.name)
    response = mpsd.user(1).get(created.name)
    expect(response).status(200).member_chain()


@requirement("MEMBERS-CHAIN")
def test_the_chain_stays_consistent_after_a_member_leaves(mpsd):
    created = mpsd.create()
    mpsd.join(mpsd.user(2), created.name)
    response = mpsd.user(1).put(created.name, bodies.leave())
    expect(response).status(200).member_chain()


@requirement("LEAVE-200")
def test_a_member_leaves_while_others_remain(mpsd):
    created, leaver = mpsd.create(), mpsd.user(2)
    joined = mpsd.join(leaver, created.name)
    response = leaver.put(created.name, bodies.leave())
    expect(response).status(200).member(leaver.xuid).absent()
    expect(response).at("membersInfo.count").changed_by(-1, since=get(joined, "membersInfo.count"))


@requirement("LEAVE-LAST-204")
def test_the_last_member_leaving_deletes_the_session(mpsd):
    created = mpsd.create(None, bodies.constants(sessionEmptyTimeout=0))
    response = mpsd.user(1).put(created.name, bodies.leave())
    expect(response).status(204).no_body()
    expect(mpsd.user(1).get(created.name)).no_session()


@requirement("MEMBERS-INDEX-USER-403")
@pytest.mark.parametrize(
    "write", [{"properties": {"custom": {"written_by": "someone else"}}}, None], ids=["write", "delete"]
)
def test_a_user_cannot_touch_another_member_by_index(mpsd, write):
    created, other = mpsd.create(), mpsd.user(2)
    index, _ = find_member(
        mpsd.join(other, created.name, bodies.me(custom={"written_by": "owner"})), other.xuid
    )
    response = mpsd.user(1).put(created.name, {"members": {index: write}})
    expect(response).status(403)
    expect(mpsd.read_back(created.name)).member(other.xuid).at("properties.custom.written_by").equals("owner")


@requirement("MEMBERS-INDEX-SERVER-REMOVE")
def test_a_server_removes_a_member_by_index(mpsd):
    created, other = mpsd.create(), mpsd.user(2)
    index, _ = find_member(mpsd.join(other, created.name), other.xuid)
    response = mpsd.server.put(created.name, {"members": {index: None}})
    expect(response).status(200).member(other.xuid).absent()


@requirement("MEMBER-PROPERTIES-OWNER-ONLY")
def test_a_reservation_key_cannot_rewrite_an_existing_members_properties(mpsd):
    created, owner = mpsd.create(), mpsd.user(2)
    mpsd.join(owner, created.name, bodies.me(custom={"written_by": "owner"}))
    attempt = {
        "constants": {"system": {"xuid": owner.xuid}},
        "properties": {"custom": {"written_by": "intruder"}},
    }
    response = mpsd.user(1).put(created.name, {"members": {"reserve_0": attempt}})
    observe("status", response.status)
    expect(mpsd.read_back(created.name)).member(owner.xuid).at("properties.custom.written_by").equals("owner")


@requirement("MEMBER-READY-ACTIVE-EXCLUSIVE")
def test_ready_and_active_together_are_rejected(mpsd):
    created = mpsd.create()
    response = mpsd.user(1).put(created.name, bodies.me(system={"ready": True, "active": True}))
    expect(response).rejected()


@requirement("MEMBER-ACTIVE-TITLE")
def test_an_active_member_shows_its_title(mpsd):
    created, user = mpsd.create(), mpsd.user(1)
    response = user.put(created.name, bodies.me(system={"active": True}))
    expect(response).status(200).member(user.xuid).present().at("activeTitleId").satisfies(
        lambda title: isinstance(title, str) and re.fullmatch(r"[0-9]+", title) is not None,
        "a decimal string",
    )


@requirement("MEMBER-SDA-NEEDS-CONNECTIVITY")
def test_a_device_address_needs_the_connectivity_capability(mpsd):
    created = mpsd.create()
    response = mpsd.user(1).put(created.name, bodies.me(system={"secureDeviceAddress": "AAECAwQFBgc="}))
    expect(response).rejected()


def _connected(mpsd):
    return mpsd.create(None, bodies.constants(capabilities={"connectivity": True}))


@requirement("MEMBER-SDA-DEVICE-TOKEN")
def test_a_device_address_gives_the_member_a_device_token(mpsd):
    created, user = _connected(mpsd), mpsd.user(1)
    response = user.put(created.name, bodies.me(system={"secureDeviceAddress": "AAECAwQFBgc="}))
    expect(response).status(200).member(user.xuid).present().at("deviceToken").satisfies(bool, "non-empty")


@requirement("MEMBER-MEASUREMENTS-NOT-SELF")
def test_measurements_of_the_own_device_are_rejected(mpsd):
    created, user = _connected(mpsd), mpsd.user(1)
    written = user.put(created.name, bodies.me(system={"secureDeviceAddress": "AAECAwQFBgc="}))
    found = find_member(
        mpsd.document(mpsd.arrange(written, 200, what="writing the device address"), "writing"), user.xuid
    )
    token = found[1].get("deviceToken") if found else None
    if not token:
        raise mpsd.blocked("the member got no deviceToken to measure")
    response = user.put(
        created.name, bodies.me(system={"measurements": {str(token).lower(): {"latency": 5}}})
    )
    expect(response).rejected()


@requirement("MEMBER-ENCOUNTERS-CONSUMED")
def test_encounters_are_never_returned(mpsd):
    created, user = mpsd.create(), mpsd.user(1)
    response = user.put(created.name, bodies.me(system={"encounters": ["lobby-42"]}))
    expect(response).status(200).member(user.xuid).present().at("properties.system.encounters").absent()


@requirement("MEMBER-GROUPS-REPLACED")
def test_groups_are_replaced_and_cleared(mpsd):
    created, user = mpsd.create(), mpsd.user(1)
    mpsd.arrange(
        user.put(created.name, bodies.me(system={"groups": ["team-a", "team-b"]})), 200, what="a first write"
    )
    replaced = user.put(created.name, bodies.me(system={"groups": ["team-c"]}))
    expect(replaced).status(200).member(user.xuid).present().at("properties.system.groups").equals(["team-c"])
    cleared = user.put(created.name, bodies.me(system={"groups": []}))
    expect(cleared).status(200).member(user.xuid).present().at("properties.system.groups").satisfies(
        lambda groups: groups in (None, []), "empty or absent after writing []"
    )


@requirement("MEMBER-CUSTOM-NULL-DELETES")
def test_a_null_member_custom_property_is_removed(mpsd):
    user = mpsd.user(1)
    created = mpsd.create(user, bodies.me(custom={"gone": 1, "stays": 2}))
    response = user.put(created.name, bodies.me(custom={"gone": None}))
    expect(response).status(200).member(user.xuid).present().at("properties.custom.gone").absent()


@requirement("MEMBER-FOREIGN-XUID")
def test_what_happens_to_a_join_under_someone_elses_xuid_is_recorded(mpsd):
    created, caller, other = mpsd.create(), mpsd.user(2), mpsd.user(1)
    response = caller.put(created.name, bodies.join(other.xuid))
    observe("status", response.status)
    if 200 <= response.status < 300:
        session = expect(response).session()
        observe("caller_joined_as_self", find_member(session, caller.xuid) is not None)
    expect(response).rejected()


# An xuid no configured user has: a correct service never makes it a member through members.me.
NOBODY = "2814999999999999"


@requirement("JOIN-AS-SELF-ONLY")
def test_a_join_naming_someone_else_adds_no_member_for_them(mpsd):
    created, caller = mpsd.create(), mpsd.user(2)
    response = caller.put(created.name, bodies.join(NOBODY))
    if response.status >= 400:
        expect(response).rejected()
        return
    expect(response).status(200).member(NOBODY).absent()


@requirement("ME-IS-CALLER")
def test_a_members_me_write_changes_the_callers_member_only(mpsd):
    creator, second = mpsd.user(1), mpsd.user(2)
    created = mpsd.create(creator, bodies.me(custom={"who": "creator"}))
    mpsd.join(second, created.name, bodies.me(custom={"who": "second"}))
    response = second.put(created.name, bodies.me(custom={"who": "second, again"}))
    expect(response).status(200).member(second.xuid).at("properties.custom.who").equals("second, again")
    expect(response).member(creator.xuid).at("properties.custom.who").equals("creator")


@requirement("MEMBERS-ACCEPTED-COUNT")
def test_accepted_falls_when_an_accepted_member_leaves(mpsd):
    created, leaver = mpsd.create(), mpsd.user(2)
    before = get(mpsd.join(leaver, created.name), "membersInfo.accepted")
    response = leaver.put(created.name, bodies.leave())
    if find_member(expect(response).status(200).session(), leaver.xuid) is not None:
        raise mpsd.blocked("the leave did not remove the leaver, so accepted has nothing to count down")
    expect(response).at("membersInfo.accepted").changed_by(-1, since=before)


@requirement("MEMBER-JOIN-TIME")
def test_every_joined_member_shows_its_join_time(mpsd):
    created, joiner = mpsd.create(), mpsd.user(2)
    mpsd.join(joiner, created.name)
    for user in (mpsd.user(1), joiner):
        expect(mpsd.last_response).member(user.xuid).present().at("joinTime").satisfies(
            lambda joined: timestamp(joined) is not None, "a date-time"
        )
