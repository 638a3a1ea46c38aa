"""A fuzz finding sent again (``mpsd-conformance replay``): its case, or its whole stateful
sequence, to a fresh session of a target as it is now, with that target's credentials, and its
last answer judged by every check the fuzz phase runs, through the phase's own filter.

A finding's report carries how it was sent (``judging``: the record of ``cases.to_record`` and who
arranged and sent it), so nothing here generates anything: the same request goes out again.
"""

from __future__ import annotations

from typing import Any

from schemathesis.core.failures import FailureGroup

from conformance import bodies
from conformance.fuzz import cases
from conformance.fuzz.classify import requirement_of
from conformance.fuzz.engine import CONDITIONS, FuzzContext, operation_of, schema, speaking_as
from conformance.fuzz.judging import read_back
from conformance.http.exchange import Exchange


def send_again(context: FuzzContext, record: dict[str, Any]) -> tuple[list[BaseException], list[Exchange]]:
    """Send a finding's case (or its whole stateful sequence) again, to a fresh session and
    with this target's credentials, and judge the last answer as the fuzz phase does: the
    findings on it, and every exchange sent."""
    if "chain" in record:
        return _chain(context, record)
    name = context.new_name()
    arranger = context.client(record["arrange"]) if record.get("arrange") else None
    if arranger is not None:
        arranger.put(name, bodies.join(arranger.xuid))
    case = cases.from_record(operation_of(schema, record["operation"]), record)
    context.aim(case, name)
    response = context.call(case, speaking_as(context.client(record["identity"])))
    try:
        return _failures(case, response), [context.evidence(response)]
    finally:
        if arranger is not None or 200 <= response.status_code < 300:
            context.cleanup(name, response, arranger)


def _chain(context: FuzzContext, record: dict[str, Any]) -> tuple[list[BaseException], list[Exchange]]:
    """The sequence from the same join on; an If-Match naming an ETag an earlier step was
    given carries the ETag the same step gets now."""
    user = context.client(record["identity"])
    name = context.new_name()
    created = user.put(name, bodies.join(user.xuid))
    stored = created.status in (200, 201) and "nextTimer" not in created.text
    renamed: dict[str, str] = {}
    exchanges: list[Exchange] = []
    failures: list[BaseException] = []
    try:
        for step in record["chain"]:
            case = cases.from_record(operation_of(schema, step["operation"]), step)
            context.aim(case, name)
            case.headers = {
                k: renamed.get(v, v) if k.lower() in CONDITIONS else v
                for k, v in (case.headers or {}).items()
            }
            response = context.call(case, speaking_as(user))
            exchanges.append(context.evidence(response))
            if step.get("etag") and response.headers.get("etag"):
                renamed[step["etag"]] = response.headers["etag"][0]
            stored, lost = read_back(stored, case, response)
            if lost is not None:
                lost.mpsd_status = response.status_code  # type: ignore[attr-defined]
            failures = _failures(case, response) + ([lost] if lost is not None else [])
    finally:
        context.cleanup(name)
    return failures, exchanges


def _failures(case: Any, response: Any) -> list[BaseException]:
    """What every check the fuzz phase runs finds on one answer, through the phase's filter."""
    try:
        case.validate_response(response)
    except FailureGroup as group:
        for failure in group.exceptions:
            failure.mpsd_status = response.status_code  # type: ignore[attr-defined]
        return list(group.exceptions)
    return []


def findings_again(
    context: FuzzContext, record: dict[str, Any]
) -> tuple[dict[str, list[str]], list[Exchange]]:
    """``send_again``, with its findings filed under the requirements they concern: requirement
    -> the kinds (titles) of finding on the last answer."""
    failures, exchanges = send_again(context, record)
    found: dict[str, list[str]] = {}
    for failure in failures:
        rid = requirement_of(failure, getattr(failure, "mpsd_status", None))
        found.setdefault(rid, []).append(str(getattr(failure, "title", type(failure).__name__)))
    return found, exchanges
