"""Normalization: each volatile value of an answer is compared only by what may be compared of it."""

from __future__ import annotations

import json

from conformance.oracle.compare import Diff, differences
from conformance.oracle.document import operation_of
from conformance.oracle.normalize import ABSENT, Memory, normalize

from .answers import GET, PUT, answer, session


def _diffs(target_answers, reference_answers, operation=PUT, nocommit=False) -> list[list[Diff]]:
    """The differences of each pair, the two sides' memories kept across the pairs as in a session."""
    mine, theirs = Memory(), Memory()
    return [
        differences(
            normalize(t, operation, mine, nocommit=nocommit),
            normalize(r, operation, theirs, nocommit=nocommit),
        )
        for t, r in zip(target_answers, reference_answers, strict=True)
    ]


def _where(found: list[Diff]) -> list[tuple[str, str]]:
    return [(d.part, d.path) for d in found]


def test_an_etag_is_compared_by_when_it_first_appeared_in_any_form() -> None:
    same = _diffs(
        [answer(session(), etag="a"), answer(session(change=2), status=200, etag="b")],
        [answer(session(), etag='"X-1"'), answer(session(change=2), status=200, etag='W/"X-2"')],
    )
    assert same == [[], []]
    kept = _diffs(
        [answer(session(), etag="a"), answer(session(change=2), status=200, etag="a")],
        [answer(session(), etag="x"), answer(session(change=2), status=200, etag="y")],
    )
    assert kept[1] == [Diff("header", "ETag", "ETag", "#1", "#2")]


def test_an_etag_missing_where_the_document_names_one_differs() -> None:
    assert _where(_diffs([answer(session(), etag=None)], [answer(session())])[0]) == [("header", "ETag")]


def test_correlation_id_and_branch_compare_by_first_appearance_in_any_case() -> None:
    upper = session(
        correlationId="C0FFEE00-0000-4000-8000-000000000001", branch="5A1F0E34-0000-4000-8000-000000000001"
    )
    assert _diffs([answer(upper)], [answer(session())]) == [[]]
    minted = session(change=2, correlationId="0ddba11-new")
    found = _diffs(
        [answer(session()), answer(minted, status=200)],
        [answer(session()), answer(session(change=2), status=200)],
    )
    assert found[1] == [Diff("body", "correlationId", "correlationId", "#2", "#1")]


def test_a_change_number_is_compared_by_the_changes_it_counts_not_where_it_starts() -> None:
    starts_at_ten = _diffs(
        [answer(session(change=10)), answer(session(change=11), status=200, etag="e2")],
        [answer(session(change=1)), answer(session(change=2), status=200, etag="e2")],
    )
    assert starts_at_ten == [[], []]
    frozen = _diffs(
        [answer(session(change=1)), answer(session(change=1), status=200, etag="e2")],
        [answer(session(change=1)), answer(session(change=2), status=200, etag="e2")],
    )
    assert frozen[1] == [Diff("body", "changeNumber", "changeNumber", "#1", "#2")]


def test_times_compare_as_present_whatever_their_digits_and_designator() -> None:
    other = session(startTime="2026-12-06T10:00:05.1234567+00:00", nextTimer="2026-12-06T10:01:00Z")
    mine = session(startTime="2026-12-06T10:00:05Z", nextTimer="2026-12-06T10:02:00.5Z")
    assert _diffs([answer(mine, Expires="Sun, 06 Dec 2026 10:02:01 GMT")], [answer(other, Expires="x")]) == [
        []
    ]
    as_number = session(startTime=1765015205)
    assert _diffs([answer(as_number)], [answer(session())])[0] == [
        Diff("body", "startTime", "startTime", "<number, not a time>", "<time>")
    ]
    assert _where(_diffs([answer(session())], [answer(session(), Expires="x")])[0]) == [("header", "Expires")]


def test_device_tokens_and_the_title_compare_by_first_appearance_in_the_run() -> None:
    def devices(first: str, second: str, title: str) -> dict:
        document = session((0, 1))
        document["members"]["0"].update(deviceToken=first, activeTitleId=title)
        document["members"]["1"].update(deviceToken=second, activeTitleId=title)
        document["properties"]["system"]["host"] = first
        document["hostCandidates"] = [second, first]
        return document

    assert _diffs([answer(devices("d-a", "d-b", "1"))], [answer(devices("x", "y", "1297290208"))]) == [[]]
    one_device = _diffs([answer(devices("d-a", "d-a", "1"))], [answer(devices("x", "y", "2"))])[0]
    assert ("body", "members.#1.deviceToken") in _where(one_device)


