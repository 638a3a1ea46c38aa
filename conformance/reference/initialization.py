"""Managed member initialization (C4 §Member initialization, J1): episodes of joining, measuring, evaluating.

An episode starts with the members that asked to initialize (episode 1: those of the create). It
is *joining* until each of them is active, or ``joinTimeout`` runs out (a member not active by then
fails with ``timeout``); then *measuring*, but only when the session sets ``metrics`` or
``measurementServerAddresses``, until each has uploaded measurements or ``measurementTimeout``
runs out; then *evaluating*, but only with ``externalEvaluation``, until the title writes
``initializationSucceeded`` or ``evaluationTimeout`` runs out. An episode that keeps fewer than
``membersNeededToStart`` members, or is not judged a success, ends in ``failed``; one that
succeeds leaves no trace: ``initializing`` and the members' ``initializationEpisode`` go. A member
who asks to initialize later waits for the next episode. Stage deadlines are timers like the
others: applied lazily, announced by ``nextTimer``.
"""

from __future__ import annotations

from conformance.reference.faults import FaultSet
from conformance.reference.model import Doc, acts_at

# The documented defaults, by the spelling the creator used (C4 §Contract schema update).
DEFAULTS_107 = {
    "joinTimeout": 10000,
    "measurementTimeout": 30000,
    "evaluationTimeout": 5000,
    "externalEvaluation": False,
    "membersNeededToStart": 1,
}
DEFAULTS_104 = {**DEFAULTS_107, "joinTimeout": 5000, "measurementTimeout": 5000, "membersNeededToStart": 2}
_STAGE_TIMEOUTS = {
    "joining": "joinTimeout",
    "measuring": "measurementTimeout",
    "evaluating": "evaluationTimeout",
}


def settings(session: Doc) -> dict | None:
    """The session's memberInitialization with its defaults, or None without one."""
    given = session["constants"]["system"].get("memberInitialization")
    return None if given is None else {**DEFAULTS_107, **given}


def start(session: Doc, episode: int, now: float, members: list[Doc]) -> None:
    session["initializing"] = {"stage": "joining", "stageStartTime": now, "episode": episode}
    session["lastEpisode"] = episode
    for member in members:
        member["initializationEpisode"] = episode


def enrol(session: Doc, member: Doc, now: float, faults: FaultSet) -> None:
    """A member who asks to initialize after the create: the next episode, now or once the
    running one ends (C4: episode 1 is only the create's members)."""
    running = session.get("initializing")
    if faults.on("init-later-joiner-in-episode-1"):
        member["initializationEpisode"] = 1
        return
    if running is None or running["stage"] == "failed":
        start(session, session.get("lastEpisode", 0) + 1, now, [member])
    else:
        member["initializationEpisode"] = running["episode"] + 1  # waits its turn


def deadline(session: Doc) -> float | None:
    running = session.get("initializing")
    config = settings(session)
    if running is None or config is None or running["stage"] not in _STAGE_TIMEOUTS:
        return None
    return running["stageStartTime"] + config[_STAGE_TIMEOUTS[running["stage"]]] / 1000


def due(session: Doc, now: float, granularity_s: int = 0) -> bool:
    at = deadline(session)
    return at is not None and acts_at(at, granularity_s) <= now


def advance(session: Doc, now: float, faults: FaultSet, granularity_s: int = 0) -> None:
    """Move the running episode on as far as what its members did (and the clock, ticking every
    ``granularity_s`` seconds) allows."""
    while True:
        running, config = session.get("initializing"), settings(session)
        if running is None or config is None or running["stage"] == "failed":
            return
        stage, members = running["stage"], _episode_members(session, running["episode"])
        expired = due(session, now, granularity_s)
        if stage == "joining":
            if faults.on("init-stuck-joining"):
                return
            if not all(_active(m) for m in members) and not (
                expired and not faults.on("init-join-timeout-ignored")
            ):
                return
            _fail_members(members, lambda m: not _active(m))
        elif stage == "measuring":
            if not all(_measured(m) for m in members) and not expired:
                return
            _fail_members(members, lambda m: not _measured(m))
        elif stage == "evaluating":
            if not expired:
                return
            _end(session, now, succeeded=False)
            continue
        survivors = [m for m in members if "initializationFailure" not in m]
        if len(survivors) < config["membersNeededToStart"]:
            _end(session, now, succeeded=False)
            continue
        following = _next_stage(session, stage, config, faults)
        if following is None:
            _end(session, now, succeeded=True)
            continue
        running.update(stage=following, stageStartTime=now)


def evaluate(session: Doc, succeeded: bool, now: float) -> None:
    """The title's judgement while evaluating (initializationSucceeded, consumed at once, C4)."""
    _end(session, now, succeeded=succeeded)


def _next_stage(session: Doc, stage: str, config: dict, faults: FaultSet) -> str | None:
    system = session["constants"]["system"]
    measures = "metrics" in system or "measurementServerAddresses" in system
    if stage == "joining" and measures and not faults.on("init-measuring-skipped"):
        return "measuring"
    if stage in ("joining", "measuring") and config["externalEvaluation"]:
        return None if faults.on("init-evaluating-skipped") else "evaluating"
    return None


def _end(session: Doc, now: float, *, succeeded: bool) -> None:
    running = session["initializing"]
    episode = running["episode"]
    if not succeeded and episode == 1:
        running["stage"] = "failed"  # the session cannot initialize (J1)
        return
    for member in _episode_members(session, episode):
        member.pop("initializationEpisode", None)
    del session["initializing"]
    waiting = [m for m in session["members"].values() if m.get("initializationEpisode") == episode + 1]
    if waiting:
        start(session, episode + 1, now, waiting)


def _episode_members(session: Doc, episode: int) -> list[Doc]:
    return [m for m in session["members"].values() if m.get("initializationEpisode") == episode]


def _fail_members(members: list[Doc], failed) -> None:  # type: ignore[no-untyped-def]
    for member in members:
        if failed(member) and "initializationFailure" not in member:
            member["initializationFailure"] = "timeout"


def _active(member: Doc) -> bool:
    return member["properties"]["system"].get("active") is True


def _measured(member: Doc) -> bool:
    system = member["properties"]["system"]
    return "measurements" in system or "serverMeasurements" in system
