"""What one answer shows: the ledger requirements a single MPSD exchange keeps or breaks.

Each rule first asks what else a correct service could have answered (``latitude.yaml``): any
case of header names and media types, a charset, quoted, bare or weak ETags, any 4xx where no
status is named, 405 or 501 for an undeclared method, error bodies nobody documents, times to any
precision. An answer that is no verdict (401, 407, 408, 429, 503: ``ledger.NOT_A_VERDICT``)
judges nothing but the two rules about throttling answers themselves. A rule that needs a body
the capture does not hold whole says nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache

from conformance.ledger import FORM_REFUSALS, NOT_A_VERDICT, TEXT_ERRORS, load_ledger
from conformance.session import get, same_instant, timestamp, walk_chain
from conformance.spec import is_valid, load_openapi, schema_errors
from conformance.traffic import breaches
from conformance.traffic.record import NOT_HELD, NOT_JSON, Judged, Record, media_type

Rule = Callable[[Record], Iterator[Judged]]
JSON = "application/json"
# What a correct service may do with HEAD and OPTIONS is HTTP's business (every server supports
# HEAD; OPTIONS answers a browser's preflight), not an undeclared method of the contract.
_HTTP_METHODS = frozenset({"HEAD", "OPTIONS"})
_TIMEOUT_NAMES = (
    "inactiveRemovalTimeout",
    "readyRemovalTimeout",
    "reservedRemovalTimeout",
    "sessionEmptyTimeout",
)


@cache
def documented() -> dict[tuple[bool, str], frozenset[int]]:
    """(properties route, method) -> the statuses the OpenAPI document lists for it."""
    table = {}
    for path, operations in load_openapi()["paths"].items():
        for method, operation in operations.items():
            if isinstance(operation, dict) and "responses" in operation:
                statuses = frozenset(int(s) for s in operation["responses"] if s.isdigit())
                table[(path.endswith("/properties"), method.upper())] = statuses
    return table


def declared(record: Record) -> bool:
    assert record.route is not None
    return (record.route.properties, record.method) in documented()


def _kept(requirement: str, record: Record, observed: tuple[str, object] | None = None) -> Judged:
    return Judged(requirement, record, observed=observed)


def _broken(requirement: str, record: Record, problem: str) -> Judged:
    return Judged(requirement, record, problem)


def _refused(requirement: str, record: Record, breach: str) -> Iterator[Judged]:
    """A request the service must refuse with any 4xx (the ledger names no status): a 2xx or 3xx
    breaks the requirement; a 4xx that refuses something else (a 403, for a rule about the input)
    says nothing, and a 5xx is SRV-NO-5XX's."""
    status = record.status
    assert status is not None
    if status < 400:
        yield _broken(requirement, record, f"answered {status} to a request with {breach}")
    elif status < 500 and load_ledger().get(requirement).refusal_problem(status) is None:
        yield _kept(requirement, record, ("status", status))


def _session_answer(record: Record) -> bool:
    """An answer that carries the session: 200/201 to a PUT, 200 to a GET (C1, C2)."""
    return declared(record) and (record.status, record.method) in ((200, "GET"), (200, "PUT"), (201, "PUT"))


def server_error(record: Record) -> Iterator[Judged]:
    status = record.status or 0
    if status < 500:
        yield _kept("SRV-NO-5XX", record)
    elif status == 501 and not declared(record):
        yield _kept("SRV-NO-5XX", record)  # HTTP's answer for a method the server does not implement
    else:
        yield _broken("SRV-NO-5XX", record, f"answered {status}, a server error")


def status_documented(record: Record) -> Iterator[Judged]:
    status = record.status or 0
    if not declared(record) or status >= 400:
        return  # a refusal may use any 4xx (the any-4xx rule); a 5xx is SRV-NO-5XX's
    assert record.route is not None
    if status in documented()[(record.route.properties, record.method)]:
        yield _kept("RESPONSE-STATUS-DOCUMENTED", record)
    else:
        yield _broken(
            "RESPONSE-STATUS-DOCUMENTED", record, f"{status}, which C1 does not list for this request"
        )


