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


def test_a_header_that_breaks_its_schema_is_about_the_etag_not_the_document() -> None:
    failure = _failure(JsonSchemaError)
    failure.title = "Response header does not conform to the schema"
    assert requirement_of(failure, 200) == "ETAG-PRESENT"


def _wins(kind: type[Failure], status: int, title: str = "") -> bool:
    from types import SimpleNamespace

    from conformance.fuzz.engine import document_wins, schema

    failure = _failure(kind)
    failure.title = title or kind.__name__
    path = "/serviceconfigs/{scid}/sessiontemplates/{sessionTemplateName}/sessions/{sessionName}"
    case = schema[path]["PUT"].Case(body={})
    return document_wins(None, failure, case, SimpleNamespace(status_code=status))


@pytest.mark.parametrize(
    ("kind", "status", "kept"),
    [
        # A refusal's status is any 4xx where the documents name none (latitude: refusal-status).
        (UndefinedStatusCode, 422, False),
        (UndefinedStatusCode, 202, True),
        (RejectedPositiveData, 422, False),
        (RejectedPositiveData, 415, True),
        (RejectedPositiveData, 405, True),
        # A body's shape is judged only where a statement documents it (latitude: error-bodies).
        (JsonSchemaError, 412, False),
        (UndefinedContentType, 401, False),
        (JsonSchemaError, 200, True),
        (UndefinedContentType, 404, True),
    ],
)
def test_the_phase_keeps_only_findings_a_statement_backs(kind, status, kept) -> None:
    assert _wins(kind, status) is kept


def test_a_header_finding_on_an_error_answer_is_still_judged() -> None:
    assert _wins(JsonSchemaError, 412, "Response header does not conform to the schema") is True
