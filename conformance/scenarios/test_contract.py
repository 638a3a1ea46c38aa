"""Contract versions, member initialization and timers (J1, C4, C9)."""

from __future__ import annotations

from email.utils import parsedate_to_datetime

import pytest

from conformance import bodies
from conformance.expect import check, expect
from conformance.http.client import NO_HEADER
from conformance.scenarios import requirement
from conformance.session import find_member, get, timestamp


@requirement("CV-ECHO")
@pytest.mark.parametrize("version", [104, 105, 107])
def test_the_session_is_rendered_in_the_requested_version(mpsd, version):
    user = mpsd.user(1)
    response = user.put(mpsd.new_name(), bodies.join(user.xuid), contract_version=version)
    found = get(expect(response).status(200, 201).session(), "contractVersion")
    check(found == version, f"contractVersion {version}", found, response)


@requirement("CV-LEGACY-RENDERING")
def test_a_105_rendering_uses_the_timeouts_object(mpsd):
    created = mpsd.create()
    response = mpsd.user(1).get(created.name, contract_version=105)
    system = get(expect(response).status(200).session(), "constants.system", {})
    check(
        isinstance(system.get("timeouts"), dict) and "reservedRemovalTimeout" not in system,
        "constants.system.timeouts and no flat 107 names",
        sorted(system),
        response,
    )


@requirement("CV-LEGACY-RENDERING")
def test_a_107_rendering_uses_the_flat_names(mpsd):
    created = mpsd.create()
    response = mpsd.user(1).get(created.name, contract_version=107)
    system = get(expect(response).status(200).session(), "constants.system", {})
    check(
        "reservedRemovalTimeout" in system and "timeouts" not in system,
        "reservedRemovalTimeout and no timeouts object",
        sorted(system),
        response,
    )


def _initializing(mpsd, needed):
    user = mpsd.user(1)
    return user, bodies.combine(
        bodies.constants(memberInitialization={"membersNeededToStart": needed}),
        bodies.join(user.xuid, initialize=True),
    )


@requirement("INIT-MEMBERS-NEEDED-400")
def test_too_few_initializing_members_are_refused(mpsd):
    user, body = _initializing(mpsd, 2)
    name = mpsd.new_name()
    response = user.put(name, body)
    expect(response).status(400)
    check(not mpsd.exists(name), "nothing stored", "the session exists", response)


@requirement("INIT-STAGE")
def test_an_initializing_session_reports_its_stage_and_episode(mpsd):
    user, body = _initializing(mpsd, 1)
    response = user.put(mpsd.new_name(), body)
    session = expect(response).status(200, 201).session()
    stage = str(get(session, "initializing.stage")).lower()
    check(
        stage in {"joining", "measuring", "evaluating", "failed"},
        "initializing.stage joining/measuring/evaluating/failed",
        stage,
        response,
    )
    member = find_member(session, user.xuid)
    episode = member[1].get("initializationEpisode") if member else None
    check(episode == 1, "the creator in initializationEpisode 1", episode, response)


@requirement("INIT-SUCCEEDED-OUTSIDE-EVALUATING")
def test_initialization_succeeded_outside_evaluating_is_rejected(mpsd):
    created = mpsd.create()
    response = mpsd.user(1).put(created.name, bodies.system_properties(initializationSucceeded=True))
    expect(response).rejected()


@requirement("TIMER-EXPIRES-HEADER")
def test_expires_carries_the_next_timer(mpsd):
    created, guest = mpsd.create(), mpsd.user(2)
    response = mpsd.user(1).put(created.name, bodies.reserve(guest.xuid))
    session = expect(response).status(200).session()
    next_timer = session.get("nextTimer")
    if not next_timer:
        raise mpsd.not_applicable("no timer pending after a reservation (no nextTimer to compare)")
    expires = expect(response).header("Expires")
    try:
        pending = timestamp(next_timer)
        same = pending is not None and abs(parsedate_to_datetime(expires).timestamp() - pending) < 1.0
    except (TypeError, ValueError):
        same = False
    check(same, f"Expires at nextTimer ({next_timer})", expires, response)


@requirement("CV-REQUIRED")
@pytest.mark.parametrize("version", [NO_HEADER, "103", "garbage"], ids=["missing", "103", "garbage"])
def test_a_request_without_a_supported_contract_version_is_refused(mpsd, version):
    response = mpsd.user(1).get(mpsd.new_name(), contract_version=version)
    expect(response).rejected()


@requirement("CV-LEGACY-RENDERING")
def test_a_105_rendering_names_member_initialization_the_legacy_way(mpsd):
    user, body = _initializing(mpsd, 1)
    created = mpsd.create(user, body)
    response = user.get(created.name, contract_version=105)
    system = (
        expect(response)
        .status(200)
        .at("constants.system")
        .satisfies(lambda s: isinstance(s, dict), "an object")
    )
    check(
        "managedInitialization" in system and "memberInitialization" not in system,
        "managedInitialization and no memberInitialization",
        sorted(system),
        response,
    )
