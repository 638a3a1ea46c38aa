"""junit.xml: only MUST failures and errors may break a CI build; everything stays parseable."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from msgspec.structs import replace

from conformance.report import write_reports
from conformance.verdicts import RunResult

from .runs import BASELINED_ID, BLOCKED_ID, ERROR_ID, FAIL_ID, NA_ID, PROBE_ID, STALE_ID, WARN_ID


def _cases(result: RunResult, tmp_path: Path) -> tuple[ET.Element, dict[str, ET.Element]]:
    root = ET.parse(write_reports(result, tmp_path)["junit"]).getroot()
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["mpsd-conformance"]
    return suites[0], {c.get("name", "").split(" ", 1)[0]: c for c in suites[0].iter("testcase")}


def test_one_testcase_per_requirement_with_the_right_counts(result: RunResult, tmp_path: Path) -> None:
    suite, cases = _cases(result, tmp_path)
    assert list(cases) == [v.requirement.id for v in result.verdicts]
    assert [len(suite.findall(f"testcase/{kind}")) for kind in ("failure", "skipped", "error")] == [2, 3, 1]
    assert {k: suite.get(k) for k in ("tests", "failures", "skipped", "errors")} == {
        "tests": "10",
        "failures": "2",
        "skipped": "3",
        "errors": "1",
    }
    first = result.verdicts[0].requirement
    assert cases[first.id].get("name") == f"{first.id} {first.statement}"
    assert cases[first.id].get("classname") == first.area


def test_a_failure_carries_its_reason_and_evidence_without_control_characters(
    result: RunResult, tmp_path: Path
) -> None:
    _, cases = _cases(result, tmp_path)
    failure = cases[FAIL_ID].find("failure")
    assert failure is not None
    assert failure.get("message", "").startswith('expected 201, got 500 <b>"boom"</b> & token')
    assert "\x1b" not in failure.get("message", "")
    assert "-> 500 in 12 ms" in (failure.text or "")
    assert "-> no response (connection reset by peer)" in (failure.text or "")
    assert "curl -X PUT 'https://mpsd.vendor.test:8443/base/" in (failure.text or "")


def test_warnings_observations_and_excuses_do_not_fail(result: RunResult, tmp_path: Path) -> None:
    _, cases = _cases(result, tmp_path)
    for requirement_id, line in [
        (WARN_ID, "warning: custom property survived a null"),
        (PROBE_ID, "observed: joined=True"),
        (STALE_ID, "stale baseline entry, now passes: fixed in 2.1"),
    ]:
        assert [child.tag for child in cases[requirement_id]] == ["system-out"]
        assert (cases[requirement_id].findtext("system-out") or "").startswith(line)
    skipped = {rid: [s.get("message") for s in cases[rid].findall("skipped")] for rid in cases}
    assert skipped[BASELINED_ID] == ["baselined: vendor ticket 42"]
    assert skipped[BLOCKED_ID] == ["the create it needed was refused (500)"]
    assert skipped[NA_ID] == ["needs server, which the target does not provide"]
    assert [e.get("message") for e in cases[ERROR_ID].findall("error")] == ["harness: KeyError 'etag'"]


def test_harness_errors_are_one_error_testcase_that_says_why(green_result: RunResult, tmp_path: Path) -> None:
    """A job that reads only junit.xml counts the broken harness as an error, not as a clean run."""
    errors = ("harness error: scenarios/test_x.py could not be collected: ImportError", "fuzz phase crashed")
    suite, cases = _cases(replace(green_result, errors=errors), tmp_path)
    harness = suite.findall("testcase")[0]
    assert (harness.get("classname"), harness.get("name")) == ("harness", "harness error")
    error = harness.find("error")
    assert error is not None
    assert error.get("message") == "; ".join(errors)
    assert error.text == "\n".join(errors)
    assert (suite.get("tests"), suite.get("errors")) == (str(len(green_result.verdicts) + 1), "1")
    assert list(cases) == ["harness", *(v.id for v in green_result.verdicts)]
    clean, _ = _cases(green_result, tmp_path / "clean")
    assert (clean.get("tests"), clean.get("errors")) == (str(len(green_result.verdicts)), "0")
