"""Every schemathesis finding is filed under the requirement it is about."""

from __future__ import annotations

import pytest
from schemathesis.core.failures import Failure, ServerError
from schemathesis.openapi.checks import (
    JsonSchemaError,
    MissingHeaders,
    RejectedPositiveData,
    UndefinedContentType,
    UndefinedStatusCode,
)

from conformance.fuzz.classify import UnmappedFinding, requirement_of


def _failure(kind: type[Failure]) -> Failure:
    return Failure.__new__(kind)  # only the class's code matters here


@pytest.mark.parametrize(
    ("kind", "status", "requirement"),
    [
        (ServerError, 500, "SRV-NO-5XX"),
        (UndefinedStatusCode, 502, "SRV-NO-5XX"),
        (UndefinedStatusCode, 422, "RESPONSE-STATUS-DOCUMENTED"),
        (MissingHeaders, 200, "ETAG-PRESENT"),
        (JsonSchemaError, 200, "SESSION-SCHEMA"),  # it also names response_headers_conformance
        (JsonSchemaError, 404, "ERR-TEXT-PLAIN"),
        (UndefinedContentType, 400, "ERR-TEXT-PLAIN"),
        (UndefinedContentType, 201, "SESSION-SCHEMA"),
        (RejectedPositiveData, 422, "BODY-VALID-ACCEPTED"),
    ],
)
def test_findings_are_filed_by_their_kind_and_the_status(kind, status, requirement) -> None:
    assert requirement_of(_failure(kind), status) == requirement


def test_a_finding_of_an_unknown_kind_is_a_harness_gap_not_a_verdict() -> None:
    class Novel(Failure):
        code = "ST999"

    with pytest.raises(UnmappedFinding, match="ST999"):
        requirement_of(_failure(Novel), 200)


def test_every_check_the_fuzz_phase_runs_has_the_requirement_that_makes_it_binding() -> None:
    from schemathesis.checks import CHECKS

    from conformance.fuzz import checks  # noqa: F401 - registers the MPSD checks
    from conformance.fuzz.classify import BINDING, STATEFUL
    from conformance.fuzz.engine import schema

    enabled = set()
    for check in CHECKS.get_all():
        config = getattr(schema.config.checks, check.__name__, None)
        if config is None or config.enabled:
            enabled.add(check.__name__)
    assert enabled == set(BINDING)
    assert {r for ids in BINDING.values() for r in ids} <= set(STATEFUL)
