"""Contract versions, member initialization and timers (J1, C4, C9)."""

from __future__ import annotations

import pytest

from conformance import bodies
from conformance.expect import expect
from conformance.http.client import NO_HEADER
from conformance.scenarios import requirement
from conformance.session import same_instant, timestamp


@requirement("CV-ECHO")
@pytest.mark.parametrize("version", [104, 105, 107])
def test_the_session_is_rendered_in_the_requested_version(mpsd, version):
    user = mpsd.user(1)
    response = user.put(mpsd.new_name(), bodies.join(user.xuid), contract_version=version)
    expect(response).status(200, 201).at("contractVersion").equals(version)


@requirement("CV-LEGACY-RENDERING")
def test_a_105_rendering_uses_the_timeouts_object(mpsd):
    created = mpsd.create()
    response = mpsd.user(1).get(created.name, contract_version=105)
    system = expect(response).status(200).at("constants.system")
    system.at("timeouts").satisfies(lambda timeouts: isinstance(timeouts, dict), "an object")
    system.at("reservedRemovalTimeout").absent()


@requirement("CV-LEGACY-RENDERING")
def test_a_107_rendering_uses_the_flat_names(mpsd):
    created = mpsd.create()
    response = mpsd.user(1).get(created.name, contract_version=107)
    system = expect(response).status(200).at("constants.system")
    system.at("reservedRemovalTimeout").present()
    system.at("timeouts").absent()


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
    expect(user.get(name)).no_session()


@requirement("INIT-STAGE")
def test_an_initializing_session_reports_its_stage_and_episode(mpsd):
    user, body = _initializing(mpsd, 1)
    response = user.put(mpsd.new_name(), body)
    expect(response).status(200, 201).at("initializing.stage").satisfies(
        lambda stage: str(stage).lower() in {"joining", "measuring", "evaluating", "failed"},
        "joining, measuring, evaluating or failed",
    )
    expect(response).member(user.xuid).at("initializationEpisode").equals(1)


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
    expect(response).header("Expires").satisfies(
        lambda expires: same_instant(expires, timestamp(next_timer)), f"at nextTimer ({next_timer})"
    )


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
    system = expect(response).status(200).at("constants.system")
    system.at("managedInitialization").present()
    system.at("memberInitialization").absent()
