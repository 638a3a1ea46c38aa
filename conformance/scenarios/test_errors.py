"""Bad requests, wrong verbs, unknown templates, and what the docs leave open (S1, C1, G1, G2)."""

from __future__ import annotations

import json

import pytest

from conformance import bodies
from conformance.expect import expect, observe
from conformance.http.client import NO_HEADER
from conformance.scenarios import requirement


@requirement("BODY-UNKNOWN-KEY")
def test_an_unknown_top_level_member_is_rejected(mpsd):
    created = mpsd.create()
    response = mpsd.user(1).put(created.name, {"foo": {}, "properties": {"custom": {"attempt": 1}}})
    expect(response).rejected()
    expect(mpsd.read_back(created.name)).at("properties.custom.attempt").absent()


@requirement("BODY-MALFORMED-400")
def test_malformed_json_is_answered_400_with_a_reason(mpsd):
    created = mpsd.create()
    response = mpsd.user(1).put(created.name, raw=b'{"properties": {"custom": ')
    expect(response).status(400).reason()


def _trigger_400(mpsd):
    return mpsd.user(1).put(mpsd.create().name, raw=b"{not json")


def _trigger_403(mpsd):
    return mpsd.user(1).put(mpsd.create().name, {"servers": {"game": {"properties": {"custom": {}}}}})


def _trigger_404(mpsd):
    return mpsd.user(1).put(mpsd.new_name(), {"custom": {}}, properties=True)


def _trigger_405(mpsd):
    user = mpsd.user(1)
    return user.send("POST", user.session_url(mpsd.new_name()), {"Content-Type": "application/json"}, b"{}")


def _trigger_409(mpsd):
    return mpsd.user(1).put(
        mpsd.create(None, bodies.constants(maxMembersCount=5)).name, bodies.constants(maxMembersCount=6)
    )


@requirement("ERR-TEXT-PLAIN")
@pytest.mark.parametrize(
    "trigger",
    [_trigger_400, _trigger_403, _trigger_404, _trigger_405, _trigger_409],
    ids=["400", "403", "404", "405", "409"],
)
def test_error_answers_are_text_plain(mpsd, trigger):
    response = trigger(mpsd)
    if response.status not in (400, 403, 404, 405, 409):
        raise mpsd.blocked(f"the trigger answered {response.status}, not one of 400/403/404/405/409")
    expect(response).text_reason()


BAD_BODIES = {
    "malformed-json": (b'{"members": {"me": ', "application/json"),
    "json-array": (b"[1, 2, 3]", "application/json"),
    "json-string": (b'"session"', "application/json"),
    "wrong-type-constant": (json.dumps(bodies.constants(maxMembersCount="ten")).encode(), "application/json"),
    "wrong-type-member": (b'{"members": {"me": "1234"}}', "application/json"),
    "wrong-type-property": (b'{"properties": {"system": {"closed": "yes"}}}', "application/json"),
    "deep-nesting": (
        b'{"properties": {"custom": ' + b'{"a": ' * 5000 + b"1" + b"}" * 5000 + b"}}",
        "application/json",
    ),
    "wrong-content-type": (b"<session/>", "application/xml"),
    "empty-body": (b"", "application/json"),
    "invalid-utf8": (b'{"properties": {"custom": {"k": "\xff\xfe"}}}', "application/json"),
}


@requirement("SRV-NO-5XX")
@pytest.mark.parametrize("case", sorted(BAD_BODIES))
def test_bad_input_never_causes_a_server_error(mpsd, case):
    created = mpsd.create()
    payload, content_type = BAD_BODIES[case]
    response = mpsd.user(1).put(created.name, raw=payload, content_type=content_type)
    observe("status", response.status)
    expect(response).value(response.status, "the status").satisfies(
        lambda status: status < 500, "below 500 (bad input is the caller's error)"
    )


@requirement("METHOD-405")
def test_post_on_the_session_uri_answers_405(mpsd):
    user = mpsd.user(1)
    response = user.send(
        "POST", user.session_url(mpsd.create().name), {"Content-Type": "application/json"}, b"{}"
    )
    expect(response).status(405)


@requirement("URI-UNKNOWN-TEMPLATE-404")
def test_a_put_under_an_unknown_template_answers_404(mpsd):
    user = mpsd.user(1)
    response = user.put(
        mpsd.new_name(), bodies.join(user.xuid), template=f"no-such-template-{mpsd.new_name()}"
    )
    expect(response).status(404)


@requirement("PATH-TEMPLATES-CAMELCASE")
def test_the_clients_sessiontemplates_spelling_reaches_the_same_session(mpsd):
    created = mpsd.create()
    response = mpsd.user(1).get(created.name, segment="sessionTemplates")
    expect(response).status(200).at("correlationId").equals(created.session.get("correlationId"))


@requirement("SESSION-NAME-CASE")
def test_whether_session_names_ignore_case_is_recorded(mpsd):
    created = mpsd.create()
    response = mpsd.user(1).get(created.name.upper())
    observe("upper_case_name_status", response.status)
    expect(response).status(200)


@requirement("AUTH-MISSING")
def test_the_answer_without_credentials_is_recorded(mpsd):
    response = mpsd.anonymous.get(mpsd.new_name())
    observe("status", response.status)
    expect(response).status(401)


@requirement("AUTH-MISSING")
def test_the_answer_to_unknown_credentials_is_recorded(mpsd):
    response = mpsd.stranger("XBL3.0 x=-;mpsd-conformance-unknown-token").get(mpsd.new_name())
    observe("status", response.status)
    expect(response).status(401)


@requirement("CV-MISSING")
@pytest.mark.parametrize("version", [NO_HEADER, "103", "garbage"], ids=["missing", "103", "garbage"])
def test_the_answer_to_a_missing_or_unsupported_contract_version_is_recorded(mpsd, version):
    response = mpsd.user(1).get(mpsd.new_name(), contract_version=version)
    observe("status", response.status)
    expect(response).rejected()


INVALID_BODIES = {
    "wrong-type-system-field": {"properties": {"system": {"closed": "yes"}, "custom": {"attempt": 1}}},
    "member-as-string": {"members": {"me": "1234"}, "properties": {"custom": {"attempt": 1}}},
    "reservation-as-list": {"members": {"reserve_0": [{}]}, "properties": {"custom": {"attempt": 1}}},
}


@requirement("BODY-INVALID-REJECTED")
@pytest.mark.parametrize("case", sorted(INVALID_BODIES))
def test_a_body_that_breaks_the_schema_is_rejected(mpsd, case):
    created = mpsd.create()
    response = mpsd.user(1).put(created.name, INVALID_BODIES[case])
    expect(response).rejected()
    expect(mpsd.read_back(created.name)).at("properties.custom.attempt").absent()


@requirement("AUTH-REQUIRED")
def test_a_request_without_credentials_is_refused(mpsd):
    response = mpsd.anonymous.get(mpsd.new_name())
    expect(response).rejected()


@requirement("AUTH-REQUIRED")
def test_a_request_with_unknown_credentials_is_refused(mpsd):
    response = mpsd.stranger("XBL3.0 x=-;mpsd-conformance-unknown-token").get(mpsd.new_name())
    expect(response).rejected()