def etag(record: Record) -> Iterator[Judged]:
    if not _session_answer(record):
        return
    assert record.route is not None
    present = bool(record.response_header("ETag"))
    if record.route.nocommit:  # nothing was stored: whether it carries an ETag is left open
        yield _kept("ETAG-NOCOMMIT", record, ("etag", present))
    elif present:
        yield _kept("ETAG-PRESENT", record)
    else:
        yield _broken("ETAG-PRESENT", record, f"{record.status} without an ETag header")


def _document_problem(record: Record) -> str | None:
    """Why the answer is no JSON session document, or None."""
    if record.media_type != JSON:
        return f"{record.status} as {record.media_type or 'no Content-Type'}"
    document = record.response_json
    if document is NOT_JSON or document is NOT_HELD:
        return f"{record.status} with a body that is not JSON"
    if not isinstance(document, dict):
        return f"{record.status} with a JSON {type(document).__name__}, not a session document"
    return None


def session_schema(record: Record) -> Iterator[Judged]:
    if not _session_answer(record) or record.response_body is None:
        return
    problem = _document_problem(record)
    if problem is None and not is_valid("MultiplayerSession", record.response_json):
        problem = "; ".join(schema_errors("MultiplayerSession", record.response_json, limit=3))
    yield Judged("SESSION-SCHEMA", record, problem)


def created(record: Record) -> Iterator[Judged]:
    """A 201 is a create (C1): the session document, with its contract version and correlation id."""
    assert record.route is not None
    if (
        record.status != 201
        or record.method != "PUT"
        or record.route.properties
        or record.response_body is None
    ):
        return
    document = record.response_json
    problem = _document_problem(record)
    if problem is None and not isinstance(document.get("contractVersion"), int):
        problem = "201 without an integer contractVersion"
    if problem is None and not document.get("correlationId"):
        problem = "201 without a correlationId"
    yield Judged("PUT-CREATE-201", record, problem)


def text_errors(record: Record) -> Iterator[Judged]:
    if record.status not in TEXT_ERRORS or record.response_body is None:
        return
    if record.status == 403 and record.media_type == JSON and record.session is not None:
        yield _kept("ERR-TEXT-PLAIN", record)  # C1: a 403 may carry the session
    elif record.media_type != "text/plain":
        yield _broken(
            "ERR-TEXT-PLAIN", record, f"{record.status} as {record.media_type or 'no Content-Type'}"
        )
    elif not record.response_body.strip():
        yield _broken("ERR-TEXT-PLAIN", record, f"{record.status} with an empty reason")
    else:
        yield _kept("ERR-TEXT-PLAIN", record)


def member_chain(record: Record) -> Iterator[Judged]:
    session = record.session if record.status in (200, 201, 412) else None
    # A large session lists the caller alone, as "me", or no one: it has no chain to walk.
    if session is None or get(session, "constants.system.capabilities.large") is True:
        return
    if "me" in (get(session, "members") or {}):
        return
    _, problem = walk_chain(session)
    yield Judged("MEMBERS-CHAIN", record, problem)


def contract_version(record: Record) -> Iterator[Judged]:
    """CV-ECHO and CV-LEGACY-RENDERING: the session in the requested version, under its names (C4)."""
    session, version = record.session, record.contract_version
    if record.status not in (200, 201) or session is None or version is None:
        return
    if version in (104, 105, 107) and "contractVersion" in session:
        rendered = session["contractVersion"]
        problem = None if rendered == version else f"asked for {version}, rendered {rendered!r}"
        yield Judged("CV-ECHO", record, problem)
    system = get(session, "constants.system")
    if not isinstance(system, dict) or version not in (104, 105, 107):
        return
    legacy = version < 107
    wrong = [name for name in _TIMEOUT_NAMES if name in system] if legacy else []
    wrong += ["timeouts"] if not legacy and "timeouts" in system else []
    wrong += ["memberInitialization"] if legacy and "memberInitialization" in system else []
    wrong += ["managedInitialization"] if not legacy and "managedInitialization" in system else []
    right = {"timeouts", "managedInitialization"} if legacy else {*_TIMEOUT_NAMES, "memberInitialization"}
    if wrong:
        yield _broken("CV-LEGACY-RENDERING", record, f"a {version} rendering with {', '.join(wrong)}")
    elif right & set(system):
        yield _kept("CV-LEGACY-RENDERING", record)


