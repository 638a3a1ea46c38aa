"""Managed member initialization: episodes, stages and their timeouts (C4, C9, J1).

Episodes start from the create's members asking to initialize; stage timeouts are the session's
own (400 ms), so a check waits a moment, not the documented default of 10 s or more, and no longer
than the service announces (``timing``). A check that
needs the episode to move on, and finds it stuck in joining, is blocked: INIT-EPISODE-COMPLETES
judges that.
"""

from __future__ import annotations

import time
from functools import partial

from conformance import bodies
from conformance.expect import expect
from conformance.headstart import head_start
from conformance.http.client import Response
from conformance.scenarios import requirement
from conformance.scenarios.timing import TIMEOUT_MS, after_the_timeout, timer_of
from conformance.session import get

STUCK = "the episode stayed in joining once its member was active (INIT-EPISODE-COMPLETES judges that)"


def _initializing(mpsd, *extra, needed=1, **settings):
    """Arrange: a session whose creator asks to initialize, with memberInitialization ``settings``."""
    user = mpsd.user(1)
    init = bodies.constants(memberInitialization={"membersNeededToStart": needed, **settings})
    created = mpsd.create(user, init, *extra, bodies.join(user.xuid, initialize=True))
    if get(created.session, "initializing.stage") != "joining":
        raise mpsd.blocked(
            "the create did not start initializing in the joining stage (INIT-STAGE judges that)"
        )
    return created, user


def _go_active(created, user):
    return user.put(created.name, bodies.me(system={"active": True}))


def _stage_after_joining(mpsd, response):
    """The stage the episode moved on to, once its member went active."""
    stage = expect(response).status(200).at("initializing.stage")
    if stage.value == "joining":
        raise mpsd.blocked(STUCK)
    return stage


@requirement("INIT-EPISODE-COMPLETES")
def test_an_episode_completes_once_its_members_are_active(mpsd):
    created, user = _initializing(mpsd)
    response = _go_active(created, user)
    expect(response).status(200).at("initializing").absent()
    expect(response).member(user.xuid).at("initializationEpisode").absent()


def _join_timeout_running(mpsd):
    """A head start: the episode's joinTimeout runs from the create (its stage starts there)."""
    started = time.time()
    created, user = _initializing(mpsd, joinTimeout=TIMEOUT_MS)
    return created, user, timer_of(started, created.response)


def _failed(response: Response) -> bool:
    try:
        return response.status == 200 and get(response.json(), "initializing.stage") == "failed"
    except ValueError:
        return False


@requirement("INIT-JOIN-TIMEOUT")
@head_start(_join_timeout_running)
def test_a_member_not_active_in_time_fails_the_episode(mpsd):
    created, user, timer = mpsd.started()
    # A write shows the session after its due timers (C3), whatever a read would serve.
    write = partial(user.put, created.name, bodies.custom(timers_checked=True))
    response = after_the_timeout(write, timer, _failed)
    expect(response).status(200).at("initializing.stage").equals("failed")
    expect(response).member(user.xuid).at("initializationFailure").equals("timeout")


@requirement("INIT-MEASURING")
def test_a_session_with_metrics_measures_after_joining(mpsd):
    measured = bodies.constants(capabilities={"connectivity": True}, metrics={"latency": True})
    created, user = _initializing(mpsd, measured)
    response = _go_active(created, user)
    _stage_after_joining(mpsd, response).equals("measuring")


@requirement("INIT-EVALUATING")
def test_external_evaluation_waits_for_the_titles_verdict(mpsd):
    created, user = _initializing(mpsd, externalEvaluation=True)
    evaluating = _go_active(created, user)
    _stage_after_joining(mpsd, evaluating).equals("evaluating")
    response = user.put(created.name, bodies.system_properties(initializationSucceeded=True))
    expect(response).status(200).at("initializing").absent()
    expect(response).at("properties.system.initializationSucceeded").absent()


@requirement("INIT-LATER-EPISODE")
def test_a_later_joiner_goes_into_the_next_episode(mpsd):
    created, user = _initializing(mpsd)
    if "initializing" in mpsd.document(
        mpsd.arrange(_go_active(created, user), 200, what="going active"), "it"
    ):
        raise mpsd.blocked("episode 1 did not complete (INIT-EPISODE-COMPLETES judges that)")
    joiner = mpsd.user(2)
    mpsd.join(joiner, created.name, bodies.join(joiner.xuid, initialize=True))
    expect(mpsd.last_response).member(joiner.xuid).at("initializationEpisode").equals(2)
    expect(mpsd.last_response).at("initializing.episode").equals(2)


@requirement("INIT-DEFAULTS-BY-VERSION")
def test_members_needed_to_start_defaults_to_1_in_107_and_2_in_104(mpsd):
    user = mpsd.user(1)

    def create(constants, version=107):
        body = bodies.combine(bodies.constants(**constants), bodies.join(user.xuid, initialize=True))
        return user.put(mpsd.new_name(), body, contract_version=version)

    if create({"memberInitialization": {"membersNeededToStart": 2}}).status != 400:
        raise mpsd.blocked(
            "membersNeededToStart set outright is not enforced (INIT-MEMBERS-NEEDED-400 judges that)"
        )
    mpsd.arrange(create({"memberInitialization": {}}), 200, 201, what="a create with memberInitialization {}")
    response = create({"managedInitialization": {}}, version=105)
    expect(response).status(400)
