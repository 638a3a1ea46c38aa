"""The load invariants judge hand-made observations: each violation is named with the requests that
show it, and what is not a violation (another branch, an unanswered request, a 503) is not one."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

from conformance.load.invariants import (
    FINAL,
    change_number_monotonic,
    judge,
    max_members,
    members_info_consistent,
    no_lost_write,
    no_server_error,
    one_winner_per_etag,
)
from conformance.load.observe import Observation, property_key, summarize_body

PATH = "/serviceconfigs/s/sessiontemplates/t/sessions/g0"


def seen(op: str, start: float, status: int = 200, **fields) -> Observation:
    defaults = {
        "process": "p0", "player": "a", "xuid": "1", "session": "g0", "op": op, "method": "PUT",
        "path": PATH, "request_body": None, "start": start, "end": start + 0.5, "status": status,
    }  # fmt: skip
    return Observation(**(defaults | fields))


def body(members: dict[str, str], change: int = 1, own: int | None = None, **info) -> dict:
    custom = {} if own is None else {property_key("a"): own}
    return summarize_body(
        {
            "changeNumber": change,
            "branch": "b",
            "constants": {"system": {"maxMembersCount": 2}},
            "properties": {"custom": custom},
            "members": {i: {"constants": {"system": {"xuid": x}}} for i, x in members.items()},
            "membersInfo": {"count": len(members), "first": 0, "next": len(members)} | info,
        },
        "a",
    )


def test_two_winners_of_one_etag_are_both_shown() -> None:
    first = seen("write", 0, if_match="E1", etag="E2", player="a")
    second = seen("write", 0.1, if_match="E1", etag="E3", player="b")
    loser = seen("write", 0.2, status=412, if_match="E1", etag="E3", player="c")
    finding = one_winner_per_etag([first, second, loser])
    assert [(m, shown) for m, shown in finding.violations] == [
        ("2 writers all succeeded with If-Match E1 on session g0", (first, second))
    ]
    assert not one_winner_per_etag([first, loser]).violations


def test_an_overfull_session_names_the_joins_that_admitted_its_members() -> None:
    joins = [seen("join", i, xuid=x, player=x) for i, x in enumerate("123")]
    overfull = seen("read", 5, **body({"0": "1", "1": "2", "2": "3"}))
    finding = max_members([*joins, overfull])
    assert len(finding.violations) == 1
    assert finding.violations[0][1] == (overfull, *joins)
    assert not max_members([*joins, seen("read", 5, **body({"0": "1", "1": "2"}))]).violations


def test_a_lost_write_shows_the_write_and_the_read_that_misses_it() -> None:
    write = seen("write", 0, value=3, **body({"0": "1"}, own=3))
    stale = seen("read", 1, method="GET", **body({"0": "1"}, own=2))
    finding = no_lost_write([write, stale])
    assert finding.violations == [
        ("player a's write of 3 on session g0 was acknowledged, a later read shows 2", (write, stale))
    ]
    overlapping = replace(stale, start=0.2)  # begun before the write was answered: no verdict
    assert not no_lost_write([write, overlapping]).violations
    final = seen(FINAL, 9, method="GET", process="master", **body({"0": "1"}, own=2))
    assert no_lost_write([write, final]).violations[0][1] == (write, final)


def test_a_dropped_membership_is_a_lost_write_until_the_player_leaves() -> None:
    join = seen("join", 0, **body({"0": "1"}))
    gone = seen("read", 1, method="GET", **body({}))
    assert len(no_lost_write([join, gone]).violations) == 1
    leave = seen("leave", 0.8, **body({}))
    assert not no_lost_write([join, leave, replace(gone, start=1.5)]).violations


def test_change_number_must_not_go_back_nor_repeat_for_another_version() -> None:
    high = seen("read", 0, etag="E5", **body({"0": "1"}, change=5))
    low = seen("read", 1, etag="E4", **body({"0": "1"}, change=4))
    assert "changeNumber 4 after 5" in change_number_monotonic([high, low]).violations[0][0]
    concurrent = replace(low, start=0.2)  # overlapping answers may come in either order
    assert not change_number_monotonic([high, concurrent]).violations
    other_process = replace(low, process="w1")  # another clock: not compared
    assert not change_number_monotonic([high, other_process]).violations
    twin = seen("read", 2, etag="E6", **body({"0": "1"}, change=5))
    assert "names two versions" in change_number_monotonic([high, twin]).violations[0][0]


def test_members_info_must_describe_the_members() -> None:
    good = seen("read", 0, **body({"0": "1", "1": "2"}))
    stale_count = seen("read", 0, **body({"1": "2"}, count=2, first=1, next=2))
    assert not members_info_consistent([good]).violations
    assert "count 2 for 1 members" in members_info_consistent([stale_count]).violations[0][0]


def test_server_errors_other_than_503_are_violations() -> None:
    answers = [seen("write", 0, status=500), seen("read", 1, status=503), seen("read", 2, status=0)]
    finding = no_server_error(answers)
    assert [m for m, _ in finding.violations] == ["1 requests answered 500"]
    assert finding.judged == 1  # neither the 503 (load shedding, no verdict) nor the unanswered one


def test_every_load_requirement_gets_a_check_result_with_evidence() -> None:
    findings = dict(judge([seen("write", 0, status=500)], "http://127.0.0.1:1"))
    assert set(findings) == {
        "LOAD-ONE-WINNER-PER-ETAG", "LOAD-MAX-MEMBERS", "LOAD-NO-LOST-WRITE",
        "LOAD-CHANGE-NUMBER-MONOTONIC", "LOAD-MEMBERS-INFO-CONSISTENT", "LOAD-NO-5XX",
    }  # fmt: skip
    failed = findings.pop("LOAD-NO-5XX")
    assert (failed.outcome, failed.kind) == ("failed", "load")
    assert failed.evidence[0].url == "http://127.0.0.1:1" + PATH
    assert failed.evidence[0].request.headers["Authorization"] == "[redacted]"
    assert {r.outcome for r in findings.values()} == {"not-applicable"}


def test_the_suite_never_imports_locust() -> None:
    """Locust patches the process with gevent on import: run, the plugin and the checks stay clear of it."""
    modules = "conformance.cli, conformance.runner, conformance.plugin, conformance.coverage"
    modules += ", conformance.load.command"
    code = f"import sys, {modules}; print('locust' in sys.modules, 'gevent' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_answers_that_are_no_verdict_judge_nothing_and_block() -> None:
    """A refused credential, a throttle or an overload says nothing about the service under load:
    racing writers that were all told 401 pass no invariant, and a run told only 401 or 429 is
    blocked, never passed."""
    refused = [seen("write", i * 0.1, status=401, if_match="E1", player=p) for i, p in enumerate("abc")]
    assert one_winner_per_etag(refused).judged == 0
    assert no_server_error(refused).judged == 0
    throttled = [seen("read", i * 0.1, status=429, method="GET") for i in range(3)]
    for observations, cause in ((refused, "credentials"), (throttled, "throttled")):
        results = dict(judge(observations, "http://127.0.0.1:1"))
        assert {r.outcome for r in results.values()} == {"blocked"}
        assert {r.cause for r in results.values()} == {cause}
        assert all("(the target " in r.message for r in results.values())
