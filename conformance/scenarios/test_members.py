"""Joining, leaving and member properties (S1, J1, J2, C3, C4)."""

from __future__ import annotations

import re

import pytest

from conformance import bodies
from conformance.expect import check, expect, observe
from conformance.scenarios import requirement
from conformance.session import find_member, get, timestamp, walk_chain


def _member(session, xuid, response):
    found = find_member(session, xuid)
    check(found is not None, f"a member with xuid {xuid}", "none", response)
    return found


@requirement("JOIN-SECOND-USER")
def test_a_second_user_joins_by_writing_me(mpsd):
    created, joiner = mpsd.create(), mpsd.user(2)
    response = joiner.put(created.name, bodies.join(joiner.xuid))
    session = expect(response).status(200).session()
    check(
        get(session, "membersInfo.count") == 2,
        "membersInfo.count 2",
        get(session, "membersInfo.count"),
        response,
    )
    _member(session, joiner.xuid, response)


@requirement("MEMBERS-INDEX-NEXT")
def test_a_new_member_gets_the_previous_next_index(mpsd):
    created, joiner = mpsd.create(), mpsd.user(2)
    before = get(created.session, "membersInfo.next")
    session = mpsd.join(joiner, created.name)
    index, _ = find_member(session, joiner.xuid)
    after = get(session, "membersInfo.next")
    response = mpsd.last_response
    check(index == str(before), f"index {before} (membersInfo.next before the join)", index, response)
    grew = isinstance(after, int) and isinstance(before, int) and after > before
    check(grew, f"membersInfo.next above {before}", after, response)


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
    index, _ = find_member(mpsd.join(joiner, created.name), joiner.xuid)
    wanted = f"a new index {expected} (indices are not reused; {first_index} was the old one)"
    check(index == str(expected) and index != first_index, wanted, index, mpsd.last_response)


@requirement("MEMBERS-CHAIN")
def test_members_form_a_consistent_next_chain(mpsd):
    created = mpsd.create()
    mpsd.join(mpsd.user(2), created.name)
    response = mpsd.user(1).get(created.name)
    _, problem = walk_chain(expect(response).status(200).session())
    check(
        problem is None,
        "membersInfo.first -> next ... -> membersInfo.next over every member",
        problem,
        response,
    )


@requirement("MEMBERS-CHAIN")
def test_the_chain_stays_consistent_after_a_member_leaves(mpsd):
    created = mpsd.create()
    mpsd.join(mpsd.user(2), created.name)
    response = mpsd.user(1).put(created.name, bodies.leave())
    _, problem = walk_chain(expect(response).status(200).session())
    check(problem is None, "a consistent chain over the remaining member", problem, response)


@requirement("LEAVE-200")
def test_a_member_leaves_while_others_remain(mpsd):
    created, leaver = mpsd.create(), mpsd.user(2)
    joined = mpsd.join(leaver, created.name)
    response = leaver.put(created.name, bodies.leave())
    session = expect(response).status(200).session()
    check(find_member(session, leaver.xuid) is None, "the leaver gone", "still a member", response)
    count, before = get(session, "membersInfo.count"), get(joined, "membersInfo.count")
    check(isinstance(before, int) and count == before - 1, f"membersInfo.count {before} - 1", count, response)


@requirement("LEAVE-LAST-204")
def test_the_last_member_leaving_deletes_the_session(mpsd):
    created = mpsd.create(None, bodies.constants(sessionEmptyTimeout=0))
    response = mpsd.user(1).put(created.name, bodies.leave())
    expect(response).status(204).no_body()
    check(not mpsd.exists(created.name), "no session left", "the session still exists", response)


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
    session, _ = mpsd.read(created.name)
    member = find_member(session, other.xuid)
    check(
        member is not None and get(member[1], "properties.custom.written_by") == "owner",
        "the other member unchanged",
        "it was changed or removed",
        response,
    )


@requirement("MEMBERS-INDEX-SERVER-REMOVE")
def test_a_server_removes_a_member_by_index(mpsd):
    created, other = mpsd.create(), mpsd.user(2)
    index, _ = find_member(mpsd.join(other, created.name), other.xuid)
    response = mpsd.server.put(created.name, {"members": {index: None}})
    session = expect(response).status(200).session()
    check(find_member(session, other.xuid) is None, f"member {index} removed", "still present", response)


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
    session, _ = mpsd.read(created.name)
    member = find_member(session, owner.xuid)
    written_by = get(member[1], "properties.custom.written_by") if member else None
    check(
        written_by == "owner", "the member's own properties unchanged", f"written_by={written_by!r}", response
    )


