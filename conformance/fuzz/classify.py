"""Which requirement a schemathesis finding is about."""

from __future__ import annotations

from collections.abc import Iterator

from schemathesis.core.failures import CustomFailure, Failure

TEXT_ERRORS = (400, 403, 404, 405, 409)


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
)
STATEFUL = (*STATELESS, "GET-READ")


class ReadBackLost(AssertionError):
    """A session the target acknowledged writing was gone on the next read (stateful phase)."""

    requirement = "GET-READ"


def requirement_of(failure: BaseException, status: int | None) -> str:
    """The ledger ID a failure speaks to; ``status`` is the answer's HTTP status."""
    if isinstance(failure, CustomFailure) and isinstance(failure.exception, RequirementViolation):
        return failure.exception.requirement
    if isinstance(failure, ReadBackLost):
        return failure.requirement
    checks = set(getattr(failure, "checks", ()))
    server_error = status is not None and status >= 500
    if "not_a_server_error" in checks or (server_error and "status_code_conformance" in checks):
        return "SRV-NO-5XX"
    if "negative_data_rejection" in checks:
        return "BODY-INVALID-REJECTED"
    if "positive_data_acceptance" in checks:
        return "BODY-VALID-ACCEPTED"
    if "status_code_conformance" in checks:
        return "RESPONSE-STATUS-DOCUMENTED"
    if "response_headers_conformance" in checks:
        return "ETAG-PRESENT"
    if status in TEXT_ERRORS and checks & {"content_type_conformance", "response_schema_conformance"}:
        return "ERR-TEXT-PLAIN"
    return "SESSION-SCHEMA"


def failures_in(error: BaseException) -> Iterator[BaseException]:
    """Every schemathesis failure inside ``error`` (groups nest when Hypothesis finds several bugs)."""
    if isinstance(error, BaseExceptionGroup):
        for inner in error.exceptions:
            yield from failures_in(inner)
    elif isinstance(error, Failure | ReadBackLost):
        yield error
