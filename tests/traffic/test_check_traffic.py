"""check-traffic: a capture of the reference passes, and each edited answer fails exactly its requirement."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conformance.options import RunOptions
from conformance.runner import run
from conformance.selftest import ALL_AT_ONCE, variant_table

from . import hars, reference_har
from .hars import BASE, check, entries, failing, har_of, raw_entry, session, verdicts, written


def test_the_reference_serving_a_scenario_run_passes_on_both_sides(tmp_path: Path) -> None:
    code, report = check(tmp_path, written(tmp_path, hars.reference()))
    assert code == 0
    assert failing(report) == set()
    assert failing(report, "client") == set()
    found = verdicts(report)
    for requirement in (
        "PUT-CREATE-201", "ETAG-PRESENT", "SESSION-SCHEMA", "SESSION-CHANGE-NUMBER", "COND-ETAG-CHANGES",
        "COND-IF-MATCH-200", "COND-IF-MATCH-STALE-412", "PROPS-IF-MATCH-412", "GET-304", "MEMBERS-CHAIN",
    ):  # fmt: skip
        assert found[requirement] == "pass", requirement
    # What no capture can show is not applicable, with the reason: never passed.
    assert (
        found["TIMER-RESERVED-REMOVAL"]
        == found["LOAD-NO-5XX"]
        == found["VIS-PRIVATE-403"]
        == "not-applicable"
    )
    reasons = {v["id"]: v["reason"] for v in report["requirements"]}
    assert reasons["VIS-PRIVATE-403"].startswith("not judged from traffic")
    assert "no exchange of the 46" in reasons["THROTTLE-429"]
    assert verdicts(report, "client")["CLIENT-CONTRACT-VERSION"] == "pass"
    assert report["options"]["command"] == "check-traffic"
    assert report["options"]["mpsd_exchanges"] == 46


def _version_answers(har: dict[str, Any]) -> list[dict[str, Any]]:
    """The entries whose answer shows a stored version of a session (not a nocommit one)."""
    return [
        e
        for e in entries(har)
        if e["response"]["status"] in (200, 201)
        and "nocommit" not in e["request"]["url"]
        and (hars.body(e["response"]) or {}).get("changeNumber") is not None
    ]


def _drop_etag_from_a_201(har: dict[str, Any]) -> None:
    created = next(e for e in entries(har) if e["response"]["status"] == 201)
    created["response"]["headers"] = [
        h for h in created["response"]["headers"] if h["name"].lower() != "etag"
    ]


def _change_number_goes_back(har: dict[str, Any]) -> None:
    """The last version a session shows, numbered below the first one it showed."""
    answers = _version_answers(har)
    by_url: dict[str, list[dict[str, Any]]] = {}
    for e in answers:
        by_url.setdefault(e["request"]["url"].removesuffix("/properties"), []).append(e)
    shown = next(s for s in by_url.values() if len({hars.body(e["response"])["changeNumber"] for e in s}) > 1)
    last, first = shown[-1], hars.body(shown[0]["response"])
    document = hars.body(last["response"])
    document["changeNumber"] = first["changeNumber"] - 1
    hars.set_body(last["response"], document)


def _stale_if_match_answered_200(har: dict[str, Any]) -> None:
    """A 412 to an If-Match the capture had seen replaced, turned into a 200 that applied it."""
    tags = {hars.header(e["response"], "ETag") for e in entries(har)}
    refused = next(
        e
        for e in entries(har)
        if e["response"]["status"] == 412
        and not e["request"]["url"].endswith("/properties")
        and hars.header(e["request"], "If-Match") in tags
    )
    refused["response"]["status"], refused["response"]["statusText"] = 200, "OK"


@pytest.mark.parametrize(
    ("edit", "broken"),
    [
        (_drop_etag_from_a_201, "ETAG-PRESENT"),
        (_change_number_goes_back, "SESSION-CHANGE-NUMBER"),
        (_stale_if_match_answered_200, "COND-IF-MATCH-STALE-412"),
    ],
)
def test_one_edited_answer_fails_exactly_the_requirement_it_breaks(
    tmp_path: Path, edit: Any, broken: str
) -> None:
    har = hars.reference()
    edit(har)
    code, report = check(tmp_path, written(tmp_path, har))
    assert code == 1
    assert failing(report) == {broken}
    assert failing(report, "client") == set()
    reason = next(v["reason"] for v in report["requirements"] if v["id"] == broken)
    assert reason.startswith("1 of ")
    assert "capture.har, entry " in reason


def _latitudes(har: dict[str, Any]) -> None:
    """What a conformant service may choose (latitude.yaml): quoted ETags, echoed back as given,
    header names in capitals, media types in capitals with a charset."""
    for e in entries(har):
        for message in (e["request"], e["response"]):
            for h in message["headers"]:
                if h["name"].lower() in ("etag", "if-match", "if-none-match") and h["value"] not in ("*", ""):
                    h["value"] = f'"{h["value"]}"'
        for h in e["response"]["headers"]:
            h["name"] = h["name"].upper()
            if h["name"] == "CONTENT-TYPE":
                h["value"] = h["value"].upper() + "; CHARSET=UTF-8"


def test_a_service_that_takes_its_latitudes_still_passes(tmp_path: Path) -> None:
    har = hars.reference()
    _latitudes(har)
    code, report = check(tmp_path, written(tmp_path, har))
    assert (code, failing(report), failing(report, "client")) == (0, set(), set())
    assert verdicts(report)["COND-IF-MATCH-STALE-412"] == verdicts(report)["GET-304"] == "pass"


def test_the_reference_making_every_documented_choice_at_once_passes_as_captured(tmp_path: Path) -> None:
    """The latitude model's variant with every choice on (latitude.yaml), serving the same scenarios
    through the proxy: its capture breaks nothing on either side."""
    capture = tmp_path / "variant.har"
    assert reference_har.capture(capture, variant_table()[ALL_AT_ONCE]) == 0
    etags = {hars.header(e["response"], "ETag") for e in entries(json.loads(capture.read_text()))}
    assert any(tag and tag.startswith('W/"') for tag in etags)  # the variant's choices were captured
    code, report = check(tmp_path, capture)
    assert (code, failing(report), failing(report, "client")) == (0, set(), set())
    assert verdicts(report)["COND-IF-MATCH-STALE-412"] == verdicts(report)["PUT-CREATE-201"] == "pass"


def test_the_client_side_shows_what_the_requests_break(tmp_path: Path) -> None:
    url = f"{BASE}/game-1"
    me = lambda xuid: {"members": {"me": {"constants": {"system": {"xuid": xuid}}}}}  # noqa: E731
    one, two = {"Authorization": "XBL3.0 x=1;token-one"}, {"Authorization": "XBL3.0 x=2;token-two"}
    capture = har_of(
        raw_entry("PUT", url, at=0, request=one, sent=me("2814000000000001"), status=201,
                  response={"ETag": "e1"}, answered=session(1)),
        raw_entry("PUT", url, at=1, request=two, sent=me("2814000000000002"), status=200,
                  response={"ETag": "e2"}, answered=session(2, members=2)),
        raw_entry("GET", url, at=2, request={**one, "X-Xbl-Contract-Version": ""}, status=400,
                  text="no version"),
        raw_entry("PUT", url, at=3, request=one, sent=me("2814000000000001"), status=200,
                  response={"ETag": "e2"}, answered=session(2, members=2)),
        raw_entry("PUT", url, at=4, request=one, sent=me("2814000000000002"), status=200,
                  response={"ETag": "e2"}, answered=session(2, members=2)),
    )  # fmt: skip
    path = written(tmp_path, capture)
    code, report = check(tmp_path, path)
    assert code == 1
    assert failing(report, "client") == {"CLIENT-CONTRACT-VERSION", "CLIENT-ME-IS-SELF"}
    assert failing(report) == set()  # the service refused the first and cannot know the second
    client = {v["id"]: v for v in report["client"]}
    assert "caller 1 names xuid 2814000000000002 under members.me" in client["CLIENT-ME-IS-SELF"]["reason"]
    assert client["CLIENT-ME-IS-SELF"]["judged"] == 4
    assert verdicts(report)["CV-REQUIRED"] == "pass"
    assert check(tmp_path / "service", path, options=("--gate", "service"))[0] == 0
    assert check(tmp_path / "client", path, options=("--gate", "client"))[0] == 1
    summary = (tmp_path / "out" / "summary.md").read_text(encoding="utf-8")
    assert "### Client: what the requests break" in summary
    assert "CLIENT-ME-IS-SELF" in summary
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert 'id="client"' in html
    ctrf = json.loads((tmp_path / "out" / "report.ctrf.json").read_text(encoding="utf-8"))
    assert {t["testId"] for t in ctrf["results"]["tests"] if t["suite"] == ["client"]} >= {
        "CLIENT-ME-IS-SELF"
    }


def test_a_scenario_runs_report_is_read_as_a_capture(tmp_path: Path) -> None:
    """The suite's own report.json is a capture too: each check's exchanges, every one once, in the
    order the check sent them."""
    options = RunOptions(
        select=("COND-IF-MATCH-STALE-412", "GET-304"), fuzz=False, workers="0", report_dir=tmp_path / "run"
    )
    assert run(options).exit_code == 0
    code, report = check(tmp_path, tmp_path / "run" / "report.json")
    assert (code, failing(report), failing(report, "client")) == (0, set(), set())
    assert verdicts(report)["COND-IF-MATCH-STALE-412"] == "pass"
    assert report["options"]["captures"] == [str(tmp_path / "run" / "report.json")]
    assert report["target"]["users"] == 0  # a report keeps no credential to tell callers apart by


def test_a_cut_transcript_body_is_not_judged(tmp_path: Path) -> None:
    """The golden report's exchanges are made up; one answer is cut as a report cuts a long body,
    and a body the report does not hold whole says nothing about the session's schema."""
    golden = json.loads(
        (Path(__file__).parents[1] / "data" / "report" / "report.json").read_text(encoding="utf-8")
    )
    exchanges = [e for r in golden["requirements"] for c in r["checks"] for e in c["evidence"]]
    answered = [e for e in exchanges if e["response"] and e["response"]["status"] in (200, 201)]
    for exchange in answered:
        exchange["response"]["body"] = '{"contractVersion": 107, "members": ...[5,000 more bytes]'
    path = tmp_path / "report.json"
    path.write_text(json.dumps(golden), encoding="utf-8")
    code, report = check(tmp_path, path)
    assert code == 1
    assert "SRV-NO-5XX" in failing(report)
    assert verdicts(report)["SESSION-SCHEMA"] == "not-applicable"


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ("{not json", "not JSON"),
        ('{"log": {}}', "no log.entries list"),
        ('{"log": {"entries": [{"request": {}}]}}', "entry 1 lacks its request or response"),
        (
            json.dumps(har_of(raw_entry("GET", "https://example.test/index.html", at=0))),
            "no MPSD session exchange",
        ),
    ],
    ids=["not-json", "no-entries", "not-an-entry", "no-mpsd"],
)
def test_what_is_no_capture_ends_in_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, said: str
) -> None:
    path = tmp_path / "capture.har"
    path.write_text(content, encoding="utf-8")
    code, report = check(tmp_path, path)
    err = capsys.readouterr().err
    assert (code, report) == (2, {})
    assert said in err
    assert err.count("\n") == 1
    assert err.startswith("mpsd-conformance: ")
