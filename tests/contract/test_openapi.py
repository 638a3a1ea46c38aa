"""The OpenAPI document is valid and agrees with what the real client sends and reads."""

from __future__ import annotations

import json
import re

import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from openapi_spec_validator import validate
from support import DATA, broken_once, corpus_files, load_json

from conformance.resources import openapi_path
from conformance.spec import _URN, _registry, _resolved, is_valid, load_openapi, schema_errors, validator

# Real payloads that cannot validate, each for a reason the docs give; the schema stays strict.
REQUEST_EXCEPTIONS = {
    "put-request__mp__serversJson.json": "raw passthrough test of SetRawServersJson ({'server': 100}); "
    "J2 documents servers.<name> as {constants, properties}",
    "put-request__mp__qosServerMeasurementsJson.json": "raw passthrough of SetServerMeasurementsJson "
    "({'measurement': 1004}); C3/C4 document a map of connection string -> {latency}",
    "put-request__legacy-mp__qosMeasurementsFromJsonJson.json": "legacy copy of the same raw "
    "serverMeasurements passthrough",
}
RESPONSE_EXCEPTIONS = {
    "session-doc__legacy-mp__largeMultiplayerResponse.json": "fixture slip: contractVersion, branch and "
    "changeNumber nested inside members (SOURCES.md)",
    "session-doc__legacy-mp__defaultTournamentSessionResponse.json": "pre-104 shape with a duplicate "
    "'properties' key (the last one has no system) and membersInfo without next (SOURCES.md)",
}


def test_openapi_document_is_valid() -> None:
    validate(load_openapi())


def test_openapi_is_version_3_1_and_ships_with_the_package() -> None:
    assert load_openapi()["openapi"] == "3.1.0"
    assert openapi_path().is_file()


@pytest.mark.parametrize("path", corpus_files("put-request__*.json"), ids=lambda p: p.name)
def test_real_client_request_bodies_validate(path) -> None:
    errors = schema_errors("SessionRequest", load_json(path))
    if path.name in REQUEST_EXCEPTIONS:
        assert errors, f"{path.name} now validates; drop it from REQUEST_EXCEPTIONS"
    else:
        assert errors == []


@pytest.mark.parametrize("path", corpus_files("session-doc*.json"), ids=lambda p: p.name)
def test_real_session_documents_validate(path) -> None:
    errors = schema_errors("MultiplayerSession", load_json(path))
    if path.name in RESPONSE_EXCEPTIONS:
        assert errors, f"{path.name} now validates; drop it from RESPONSE_EXCEPTIONS"
    else:
        assert errors == []


def test_the_412_document_is_in_the_corpus() -> None:
    assert [p.name for p in corpus_files("session-doc-412__*.json")]


SEED = DATA / "seed"


def test_seed_request_example_validates() -> None:
    request = load_json(SEED / "request-example.json")
    assert schema_errors("SessionRequest", request) == []
    assert (
        load_openapi()["paths"][
            "/serviceconfigs/{scid}/sessiontemplates/{sessionTemplateName}/sessions/{sessionName}"
        ]["put"]["requestBody"]["content"]["application/json"]["example"]
        == request
    )


def test_seed_response_example_validates_once_its_two_typos_are_fixed() -> None:
    raw = (SEED / "response-example.txt").read_text(encoding="utf-8")
    with pytest.raises(json.JSONDecodeError):
        json.loads(raw)
    fixed = re.sub(r"(\}\s*\n)(\s*\"gamertag\")", r"\1,\2", raw, count=1)  # missing comma after constants
    fixed = re.sub(r"\},(\s*\n\s*\},\s*\n\s*\"membersInfo\")", r"}\1", fixed, count=1)  # trailing comma
    assert schema_errors("MultiplayerSession", json.loads(fixed)) == []


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"foo": {}}, id="unknown-top-level-key"),
        pytest.param({"members": {"me": "1234"}}, id="me-as-string"),
        pytest.param({"members": {"reserve_0": [{"constants": {}}]}}, id="reserve-as-list"),
        pytest.param({"members": {"reserve_0": {"properties": {}}}}, id="reserve-without-xuid"),
        pytest.param({"members": {"someone": {}}}, id="unknown-member-key"),
        pytest.param({"constants": {"system": {"visibility": "everyone"}}}, id="unknown-visibility"),
        pytest.param({"properties": {"system": {"closed": "yes"}}}, id="closed-not-bool"),
        pytest.param([], id="not-an-object"),
    ],
)
def test_contract_breaking_bodies_are_rejected_by_the_request_schema(body) -> None:
    assert schema_errors("SessionRequest", body)


