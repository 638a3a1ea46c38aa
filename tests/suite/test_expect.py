"""The ledger's status rule is the law, an answer that is no verdict blocks instead of failing, and
every failure says what came back."""

from __future__ import annotations

import ast
import inspect
import json
from pathlib import Path
from typing import Any

import pytest
from requests.structures import CaseInsensitiveDict

from conformance import scenarios
from conformance.expect import ConformanceFailure, expect, judging
from conformance.http.client import Response
from conformance.http.exchange import Exchange, HttpRequest, HttpResponse
from conformance.ledger import load_ledger
from conformance.outcomes import Blocked, HarnessError

LEDGER = load_ledger()
INPUT = LEDGER.get("BODY-UNKNOWN-KEY")  # any-4xx, a refusal of the request's content
ACCESS = LEDGER.get("VIS-VISIBLE-JOIN")  # any-4xx, a refusal of access
EXACT = LEDGER.get("PUT-CREATE-201")  # documented statuses


def answer(status: int) -> Response:
    exchange = Exchange(
        method="PUT",
        url="http://t.test/s",
        request=HttpRequest({}, "{}"),
        response=HttpResponse(status, {}, ""),
        elapsed_ms=1.0,
        curl="curl http://t.test/s",
    )
    return Response(status, CaseInsensitiveDict({"Content-Type": "text/plain"}), b"no", exchange)


def document(doc: Any, status: int = 200, **headers: str) -> Response:
    """An answer carrying ``doc`` as its JSON body."""
    body = json.dumps(doc)
    fields = {"Content-Type": "application/json", **headers}
    exchange = Exchange(
        method="GET",
        url="http://t.test/s",
        request=HttpRequest({}, None),
        response=HttpResponse(status, fields, body),
        elapsed_ms=1.0,
        curl="curl http://t.test/s",
    )
    return Response(status, CaseInsensitiveDict(fields), body.encode(), exchange)


def member(xuid: str, **extra: Any) -> dict[str, Any]:
    return {"constants": {"system": {"xuid": xuid}}, **extra}


SESSION = {
    "membersInfo": {"first": 0, "next": 2, "count": 2, "accepted": 1},
    "members": {
        "0": member("2814000000000001", next=1, properties={"custom": {"who": "creator"}}),
        "1": member("2814000000000002", next=2, reserved=True),
    },
    "properties": {"custom": {"attempt": 1, "cleared": None}},
}


def failure(check) -> str:
    """The first line of the failure ``check`` raises: what was expected, and what came back."""
    with pytest.raises(ConformanceFailure) as caught:
        check()
    return str(caught.value).splitlines()[0]


@pytest.mark.parametrize("status", [400, 404, 409, 422])
def test_any_4xx_refusal_of_input_passes_and_records_the_code(status) -> None:
    with judging((INPUT,)) as judgement:
        expect(answer(status)).rejected()
    assert judgement.observations == {"status": status}
    assert len(judgement.judged) == 1


@pytest.mark.parametrize(
    ("status", "cause"),
    [(401, "credentials"), (403, "precondition"), (408, "transport"), (429, "throttled"),
     (500, "precondition"), (503, "overloaded")],
)  # fmt: skip
def test_answers_that_do_not_refuse_the_input_block_the_check(status, cause) -> None:
    with judging((INPUT,)), pytest.raises(Blocked) as caught:
        expect(answer(status)).rejected()
    assert caught.value.cause == cause
    assert str(status) in caught.value.reason


def test_a_403_refuses_access_where_the_requirement_is_about_access() -> None:
    with judging((ACCESS,)):
        expect(answer(403)).rejected()
    with judging((ACCESS,)), pytest.raises(Blocked):
        expect(answer(401)).rejected()


def test_an_accepted_invalid_request_fails() -> None:
    with judging((INPUT,)), pytest.raises(ConformanceFailure, match="refused with a 4xx; got 200"):
        expect(answer(200)).rejected()


def test_a_check_may_not_demand_a_narrower_refusal_than_its_ledger_entry() -> None:
    with judging((INPUT,)), pytest.raises(HarnessError, match="any 4xx"):
        expect(answer(412)).status(412)
    with judging((INPUT,)):
        expect(answer(200)).status(200)  # a success it may name


def test_rejected_is_only_for_requirements_without_a_documented_status() -> None:
    with judging((EXACT,)), pytest.raises(HarnessError, match="names its status"):
        expect(answer(400)).rejected()


@pytest.mark.parametrize("status", [401, 408, 429, 503])
def test_an_exact_status_check_is_blocked_by_an_answer_that_is_no_verdict(status) -> None:
    with judging((EXACT,)), pytest.raises(Blocked):
        expect(answer(status)).status(201)


