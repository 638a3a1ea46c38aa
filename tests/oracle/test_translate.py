"""A request reaches the reference with the reference's own ETags and member indices."""

from __future__ import annotations

import json

from conformance.oracle.translate import Translation

from .answers import answer, request, session

SESSION = "scid/t/s1"


def test_an_etag_the_target_minted_becomes_the_one_the_reference_minted_for_that_answer() -> None:
    table = Translation()
    table.learn(SESSION, answer(session(), etag='"t-1"'), answer(session(), etag="R-1"))
    table.learn(SESSION, answer(session(), etag='W/"t-2"'), answer(session(), etag="R-2"))
    assert table.request(SESSION, request(If_Match='"t-1"')).header("If-Match") == "R-1"
    assert table.request(SESSION, request(If_Match="t-2")).header("If-Match") == "R-2"
    assert table.request(SESSION, request(If_None_Match='"t-1", "t-2"')).header("If-None-Match") == "R-1, R-2"


def test_what_the_reference_never_saw_goes_as_it_went() -> None:
    table = Translation()
    table.learn(SESSION, answer(session(), etag="t-1"), answer(session(), etag="R-1"))
    for value in ("*", "made-up", ""):
        assert table.request(SESSION, request(If_Match=value)).header("If-Match") == value
    assert table.request("another/session/name", request(If_Match="t-1")).header("If-Match") == "t-1"


def test_member_indices_a_server_writes_become_the_references() -> None:
    table = Translation()
    table.learn(SESSION, answer(session((7, 10))), answer(session((0, 1))))
    sent = request(body={"members": {"10": None, "me": {}}, "properties": {"system": {"turn": [7, 10]}}})
    assert json.loads(table.request(SESSION, sent).body or b"") == {
        "members": {"1": None, "me": {}},
        "properties": {"system": {"turn": [0, 1]}},
    }


def test_a_body_is_sent_byte_for_byte_when_nothing_in_it_needs_translating() -> None:
    table = Translation()
    table.learn(SESSION, answer(session((0, 1))), answer(session((0, 1))))
    raw = b'{"members": {"1": null},   "x": 1}'
    assert table.request(SESSION, request(body=raw)).body == raw
    assert table.request(SESSION, request(body=b"not json")).body == b"not json"