def test_operations_document_their_statuses_and_media_types() -> None:
    paths = load_openapi()["paths"]
    session = "/serviceconfigs/{scid}/sessiontemplates/{sessionTemplateName}/sessions/{sessionName}"
    put, get = paths[session]["put"]["responses"], paths[session]["get"]["responses"]
    props = paths[session + "/properties"]["put"]["responses"]
    assert {"200", "201", "204", "400", "403", "404", "405", "409", "412", "429"} <= set(put)
    assert {"200", "204", "304", "400", "403", "404", "429"} <= set(get)
    assert {"200", "400", "404", "412"} <= set(props)
    responses = load_openapi()["components"]["responses"]
    for name in ("BadRequest", "NotFound", "MethodNotAllowed", "Conflict"):
        assert set(responses[name]["content"]) == {"text/plain"}
    assert set(responses["Forbidden"]["content"]) == {"text/plain", "application/json"}
    assert "Retry-After" in responses["TooManyRequests"]["headers"]


def test_links_chain_put_to_get_and_to_a_conditional_properties_update() -> None:
    links = load_openapi()["components"]["links"]
    assert links["GetSession"]["operationId"] == "getSession"
    assert links["PutSessionPropertiesIfMatch"]["parameters"]["header.If-Match"] == "$response.header.ETag"


@pytest.mark.parametrize(
    "path", corpus_files("put-request__*.json") + corpus_files("session-doc*.json"), ids=lambda p: p.name
)
def test_the_fast_validator_agrees_with_jsonschema(path) -> None:
    schema = "SessionRequest" if path.name.startswith("put-request") else "MultiplayerSession"
    body = load_json(path)
    assert is_valid(schema, body) == (schema_errors(schema, body) == [])


@pytest.mark.parametrize("schema", ["SessionRequest", "MultiplayerSession"])
def test_a_schema_with_its_references_resolved_finds_the_errors_the_document_does(schema) -> None:
    """spec.validator resolves each $ref once, not at every instance: on every real payload with
    one part at a time wrongly typed, the same errors (where, and what; the path through the
    schema has no "$ref" step any more), in the same order, and the same one chosen to explain a
    400, as resolving them where they stand (the registry jsonschema resolves them through)."""
    pattern = "put-request__*.json" if schema == "SessionRequest" else "session-doc*.json"
    by_registry = Draft202012Validator({"$ref": f"{_URN}#/components/schemas/{schema}"}, registry=_registry())
    resolved = validator(schema)
    assert "$ref" not in json.dumps(resolved.schema)

    def errors(checker: Draft202012Validator, instance: object) -> list[tuple[str, str, str]]:
        found = list(checker.iter_errors(instance))
        best = best_match(found)
        chosen = ("best", best.json_path, best.message) if best else ("best", "", "")
        return [(e.json_path, e.message, str(e.validator)) for e in found] + [chosen]

    compared = 0
    for path in corpus_files(pattern):
        for instance in broken_once(load_json(path)):
            assert errors(resolved, instance) == errors(by_registry, instance), path.name
            compared += 1
    assert compared > 500


def test_a_reference_that_cannot_be_replaced_by_its_target_is_left_to_the_registry() -> None:
    """Replacing a $ref beside other keywords would drop or reorder them; one that points nowhere
    is the registry's to report. A "$ref" inside an instance (an enum, an example) is data."""
    with pytest.raises(ValueError, match="cannot be resolved in place"):
        _resolved({"$ref": "#/components/schemas/Xuid", "description": "the caller"})
    with pytest.raises(ValueError, match="points nowhere"):
        _resolved({"$ref": "#/components/schemas/NoSuchSchema"})
    data = {"enum": [{"$ref": "#/components/schemas/Xuid"}], "examples": [{"$ref": "x"}]}
    assert _resolved(data) == data
