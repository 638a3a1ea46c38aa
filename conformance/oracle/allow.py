"""The differences the latitude model allows: a latitude is never a divergence.

Each latitude of ``latitude.yaml`` says how the oracle honours it (its ``oracle`` entry): a
normalization step every answer goes through (``normalize.STEPS``), or one of the rules below,
which allows a difference the normalization cannot remove. Two rules also set a session apart
(``PARTING``): once a timer may have acted, or a blank condition was read either way, the two
sessions legitimately hold different things, and every later difference in that session is allowed
by the same latitude.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from functools import cache
from typing import Any

from conformance.config import CONTRACT_VERSIONS
from conformance.latitude import latitudes
from conformance.oracle.compare import Diff
from conformance.oracle.normalize import STEPS
from conformance.oracle.wire import Answer, Request

# How long before the earliest timer a session announces the two sides may already differ: the
# reference rounds nextTimer up to the second, and it gets the request a little after the target.
TIMER_MARGIN_S = 1.5


def _error_body(
    diff: Diff, request: Request, target: Answer, reference: Answer, params: Mapping[str, Any]
) -> bool:
    """error-bodies-undocumented-*: the body and media type of a refusal no document describes
    (a 412 only where the reference returns no session with it)."""
    if diff.part == "status" or target.status not in params["statuses"]:
        return False
    if diff.key not in ("header Content-Type", "body body"):
        return False
    return target.status != 412 or reference.media_type is None


def _refusal_status(
    diff: Diff, request: Request, target: Answer, reference: Answer, params: Mapping[str, Any]
) -> bool:
    """refusal-status: any 4xx where the reference refused with its 400, unless that 400 is the one
    C1 names: malformed JSON in a request that is otherwise well formed (a contract version the
    service serves). (C9's too-few-members example names 400 too; INIT-MEMBERS-NEEDED-400 judges it.)"""
    version = (request.header("X-Xbl-Contract-Version") or "").strip()
    named = request.malformed and version in {str(v) for v in CONTRACT_VERSIONS}
    return diff.part == "status" and reference.status == 400 and 400 <= target.status < 500 and not named


def _empty_conditions(
    diff: Diff, request: Request, target: Answer, reference: Answer, params: Mapping[str, Any]
) -> bool:
    """empty-conditional-headers: a blank If-Match or If-None-Match read as absent by one side and
    as matching nothing (412) by the other."""
    blank = any(
        value is not None and not value.strip()
        for value in (request.header("If-Match"), request.header("If-None-Match"))
    )
    return blank and diff.part == "status" and 412 in (target.status, reference.status)


def _unknown_method(
    diff: Diff, request: Request, target: Answer, reference: Answer, params: Mapping[str, Any]
) -> bool:
    """unknown-method-501: 405 or 501 for a method the service does not implement."""
    return diff.part == "status" and {target.status, reference.status} == {405, 501}


def _nocommit_etag(
    diff: Diff, request: Request, target: Answer, reference: Answer, params: Mapping[str, Any]
) -> bool:
    """nocommit-etag: an ETag, or none, on the answer to a write that stored nothing."""
    return request.nocommit and diff.key == "header ETag"


def _timer(
    diff: Diff, request: Request, target: Answer, reference: Answer, params: Mapping[str, Any]
) -> bool:
    """timer-granularity: decided per session by the mirror (``timer_may_have_acted``), not per difference."""
    return False


Rule = Callable[[Diff, Request, Answer, Answer, Mapping[str, Any]], bool]
RULES: Mapping[str, Rule] = {
    "timer": _timer,
    "error-body": _error_body,
    "refusal-status": _refusal_status,
    "empty-conditions": _empty_conditions,
    "unknown-method": _unknown_method,
    "nocommit-etag": _nocommit_etag,
}
PARTING = frozenset({"timer", "empty-conditions"})


def allowing(diff: Diff, request: Request, target: Answer, reference: Answer) -> tuple[str, bool] | None:
    """The latitude that allows ``diff`` and whether it sets the session apart, or None."""
    for latitude, rule, params in _rules():
        if RULES[rule](diff, request, target, reference, params):
            return latitude, rule in PARTING
    return None


@cache
def _rules() -> tuple[tuple[str, str, Mapping[str, Any]], ...]:
    return tuple((lat.name, lat.oracle["allow"], lat.oracle) for lat in latitudes() if "allow" in lat.oracle)


@cache
def timer_latitude() -> str:
    return next(name for name, rule, _ in _rules() if rule == "timer")


def unknown_entries() -> list[str]:
    """latitude.yaml entries naming a rule or step the oracle does not have (a test holds this empty)."""
    wrong = []
    for lat in latitudes():
        rule, step = lat.oracle.get("allow"), lat.oracle.get("normalized")
        if (
            (rule is None) == (step is None)
            or (rule is not None and rule not in RULES)
            or (step is not None and step not in STEPS)
        ):
            wrong.append(f"{lat.name}: {dict(lat.oracle)}")
    return wrong


def next_timer(answers: Iterable[Answer]) -> float | None:
    """The earliest instant (epoch seconds) any of the answers announces a timer for (nextTimer)."""
    found = []
    for answer in answers:
        document = answer.json()
        value = document.get("nextTimer") if isinstance(document, dict) else None
        if isinstance(value, str):
            try:
                found.append(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())
            except ValueError:
                continue
    return min(found, default=None)


def timer_may_have_acted(due: float | None, sent_at: float) -> bool:
    """Whether a timer announced for ``due`` may have acted on one side and not yet on the other
    when a request was sent at ``sent_at`` (the later of its two sends)."""
    return due is not None and sent_at >= due - TIMER_MARGIN_S