@requirement("MEMBER-READY-ACTIVE-EXCLUSIVE")
def test_ready_and_active_together_are_rejected(mpsd):
    created = mpsd.create()
    response = mpsd.user(1).put(created.name, bodies.me(system={"ready": True, "active": True}))
    expect(response).rejected()


@requirement("MEMBER-ACTIVE-TITLE")
def test_an_active_member_shows_its_title(mpsd):
    created, user = mpsd.create(), mpsd.user(1)
    response = user.put(created.name, bodies.me(system={"active": True}))
    _, member = _member(expect(response).status(200).session(), user.xuid, response)
    title = member.get("activeTitleId")
    check(
        isinstance(title, str) and re.fullmatch(r"[0-9]+", title) is not None,
        "activeTitleId, a decimal string",
        title,
        response,
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
    _, member = _member(expect(response).status(200).session(), user.xuid, response)
    check(bool(member.get("deviceToken")), "a non-empty deviceToken", member.get("deviceToken"), response)


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
    _, member = _member(expect(response).status(200).session(), user.xuid, response)
    encounters = get(member, "properties.system.encounters", "absent")
    check(encounters == "absent", "no encounters on the member", encounters, response)


@requirement("MEMBER-GROUPS-REPLACED")
def test_groups_are_replaced_and_cleared(mpsd):
    created, user = mpsd.create(), mpsd.user(1)
    mpsd.arrange(
        user.put(created.name, bodies.me(system={"groups": ["team-a", "team-b"]})), 200, what="a first write"
    )
    replaced = user.put(created.name, bodies.me(system={"groups": ["team-c"]}))
    _, member = _member(expect(replaced).status(200).session(), user.xuid, replaced)
    groups = get(member, "properties.system.groups")
    check(groups == ["team-c"], "groups ['team-c']", groups, replaced)
    cleared = user.put(created.name, bodies.me(system={"groups": []}))
    _, member = _member(expect(cleared).status(200).session(), user.xuid, cleared)
    groups = get(member, "properties.system.groups", [])
    check(groups == [], "no groups after writing []", groups, cleared)


@requirement("MEMBER-CUSTOM-NULL-DELETES")
def test_a_null_member_custom_property_is_removed(mpsd):
    user = mpsd.user(1)
    created = mpsd.create(user, bodies.me(custom={"gone": 1, "stays": 2}))
    response = user.put(created.name, bodies.me(custom={"gone": None}))
    _, member = _member(expect(response).status(200).session(), user.xuid, response)
    custom = get(member, "properties.custom", {})
    check(isinstance(custom, dict) and "gone" not in custom, "custom without 'gone'", custom, response)


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
    session = expect(response).status(200).session()
    check(find_member(session, NOBODY) is None, f"no member with xuid {NOBODY}", "one was added", response)


@requirement("ME-IS-CALLER")
def test_a_members_me_write_changes_the_callers_member_only(mpsd):
    creator, second = mpsd.user(1), mpsd.user(2)
    created = mpsd.create(creator, bodies.me(custom={"who": "creator"}))
    mpsd.join(second, created.name, bodies.me(custom={"who": "second"}))
    response = second.put(created.name, bodies.me(custom={"who": "second, again"}))
    session = expect(response).status(200).session()
    _, mine = _member(session, second.xuid, response)
    _, theirs = _member(session, creator.xuid, response)
    found = (get(mine, "properties.custom.who"), get(theirs, "properties.custom.who"))
    check(
        found == ("second, again", "creator"),
        "the caller's member written, the creator's not",
        found,
        response,
    )


@requirement("MEMBERS-ACCEPTED-COUNT")
def test_accepted_falls_when_an_accepted_member_leaves(mpsd):
    created, leaver = mpsd.create(), mpsd.user(2)
    before = get(mpsd.join(leaver, created.name), "membersInfo.accepted")
    response = leaver.put(created.name, bodies.leave())
    if find_member(expect(response).status(200).session(), leaver.xuid) is not None:
        raise mpsd.blocked("the leave did not remove the leaver, so accepted has nothing to count down")
    after = expect(response).at("membersInfo.accepted").present()
    check(
        isinstance(before, int) and after == before - 1, f"membersInfo.accepted {before} - 1", after, response
    )


@requirement("MEMBER-JOIN-TIME")
def test_every_joined_member_shows_its_join_time(mpsd):
    created, joiner = mpsd.create(), mpsd.user(2)
    session, response = mpsd.join(joiner, created.name), mpsd.last_response
    for user in (mpsd.user(1), joiner):
        _, member = _member(session, user.xuid, response)
        joined = member.get("joinTime")
        check(timestamp(joined) is not None, f"a joinTime date-time on {user.xuid}", joined, response)