def unsupported_version(record: Record) -> Iterator[Judged]:
    breach = breaches.contract_version(record)
    if breach is not None and declared(record):
        yield from _refused("CV-REQUIRED", record, breach)


def body(record: Record) -> Iterator[Judged]:
    """The body's form: malformed JSON is 400 (C1), a schema breach any 4xx (S1), a valid body is
    not refused for its form (BODY-VALID-ACCEPTED)."""
    if record.method != "PUT" or not declared(record) or record.request_body is None:
        return
    breach = breaches.body(record)
    status = record.status or 0
    if breach is None:
        if status in FORM_REFUSALS:
            yield _broken("BODY-VALID-ACCEPTED", record, f"a schema-valid request refused with {status}")
        elif status < 500:
            yield _kept("BODY-VALID-ACCEPTED", record)
    elif breach.requirement == "BODY-MALFORMED-400":
        if media_type(record.request_headers) not in ("", JSON):
            return  # not sent as JSON: a 415 is as right as a 400
        if status == 400:
            empty = not (record.response_body or b"x").strip()
            yield Judged(breach.requirement, record, "400 without a reason" if empty else None)
        elif status < 400:
            yield _broken(breach.requirement, record, f"answered {status} to {breach.problem}")
    elif breach.requirement is not None:
        yield from _refused(breach.requirement, record, breach.problem)


def undeclared_method(record: Record) -> Iterator[Judged]:
    if declared(record) or record.method in _HTTP_METHODS:
        return
    if record.status in (405, 501):  # 501: HTTP's answer for a method implemented nowhere
        yield _kept("METHOD-405", record, ("status", record.status))
    elif record.status != 403:
        yield _broken("METHOD-405", record, f"{record.method} answered {record.status}; 405 is due")


def member_rules(record: Record) -> Iterator[Judged]:
    """What the request asks of members that the service must refuse (J2, C3, C4, S2S)."""
    if record.method != "PUT" or not declared(record):
        return
    for requirement, breach in (
        ("RESERVE-FROM-ZERO", breaches.reservations_problem(record)),
        ("MEMBER-READY-ACTIVE-EXCLUSIVE", breaches.ready_and_active(record)[1]),
        ("S2S-ME-REJECTED", breaches.me_on_behalf(record)),
    ):
        if breach is not None:
            yield from _refused(requirement, record, breach)


def _tag(record: Record, name: str) -> str | None:
    """A conditional header's one entity tag; None for none, an empty one (read as absent or as
    matching nothing: latitude.yaml) or a list."""
    value = record.request_header(name)
    return value if value and "," not in value else None


def _weak(tag: str) -> str:
    """An entity tag as If-None-Match compares it (weakly, RFC 9110 §13.1.2)."""
    return tag[2:] if tag.startswith("W/") else tag


def conditions(record: Record) -> Iterator[Judged]:
    """What a conditional answer shows by itself, without the capture's memory of the session."""
    assert record.route is not None
    status, route = record.status, record.route
    if record.method == "PUT" and not route.properties and _tag(record, "If-None-Match") == "*":
        if status == 201:
            yield _kept("COND-CREATE-ONLY-201", record)
        elif status == 200:
            yield _broken("COND-CREATE-ONLY-201", record, "200 to If-None-Match: * (a create is 201)")
    if_match = _tag(record, "If-Match") if record.method == "PUT" else None
    if if_match == "*" and not route.properties:
        if status == 201:
            yield _broken("COND-UPDATE-ONLY-ABSENT-412", record, "If-Match: * created a session (412 is due)")
        elif status == 200:
            yield _kept("COND-UPDATE-ONLY-200", record)
        elif status == 412 and record.session is not None:
            yield _broken(
                "COND-UPDATE-ONLY-200", record, "412 to If-Match: * with the session it refused to update"
            )
    elif if_match is not None and status == 412 and not route.properties and record.session is not None:
        # A 412 naming the very tag it refused is judged with the session's history (sessions.py).
        current = record.response_header("ETag")
        if current != if_match:
            problem = None if current else "412 with the session but without its ETag"
            yield Judged("COND-IF-MATCH-STALE-412", record, problem)
    if_none_match = _tag(record, "If-None-Match") if record.method == "GET" else None
    current = record.response_header("ETag")
    if (
        if_none_match not in (None, "*")
        and status == 200
        and current
        and _weak(current) == _weak(if_none_match)
    ):
        yield _broken("GET-304", record, f"200 with ETag {current}, the tag If-None-Match named (304 is due)")
    if route.properties and record.method == "PUT" and status in (201, 204, 404):
        # 201 created a session, 204 says none is left: either way there was none, and C1 says 404.
        problem = f"{status} to a properties write on a session that was not there" if status != 404 else None
        yield Judged("PROPS-ABSENT-404", record, problem)
    if record.method == "GET" and status == 204:
        yield _kept("GET-ABSENT-204", record)