def test_member_indices_compare_by_rank_wherever_they_start_and_however_far_apart() -> None:
    spaced = session((7, 10, 13))
    spaced["properties"]["system"].update(turn=[10, 7], owners=[13])
    dense = session((0, 1, 2))
    dense["properties"]["system"].update(turn=[1, 0], owners=[2])
    assert _diffs([answer(spaced)], [answer(dense)]) == [[]]
    dense["properties"]["system"]["owners"] = [0]
    assert _diffs([answer(spaced)], [answer(dense)])[0] == [
        Diff("body", "properties.system.owners", "properties.system.owners", ["#2"], ["#0"])
    ]


def test_only_what_the_document_names_is_compared() -> None:
    extra = session(undocumented={"service": "x"})
    extra["members"]["0"]["undocumented"] = 1
    extra["constants"]["system"]["notInTheDocument"] = True
    assert _diffs([answer(extra, X_Extra="1")], [answer(session())]) == [[]]


def test_custom_values_are_compared_key_by_key_and_their_keys_are_free() -> None:
    mine, theirs = session(), session()
    mine["properties"]["custom"] = {"game": "chess", "nested": {"a": 1}}
    theirs["properties"]["custom"] = {"game": "chess", "nested": {"a": 2}}
    assert _diffs([answer(mine)], [answer(theirs)])[0] == [
        Diff("body", "properties.custom.nested.a", "properties.custom.*.*", 1, 2)
    ]


def test_header_names_key_order_and_media_types_are_read_in_any_case() -> None:
    reversed_keys = json.loads(json.dumps(dict(reversed(list(session().items())))))
    target = answer(reversed_keys, media="APPLICATION/JSON; CHARSET=UTF-8")
    target = target.__class__(target.status, tuple((k.upper(), v) for k, v in target.headers), target.body)
    assert _diffs([target], [answer(session())]) == [[]]


def test_a_text_body_is_compared_as_present_never_by_its_words() -> None:
    def refusal(text: str) -> object:
        return answer(text, status=404, etag=None, media="text/plain; charset=utf-8")

    assert _diffs([refusal("requested session wasn't found")], [refusal("no such session")]) == [[]]
    assert _diffs([refusal("")], [refusal("no such session")])[0] == [
        Diff("body", "body", "body", "<empty>", "<text>")
    ]


def test_different_statuses_are_the_whole_difference() -> None:
    assert _diffs([answer(session(), status=200)], [answer(session(), etag="x")])[0] == [
        Diff("status", "status", "status", 200, 201)
    ]


def test_a_status_the_document_does_not_have_for_the_operation_compares_nothing_else() -> None:
    assert _diffs(
        [answer('{"error": 1}', status=422, etag=None)],
        [answer("bad", status=422, etag=None, media="text/plain")],
    ) == [[]]
    assert normalize(answer(b"x", status=200), operation_of("DELETE", "http://h/x"), Memory()).keys() == {
        "status status"
    }


def test_a_content_type_that_differs_stands_for_its_body() -> None:
    found = _diffs(
        [answer('{"error": "bad"}', status=400, etag=None)],
        [answer("bad", status=400, etag=None, media="text/plain")],
    )
    assert _where(found[0]) == [("header", "Content-Type")]


def test_a_nocommit_answer_shows_whether_it_has_an_etag_and_spends_no_token() -> None:
    found = _diffs([answer(session(), etag="n1")], [answer(session(), etag=None)], nocommit=True)
    assert found == [[Diff("header", "ETag", "ETag", "present", ABSENT)]]
    memory = Memory()
    normalize(answer(session(), etag="n1"), PUT, memory, nocommit=True)
    assert normalize(answer(session(), etag="e9"), PUT, memory)["header ETag"].value == "#1"


def test_a_read_is_normalized_as_a_write_is() -> None:
    assert _diffs(
        [answer(session(), status=200)], [answer(session(), status=200, etag="x")], operation=GET
    ) == [[]]
    assert _diffs([answer(None, status=304)], [answer(None, status=304, etag="x")], operation=GET) == [[]]
