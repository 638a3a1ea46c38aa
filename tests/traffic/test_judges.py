"""The traffic judges on small captures made by hand: what each rule fails, and what it must let pass."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .hars import BASE, Entry, check, failing, har_of, raw_entry, session, verdicts, written

URL = f"{BASE}/s1"
AUTH = {"Authorization": "XBL3.0 x=1;t"}


def _answer(method: str, at: float, status: int, tag: str | None, document: Any, **request: str) -> Entry:
    return raw_entry(
        method, URL, at=at, request={**AUTH, **request}, sent={} if method == "PUT" else None,
        status=status, response={"ETag": tag} if tag else {}, answered=document,
    )  # fmt: skip


def _large(number: int) -> dict[str, Any]:
    document = session(number, members=0)
    document["constants"]["system"]["capabilities"] = {"large": True}
    document["membersInfo"] = {"first": 1, "next": 2, "count": 1, "accepted": 1, "active": 0}
    return document


CASES: dict[str, tuple[list[Entry], set[str]]] = {
    "a large session lists nobody: no chain to walk": (
        [_answer("GET", 0, 200, "e1", _large(1))],
        set(),
    ),
    "a 412 naming the refused tag for a newer version: the stale 412 is wrong": (
        [
            _answer("GET", 0, 200, "e1", session(1)),
            _answer("PUT", 1, 200, "e2", session(2), **{"If-Match": "e1"}),
            _answer("PUT", 2, 412, "e1", session(2), **{"If-Match": "e1"}),
        ],
        {"COND-IF-MATCH-STALE-412"},
    ),
    "a 412 naming the refused tag, with no history: the current tag was refused": (
        [_answer("PUT", 0, 412, "e9", session(5), **{"If-Match": "e9"})],
        {"COND-IF-MATCH-200"},
    ),
    "a weak tag never matches If-Match (RFC 9110)": (
        [_answer("PUT", 0, 412, 'W/"e9"', session(5), **{"If-Match": 'W/"e9"'})],
        set(),
    ),
    "If-Match * created a session": (
        [_answer("PUT", 0, 201, "e1", session(1), **{"If-Match": "*"})],
        {"COND-UPDATE-ONLY-ABSENT-412"},
    ),
    "If-None-Match * answered 200": (
        [_answer("PUT", 0, 200, "e1", session(1), **{"If-None-Match": "*"})],
        {"COND-CREATE-ONLY-201"},
    ),
    "a 304 for a tag the capture had seen replaced": (
        [
            _answer("GET", 0, 200, "e1", session(1)),
            _answer("PUT", 1, 200, "e2", session(2)),
            raw_entry("GET", URL, at=2, request={**AUTH, "If-None-Match": "e1"}, status=304),
        ],
        {"GET-304"},
    ),
    "a change that kept its ETag": (
        [_answer("GET", 0, 200, "e1", session(1)), _answer("PUT", 1, 200, "e1", session(2))],
        {"COND-ETAG-CHANGES"},
    ),
    "answers that overlap in time are not ordered": (
        [
            {**_answer("GET", 0, 200, "e5", session(5)), "time": 3000},
            _answer("GET", 1, 200, "e4", session(4)),
        ],
        set(),
    ),
    "a session deleted and made again starts afresh": (
        [
            _answer("GET", 0, 200, "e5", session(5)),
            raw_entry("PUT", URL, at=1, request=AUTH, sent={"members": {"me": None}}, status=204),
            _answer("PUT", 2, 201, "e1", session(1)),
        ],
        set(),
    ),
    "a 105 rendering under 107's names": (
        [
            _answer(
                "GET",
                0,
                200,
                "e1",
                {
                    **session(1, contractVersion=105),
                    "constants": {"system": {"reservedRemovalTimeout": 30000}},
                },
                **{"X-Xbl-Contract-Version": "105"},
            )
        ],
        {"CV-LEGACY-RENDERING"},
    ),
    "a read that finds nothing under a template that serves sessions answers 404": (
        [
            _answer("GET", 0, 200, "e1", session(1)),
            raw_entry("GET", f"{BASE}/gone", at=1, request=AUTH, status=404, text="not found"),
        ],
        {"GET-ABSENT-204"},
    ),
    "a 404 under a template the capture never saw serve is no verdict": (
        [raw_entry("GET", f"{BASE}/gone", at=1, request=AUTH, status=404, text="not found")],
        set(),
    ),
    "a nocommit answer stored nothing: neither its ETag nor its version counts": (
        [
            _answer("GET", 0, 200, "e1", session(2)),
            raw_entry(
                "PUT", f"{URL}?nocommit=true", at=1, request=AUTH, sent={}, status=200, answered=session(1)
            ),
        ],
        set(),
    ),
    "a 201 without its ETag, as text": (
        [raw_entry("PUT", URL, at=0, request=AUTH, sent={}, status=201, text="created")],
        {"ETAG-PRESENT", "SESSION-SCHEMA", "PUT-CREATE-201"},
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_each_rule_fails_what_breaks_it_and_nothing_else(tmp_path: Path, case: str) -> None:
    capture, broken = CASES[case]
    code, report = check(tmp_path, written(tmp_path, har_of(*capture)))
    assert failing(report) == broken
    assert code == (1 if broken else 0)


def test_a_nocommit_answer_records_whether_it_carries_an_etag(tmp_path: Path) -> None:
    capture = har_of(
        raw_entry("PUT", f"{URL}?nocommit=true", at=0, request=AUTH, sent={}, status=200, answered=session(1))
    )
    _, report = check(tmp_path, written(tmp_path, capture))
    probe = next(v for v in report["requirements"] if v["id"] == "ETAG-NOCOMMIT")
    assert (probe["verdict"], probe["reason"]) == ("observed", "answers by etag={'false': 1}")
    assert verdicts(report)["ETAG-PRESENT"] == "not-applicable"