@pytest.mark.parametrize("status", [200, 403, 500])
def test_an_exact_status_check_fails_on_any_other_answer(status) -> None:
    with judging((EXACT,)), pytest.raises(ConformanceFailure, match=f"status 201; got {status}"):
        expect(answer(status)).status(201)


def _scenario_checks():
    for path in sorted(Path(inspect.getfile(scenarios)).parent.glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                marks = [
                    d for d in node.decorator_list
                    if isinstance(d, ast.Call) and getattr(d.func, "id", "") == "requirement"
                ]  # fmt: skip
                ids = [a.value for m in marks for a in m.args if isinstance(a, ast.Constant)]
                yield f"{path.name}::{node.name}", ids, node


def _demanded_4xx(node: ast.FunctionDef) -> list[int]:
    """Statuses 4xx the check names: ``.status(412)``, ``response.status == 412``, or a status
    read as a value, ``.equals(412)``."""
    found = []
    for call in ast.walk(node):
        if isinstance(call, ast.Call) and getattr(call.func, "attr", "") in ("status", "equals"):
            found += [a.value for a in call.args if isinstance(a, ast.Constant) and _is_4xx(a.value)]
        demands = isinstance(call, ast.Compare) and all(isinstance(op, ast.Eq | ast.In) for op in call.ops)
        if demands and getattr(call.left, "attr", "") == "status":  # ``status >= 400`` asks, not demands
            found += [c.value for c in call.comparators if isinstance(c, ast.Constant) and _is_4xx(c.value)]
    return found


def _is_4xx(value: object) -> bool:
    return isinstance(value, int) and 400 <= value < 500


def test_no_scenario_demands_a_status_its_ledger_entry_leaves_open() -> None:
    checked = 0
    for name, ids, node in _scenario_checks():
        if any(LEDGER.get(i).any_4xx for i in ids):
            checked += 1
            assert _demanded_4xx(node) == [], name
    assert checked >= 15


def test_the_scan_sees_every_way_of_demanding_a_status() -> None:
    source = (
        "def test_x(r):\n    expect(r).status(412)\n    if r.status == 409:\n        pass\n"
        "    expect(r).value(r.status, 'the status').equals(422)\n"
    )
    node = ast.parse(source).body[0]
    assert sorted(_demanded_4xx(node)) == [409, 412, 422]


# -- failures say what came back -------------------------------------------------------------------
def test_a_value_failure_shows_the_value_that_came_back() -> None:
    response = document(SESSION)
    assert failure(lambda: expect(response).at("membersInfo.count").equals(1)) == (
        "expected membersInfo.count 1; got 2"
    )
    assert failure(lambda: expect(response).at("properties.custom.attempt").absent()) == (
        "expected no properties.custom.attempt; got 1"
    )
    assert failure(lambda: expect(response).at("membersInfo.first").above(0)) == (
        "expected membersInfo.first above 0; got 0"
    )
    assert failure(lambda: expect(response).at("membersInfo.accepted").changed_by(+1, since=1)) == (
        "expected membersInfo.accepted 1 + 1; got 1"
    )
    assert failure(lambda: expect(response).at("membersInfo.next").differs_from(2)) == (
        "expected membersInfo.next other than 2; got 2"
    )


def test_missing_and_null_are_both_no_value_but_the_message_tells_them_apart() -> None:
    response = document(SESSION)
    expect(response).at("properties.custom.cleared").absent()
    expect(response).at("properties.custom.never").absent()
    assert failure(lambda: expect(response).at("properties.custom.cleared").present()).endswith("got None")
    assert failure(lambda: expect(response).at("properties.custom.never").present()).endswith("got absent")
    assert failure(lambda: expect(response).at("nextTimer").equals("2026-11-29T00:00:00Z")).endswith(
        "got absent"
    )


def test_equal_means_equal_as_json_values() -> None:
    response = document({"flag": 1, "count": True})
    assert failure(lambda: expect(response).at("flag").equals(True)) == "expected flag True; got 1"
    assert failure(lambda: expect(response).at("count").equals(1)) == "expected count 1; got True"


def test_a_member_is_found_by_xuid_and_named_by_its_index() -> None:
    response = document(SESSION)
    expect(response).member("2814000000000001").at("properties.custom.who").equals("creator")
    expect(response).index_of("2814000000000002").equals("1")
    expect(response).member("2814000000000003").absent()
    assert failure(
        lambda: expect(response).member("2814000000000001").at("properties.custom.who").equals("x")
    ) == ("expected member 0 (xuid 2814000000000001).properties.custom.who 'x'; got 'creator'")
    assert failure(lambda: expect(response).member("2814000000000002").absent()).startswith(
        "expected no member 1 (xuid 2814000000000002); got {'constants': {'system': {'xuid': '28140"
    )


def test_a_missing_member_shows_the_members_that_came_back() -> None:
    response = document(SESSION)
    roster = "no such member (members 0: 2814000000000001, 1: 2814000000000002)"
    assert failure(lambda: expect(response).member("2814000000000009").present()) == (
        f"expected the member with xuid 2814000000000009 present; got {roster}"
    )
    assert failure(lambda: expect(response).member("2814000000000009").at("reserved").equals(True)) == (
        f"expected the member with xuid 2814000000000009.reserved True; got {roster}"
    )
    assert failure(lambda: expect(response).index_of("2814000000000009").equals("2")).endswith(roster)
    assert failure(lambda: expect(document({"members": {}})).member("1").present()).endswith(
        "no such member (no members)"
    )


def test_member_keys_and_the_member_chain() -> None:
    response = document(SESSION)
    expect(response).member_keys().equals(["0", "1"])
    assert failure(lambda: expect(response).member_keys().equals(["me"])) == (
        "expected the keys of members ['me']; got ['0', '1']"
    )
    assert expect(response).member_chain() == [0, 1]
    broken = {**SESSION, "membersInfo": {**SESSION["membersInfo"], "first": 5}}
    assert failure(lambda: expect(document(broken)).member_chain()) == (
        "expected membersInfo.first -> next ... -> membersInfo.next over every member; "
        "got the chain reaches index 5, which is not a member"
    )


def test_a_header_is_a_value_and_an_empty_one_is_absent() -> None:
    response = document(SESSION, ETag='"v2"', Expires="")
    expect(response).header("ETag").present()
    assert failure(lambda: expect(response).header("ETag").equals('"v1"')) == (
        """expected the ETag header '"v1"'; got '"v2"'"""
    )
    assert failure(lambda: expect(response).header("Expires").present()) == (
        "expected the Expires header present; got absent"
    )


def test_a_derived_value_fails_with_itself() -> None:
    statuses = [200, 200, 412]
    assert (
        failure(
            lambda: (
                expect(answer(200))
                .value(statuses, "the statuses")
                .satisfies(lambda found: found.count(200) == 1, "one 200")
            )
        )
        == "expected the statuses one 200; got [200, 200, 412]"
    )


def test_an_empty_reason_is_shown_as_it_came() -> None:
    empty = answer(400)
    empty = Response(400, empty.headers, b"  ", empty.exchange)
    assert failure(lambda: expect(empty).reason()) == "expected a non-empty reason in the body; got '  '"
    expect(answer(400)).text_reason()


@pytest.mark.parametrize("status", [204, 404])
def test_no_session_passes_on_a_read_that_finds_none(status) -> None:
    with judging((EXACT,)) as judgement:
        expect(answer(status)).no_session()
    assert len(judgement.judged) == 1


def test_no_session_fails_on_a_stored_session_and_blocks_on_an_answer_that_cannot_say() -> None:
    assert failure(lambda: expect(document(SESSION)).no_session()).endswith("got 200 with a session document")
    assert failure(lambda: expect(answer(403)).no_session()).endswith("got 403")
    for unclear in (answer(500), answer(429), document({"not": "a session"})):
        with pytest.raises(Blocked, match="without a session document"):
            expect(unclear).no_session()


def test_a_failure_quotes_the_response_body_on_one_shortened_line() -> None:
    long = document({"custom": "x " * 300})
    lines = str(ConformanceFailure("a", "b", long.exchange)).splitlines()
    response_line = next(line for line in lines if line.startswith("  response:"))
    assert response_line.endswith("...")
    assert len(response_line) < 260


# Methods that only read a value: a statement ending in one of them asserts nothing.
_READERS = frozenset({"at", "header", "member", "index_of", "member_keys", "value"})


def _idle_reads(node: ast.AST) -> list[int]:
    return [
        statement.lineno
        for statement in ast.walk(node)
        if isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Call)
        and getattr(statement.value.func, "attr", "") in _READERS
    ]


def test_no_scenario_reads_a_value_without_asserting_on_it() -> None:
    """``expect(r).header("ETag")`` alone passes whatever came back: it needs ``.present()``."""
    for path in sorted(Path(inspect.getfile(scenarios)).parent.glob("test_*.py")):
        assert _idle_reads(ast.parse(path.read_text(encoding="utf-8"))) == [], path.name
    source = "def test_x(r):\n    expect(r).status(200).header('ETag')\n    expect(r).at('a').absent()\n"
    assert _idle_reads(ast.parse(source).body[0]) == [2]
