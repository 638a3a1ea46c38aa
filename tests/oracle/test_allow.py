"""The latitude model decides what the oracle allows: every latitude is honoured, and no more."""

from __future__ import annotations

from conformance.latitude import latitudes
from conformance.oracle.allow import RULES, allowing, next_timer, timer_may_have_acted, unknown_entries
from conformance.oracle.compare import Diff
from conformance.oracle.normalize import STEPS

from .answers import answer, request, session


def _status(target: int, reference: int) -> Diff:
    return Diff("status", "status", "status", target, reference)


def test_every_latitude_says_how_the_oracle_honours_it_with_a_rule_or_step_it_has() -> None:
    assert unknown_entries() == []
    named = {lat.oracle.get("allow") or lat.oracle.get("normalized") for lat in latitudes()}
    assert named <= set(RULES) | set(STEPS)


def test_any_4xx_is_allowed_where_the_reference_refused_with_a_status_no_document_names() -> None:
    valid = request(body={"members": {"me": {}}, "nonsense": 1})
    assert allowing(_status(422, 400), valid, answer(status=422), answer(status=400)) == (
        "refusal-status",
        False,
    )
    assert allowing(_status(404, 400), valid, answer(status=404), answer(status=400)) == (
        "refusal-status",
        False,
    )
    assert allowing(_status(500, 400), valid, answer(status=500), answer(status=400)) is None
    assert allowing(_status(400, 422), valid, answer(status=400), answer(status=422)) is None


def test_malformed_json_keeps_the_400_c1_names_unless_something_else_refused_it_first() -> None:
    malformed = request(body=b'{"members": ')
    assert allowing(_status(422, 400), malformed, answer(status=422), answer(status=400)) is None
    unversioned = request(body=b'{"members": ', version=None)
    assert allowing(_status(422, 400), unversioned, answer(status=422), answer(status=400)) is not None
    xml = request(body=b"<session/>", content_type="application/xml")
    assert allowing(_status(422, 400), xml, answer(status=422), answer(status=400)) is not None


def test_an_error_body_no_document_describes_may_be_any_type() -> None:
    typed = Diff("header", "Content-Type", "Content-Type", "application/json", "text/plain")
    sent = request()
    assert (
        allowing(typed, sent, answer("{}", status=401), answer("x", status=401, media="text/plain"))
        is not None
    )
    assert (
        allowing(typed, sent, answer("{}", status=400), answer("x", status=400, media="text/plain")) is None
    )
    # A 412 with the current session is described (C1); only the reference's bare 412 leaves it open.
    bare = answer(None, status=412, etag=None, media=None)
    assert allowing(typed, sent, answer("x", status=412, media="text/plain"), bare) is not None
    assert allowing(typed, sent, answer("x", status=412), answer(session(), status=412)) is None


def test_405_or_501_for_an_unknown_method() -> None:
    sent = request("PATCH")
    assert allowing(_status(501, 405), sent, answer(status=501), answer(status=405)) is not None
    assert allowing(_status(404, 405), sent, answer(status=404), answer(status=405)) is None


def test_a_blank_condition_read_either_way_is_allowed_and_sets_the_session_apart() -> None:
    blank = request(body={}, If_Match=" ")
    found = allowing(_status(200, 412), blank, answer(status=200), answer(status=412))
    assert found == ("empty-conditional-headers", True)
    assert (
        allowing(_status(200, 412), request(body={}, If_Match="x"), answer(status=200), answer(status=412))
        is None
    )


def test_an_etag_or_none_on_a_nocommit_answer() -> None:
    etag = Diff("header", "ETag", "ETag", "absent", "present")
    nocommit = request(url="http://h/serviceconfigs/s/sessiontemplates/t/sessions/n?nocommit=true")
    assert allowing(etag, nocommit, answer(etag=None), answer()) is not None
    assert allowing(etag, request(), answer(etag=None), answer()) is None


def test_a_timer_may_have_acted_from_shortly_before_the_earliest_instant_announced() -> None:
    due = next_timer(
        [
            answer(session(nextTimer="2026-12-06T10:00:10Z")),
            answer(session(nextTimer="2026-12-06T10:00:09.5+00:00")),
        ]
    )
    assert due is not None
    assert timer_may_have_acted(due, due - 1)
    assert not timer_may_have_acted(due, due - 5)
    assert not timer_may_have_acted(None, due)
    assert next_timer([answer(session()), answer("not json")]) is None
