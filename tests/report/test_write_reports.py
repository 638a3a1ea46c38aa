"""write_reports: every format lands on disk, and nothing leaves without passing the scrubber."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from msgspec.structs import replace

from conformance.http.exchange import Exchange, HttpRequest
from conformance.report import load_report, write_reports
from conformance.verdicts import CheckResult, IdentityCounts, RunResult, Throttling

from .runs import MARKER, build_result


def test_every_format_is_written_into_a_new_directory(result: RunResult, tmp_path: Path) -> None:
    paths = write_reports(result, tmp_path / "run" / "42")
    assert {name: path.name for name, path in paths.items()} == {
        "json": "report.json",
        "junit": "junit.xml",
        "markdown": "summary.md",
        "html": "report.html",
        "ctrf": "report.ctrf.json",
    }
    assert all(path.parent == tmp_path / "run" / "42" and path.stat().st_size for path in paths.values())


def test_scrub_sees_every_file(result: RunResult, tmp_path: Path) -> None:
    unscrubbed = write_reports(result, tmp_path / "raw")
    assert all(MARKER in path.read_text(encoding="utf-8") for path in unscrubbed.values())
    scrubbed = write_reports(result, tmp_path / "clean", scrub=lambda text: text.replace(MARKER, "[gone]"))
    for path in scrubbed.values():
        text = path.read_text(encoding="utf-8")
        assert MARKER not in text, path.name
        assert "[gone]" in text, path.name
    load_report(scrubbed["json"])


def test_absent_values_render_as_nothing(tmp_path: Path) -> None:
    silent = Exchange(
        method="GET",
        url="https://mpsd.vendor.test:8443/base/x",
        request=HttpRequest({}, None),
        response=None,
        elapsed_ms=0.0,
        curl="",
    )
    result = build_result(
        [("GET-READ", CheckResult(check="test_x", outcome="failed", evidence=(silent,)))], {}
    )
    result = replace(result, options={"report_dir": tmp_path})
    paths = write_reports(result, tmp_path)
    assert ">None<" not in paths["html"].read_text(encoding="utf-8")
    assert "no response (no error recorded)" in paths["junit"].read_text(encoding="utf-8")
    assert json.loads(paths["json"].read_text(encoding="utf-8"))["options"] == {"report_dir": str(tmp_path)}
    load_report(paths["json"])


def test_a_lone_surrogate_from_the_target_does_not_lose_the_reports(tmp_path: Path) -> None:
    result = build_result(
        [("GET-READ", CheckResult(check="test_x", outcome="failed", message="key '\ud800' unexpected"))], {}
    )
    paths = write_reports(result, tmp_path)
    assert load_report(paths["json"])["requirements"][0]["reason"] == "key '?' unexpected"
    assert "key '' unexpected" in paths["markdown"].read_text(encoding="utf-8")


def test_harness_errors_and_leftover_sessions_reach_every_format(
    green_result: RunResult, tmp_path: Path
) -> None:
    result = replace(
        green_result,
        errors=("fuzz phase crashed: <Timeout>",),
        leaks=("conf-leak-1",),
        run=replace(green_result.run, exit_code=3),
    )
    paths = write_reports(result, tmp_path)
    texts = {name: path.read_text(encoding="utf-8") for name, path in paths.items()}
    assert all("conf-leak-1" in text for text in texts.values())
    suite = ET.parse(paths["junit"]).getroot().find("testsuite")
    assert suite is not None
    assert suite.findtext("testcase/error") == "fuzz phase crashed: <Timeout>"
    assert suite.findtext("system-err") == "session left on target: conf-leak-1"
    ctrf = json.loads(texts["ctrf"])
    assert ctrf["results"]["tests"][0]["message"] == "fuzz phase crashed: <Timeout>"
    assert ctrf["extra"]["mpsd-conformance.run"]["leaks"] == ["conf-leak-1"]
    assert "fuzz phase crashed: &lt;Timeout&gt;" in texts["html"]
    headline = texts["markdown"].splitlines()[0]
    assert headline.endswith("MUST requirements pass, 1 harness error, 1 session left on the target")


def test_every_format_says_which_identities_the_limits_slowed_down(result: RunResult, tmp_path: Path) -> None:
    slowed = IdentityCounts(requests=400, paced_s=12.5, throttled=3, retry_wait_s=2.0)
    identities = {"user 1": slowed, "user 2": IdentityCounts(requests=20)}
    throttling = Throttling(limits=("30/15",), identities=identities)
    throttled = replace(result, run=replace(result.run, throttling=throttling))
    paths = write_reports(throttled, tmp_path)
    line = "user 1: 400 requests, 3 answered 429/503, 14.5 s waiting on limits"
    markdown, page = paths["markdown"].read_text(), paths["html"].read_text()
    assert "### Rate limits (30/15 per caller)" in markdown
    assert f"- {line}" in markdown
    assert line in page
    assert "user 2:" not in markdown + page
    assert "Rate limits" not in write_reports(result, tmp_path / "plain")["markdown"].read_text()
