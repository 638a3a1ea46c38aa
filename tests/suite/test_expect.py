"""The ledger's status rule is the law, and an answer that is no verdict blocks instead of failing."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

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
    """Statuses 4xx the check names: ``.status(412)`` or ``response.status == 412``."""
    found = []
    for call in ast.walk(node):
        if isinstance(call, ast.Call) and getattr(call.func, "attr", "") == "status":
            found += [a.value for a in call.args if isinstance(a, ast.Constant) and 400 <= a.value < 500]
        demands = isinstance(call, ast.Compare) and all(isinstance(op, ast.Eq | ast.In) for op in call.ops)
        if demands and getattr(call.left, "attr", "") == "status":  # ``status >= 400`` asks, not demands
            found += [
                c.value for c in call.comparators if isinstance(c, ast.Constant) and 400 <= c.value < 500
            ]
    return found


def test_no_scenario_demands_a_status_its_ledger_entry_leaves_open() -> None:
    checked = 0
    for name, ids, node in _scenario_checks():
        if any(LEDGER.get(i).any_4xx for i in ids):
            checked += 1
            assert _demanded_4xx(node) == [], name
    assert checked >= 15


def test_the_scan_sees_both_ways_of_demanding_a_status() -> None:
    source = "def test_x(r):\n    expect(r).status(412)\n    check(r.status == 409, 'x', 'y', r)\n"
    node = ast.parse(source).body[0]
    assert _demanded_4xx(node) == [412, 409]
