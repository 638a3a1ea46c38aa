"""Reading a session back (S2, C1)."""

from __future__ import annotations

import pytest

from conformance import bodies
from conformance.expect import expect
from conformance.scenarios import requirement


@requirement("GET-READ")
def test_a_read_returns_what_the_last_write_returned(mpsd):
    created = mpsd.create()
    mpsd.join(mpsd.user(2), created.name)
    last = mpsd.document(
        mpsd.arrange(mpsd.user(1).put(created.name, bodies.custom(round=2)), 200, what="an update"),
        "an update",
    )
    response = mpsd.user(1).get(created.name)
    expect(response).status(200).media_type("application/json")
    for part in ("members", "properties", "constants"):
        expect(response).at(part).equals(last.get(part))  # as the last write returned it


@requirement("GET-304")
def test_a_read_with_the_current_etag_is_not_modified(mpsd):
    created = mpsd.create()
    response = mpsd.user(1).get(created.name, if_none_match=mpsd.etag(created.response))
    expect(response).status(304).no_body()


@requirement("GET-304")
def test_a_read_with_an_old_etag_returns_the_session(mpsd):
    created = mpsd.create()
    old = mpsd.etag(created.response)
    mpsd.arrange(mpsd.user(1).put(created.name, bodies.custom(changed=True)), 200, what="an update")
    response = mpsd.user(1).get(created.name, if_none_match=old)
    expect(response).status(200)


@requirement("GET-ABSENT-204")
def test_reading_a_missing_session_answers_204(mpsd):
    response = mpsd.user(1).get(mpsd.new_name())
    expect(response).status(204).no_body()


@requirement("GET-READ")
@pytest.mark.parametrize("version", [104, 105, 107])
def test_a_read_finds_the_session_in_every_contract_version(mpsd, version):
    created = mpsd.create()
    response = mpsd.user(1).get(created.name, contract_version=version)
    expect(response).status(200).at("correlationId").equals(created.session.get("correlationId"))