def expires(record: Record) -> Iterator[Judged]:
    session = record.session if record.status in (200, 201) else None
    next_timer = get(session, "nextTimer")
    if not isinstance(next_timer, str):
        return
    value = record.response_header("Expires")
    if same_instant(value, timestamp(next_timer)):
        yield _kept("TIMER-EXPIRES-HEADER", record)
    else:
        yield _broken("TIMER-EXPIRES-HEADER", record, f"Expires {value or 'absent'}, nextTimer {next_timer}")


def throttled(record: Record) -> Iterator[Judged]:
    """A 429 carries the throttle body and Retry-After (G5, C1); a 503 carries Retry-After (C1)."""
    retry = record.response_header("Retry-After")
    if record.status == 503:
        yield Judged("UNAVAILABLE-RETRY-AFTER", record, None if retry else "503 without Retry-After")
    if record.status != 429 or record.response_body is None:
        return
    problems = [] if retry else ["no Retry-After"]
    problems += [p for p in [_document_problem(record)] if p]
    if not problems:
        problems += schema_errors("ThrottleInfo", record.response_json, limit=2)
    yield Judged("THROTTLE-429", record, "; ".join(problems) or None)


ANSWERS: tuple[Rule, ...] = (
    server_error,
    status_documented,
    etag,
    session_schema,
    created,
    text_errors,
    member_chain,
    contract_version,
    unsupported_version,
    body,
    undeclared_method,
    member_rules,
    conditions,
    expires,
)
# Every requirement these rules judge, for the report's reasons: the others are ones a single
# answer cannot show.
JUDGES = frozenset(
    {
        "SRV-NO-5XX", "RESPONSE-STATUS-DOCUMENTED", "ETAG-PRESENT", "ETAG-NOCOMMIT", "SESSION-SCHEMA",
        "PUT-CREATE-201", "ERR-TEXT-PLAIN", "MEMBERS-CHAIN", "CV-ECHO", "CV-LEGACY-RENDERING",
        "CV-REQUIRED", "BODY-MALFORMED-400", "BODY-UNKNOWN-KEY", "BODY-INVALID-REJECTED",
        "BODY-VALID-ACCEPTED", "METHOD-405", "RESERVE-FROM-ZERO", "MEMBER-READY-ACTIVE-EXCLUSIVE",
        "S2S-ME-REJECTED", "COND-CREATE-ONLY-201", "COND-UPDATE-ONLY-ABSENT-412", "COND-UPDATE-ONLY-200",
        "COND-IF-MATCH-200", "COND-IF-MATCH-STALE-412", "GET-304", "PROPS-ABSENT-404", "GET-ABSENT-204",
        "TIMER-EXPIRES-HEADER", "THROTTLE-429", "UNAVAILABLE-RETRY-AFTER",
    }
)  # fmt: skip


def judge(record: Record) -> list[Judged]:
    """Every requirement this one exchange keeps or breaks (nothing for one that got no answer)."""
    if record.route is None or record.status is None:
        return []
    if record.status in NOT_A_VERDICT:
        return list(throttled(record))
    return [found for rule in ANSWERS for found in rule(record)]
