"""Which requirement a schemathesis finding is about."""

from __future__ import annotations

from schemathesis.core.failures import CustomFailure, Failure

from conformance.ledger import TEXT_ERRORS


class RequirementViolation(AssertionError):
    """What the MPSD-specific checks raise: the message, and the requirement it speaks to."""

    def __init__(self, requirement: str, message: str) -> None:
        super().__init__(f"{requirement}: {message}")
        self.requirement = requirement


# The requirements the fuzz phase can judge; a fuzz item that finds nothing passes all of them.
STATELESS = (
    "SRV-NO-5XX",
    "RESPONSE-STATUS-DOCUMENTED",
    "ERR-TEXT-PLAIN",
    "SESSION-SCHEMA",
    "ETAG-PRESENT",
    "BODY-INVALID-REJECTED",
    "BODY-VALID-ACCEPTED",
    "CV-ECHO",
    "MEMBERS-CHAIN",
    "METHOD-405",
    "ETAG-NOCOMMIT",
)
STATEFUL = (*STATELESS, "GET-READ")


class ReadBackLost(AssertionError):
    """A session the target acknowledged writing was gone on the next read (stateful phase)."""

    requirement = "GET-READ"


# Every check the fuzz phase runs, and the requirement(s) that make its finding binding. A generic
# check with no requirement behind it is disabled in schemathesis.toml (the document wins); where
# the document is silent or HTTP allows several answers, engine.document_wins drops the finding.
BINDING = {
    "not_a_server_error": ("SRV-NO-5XX",),
    "status_code_conformance": ("RESPONSE-STATUS-DOCUMENTED", "SRV-NO-5XX"),
    "content_type_conformance": ("SESSION-SCHEMA", "ERR-TEXT-PLAIN"),
    "response_headers_conformance": ("ETAG-PRESENT",),
    "response_schema_conformance": ("SESSION-SCHEMA", "ERR-TEXT-PLAIN"),
    "negative_data_rejection": ("BODY-INVALID-REJECTED",),
    "positive_data_acceptance": ("BODY-VALID-ACCEPTED",),
    "unsupported_method": ("METHOD-405",),
    "etag_on_session": ("ETAG-PRESENT",),
    "text_plain_errors": ("ERR-TEXT-PLAIN",),
    "contract_version_echoed": ("CV-ECHO",),
    "member_chain_consistent": ("MEMBERS-CHAIN",),
}

# Schemathesis failure codes ("a code is never renumbered or reused") -> what the finding is about.
_BY_CODE = {
    "ST101": "SRV-NO-5XX",  # server error
    "ST102": "SRV-NO-5XX",  # server error without a usable response
    "ST107": "ETAG-PRESENT",  # a documented required header is missing (ETag on 200/201)
    "ST201": "BODY-INVALID-REJECTED",
    "ST202": "BODY-VALID-ACCEPTED",
    "ST204": "METHOD-405",
}
# Findings about a response's media type or shape. Each is judged only against the statement that
# documents that answer's shape: the error text of 400/403/404/405/409 (ERR-TEXT-PLAIN), the session
# document of a success (SESSION-SCHEMA). Any other answer's body (401, 406, 412, 413, 415, 501, ...)
# is one the documents leave open (latitude.yaml: error-bodies), so no requirement judges it.
_SHAPE = frozenset({"ST104", "ST105", "ST106", "ST108", "ST109", "ST110", "ST111"})
# ST108 is also a response header that breaks its schema (the document's only constrained header
# is ETag, a non-empty string: ETAG-PRESENT); schemathesis tells the two apart by the title alone.
_HEADER_TITLE = "Response header"


def is_header_finding(failure: BaseException) -> bool:
    return getattr(failure, "code", "") == "ST108" and str(getattr(failure, "title", "")).startswith(
        _HEADER_TITLE
    )


def is_shape_finding(failure: BaseException) -> bool:
    """Whether the finding is about the answer's media type or body."""
    return getattr(failure, "code", "") in _SHAPE and not is_header_finding(failure)


def shape_requirement(status: int | None) -> str | None:
    """The requirement that documents the shape of an answer with ``status``, or None."""
    if status in TEXT_ERRORS:
        return "ERR-TEXT-PLAIN"
    if status is not None and 200 <= status < 300:
        return "SESSION-SCHEMA"
    return None


class UnmappedFinding(LookupError):
    """A finding of a kind no requirement speaks to: a harness gap to fix, not a verdict."""


def requirement_of(failure: BaseException, status: int | None) -> str:
    """The ledger ID a failure speaks to; ``status`` is the answer's HTTP status."""
    if isinstance(failure, CustomFailure) and isinstance(failure.exception, RequirementViolation):
        return failure.exception.requirement
    if isinstance(failure, ReadBackLost):
        return failure.requirement
    code = getattr(failure, "code", "")
    if code == "ST103":  # undocumented status
        return "SRV-NO-5XX" if status is not None and status >= 500 else "RESPONSE-STATUS-DOCUMENTED"
    if is_header_finding(failure):
        return "ETAG-PRESENT"
    shape = shape_requirement(status) if is_shape_finding(failure) else None
    if shape is not None:
        return shape
    if code in _BY_CODE:
        return _BY_CODE[code]
    raise UnmappedFinding(f"no requirement for schemathesis finding {code} ({type(failure).__name__})")


def failures_in(error: BaseException) -> tuple[list[BaseException], list[BaseException]]:
    """The schemathesis failures inside ``error`` (groups nest when Hypothesis finds several bugs),
    and everything else in it: an exception that is no finding is a harness error, never dropped."""
    findings: list[BaseException] = []
    others: list[BaseException] = []
    stack = [error]
    while stack:
        current = stack.pop(0)
        if isinstance(current, BaseExceptionGroup):
            stack[:0] = current.exceptions
        elif isinstance(current, Failure | ReadBackLost):
            findings.append(current)
        else:
            others.append(current)
    return findings, others
