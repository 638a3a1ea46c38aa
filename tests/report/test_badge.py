"""badge.svg: the count is the report's, the colour follows the MUST results, nothing is fetched."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.report import load_report, write_reports
from conformance.report.badge import COLOURS, LABEL
from conformance.verdicts import RunResult

from .runs import BASELINE, build_result, check, every_verdict_checks
from .test_compare import HOSTILE_URL, CliRuns, cli_runs

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> CliRuns:
    return cli_runs(tmp_path_factory)


def badge(report: Path, tmp_path: Path) -> tuple[ET.Element, str]:
    out = tmp_path / "badge.svg"
    assert main(["badge", str(report), "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    return ET.fromstring(text), text  # well-formed XML, or this raises


def texts(svg: ET.Element) -> list[str]:
    """The visible texts (each is drawn twice: once as a shadow, hidden from screen readers)."""
    return [t.text or "" for t in svg.iter(f"{SVG}text") if t.get("aria-hidden") != "true"]


def fill(svg: ET.Element) -> str:
    return next(svg.iter(f"{SVG}rect")).get("fill", "")


def counted(report: Path) -> tuple[int, int]:
    """Passed and applicable MUST requirements, counted from report.json independently."""
    musts = [r for r in load_report(report)["requirements"] if r["level"] == "MUST"]
    applicable = [r for r in musts if r["verdict"] != "not-applicable"]
    return sum(r["verdict"] == "pass" for r in applicable), len(applicable)


def written(result: RunResult, folder: Path) -> Path:
    return write_reports(result, folder)["json"]


def test_a_clean_run_is_green_with_every_applicable_must(runs: CliRuns, tmp_path: Path) -> None:
    svg, _ = badge(runs.clean / "report.json", tmp_path)
    passed, applicable = counted(runs.clean / "report.json")
    assert passed == applicable
    assert texts(svg) == [LABEL, f"{passed}/{applicable} MUST"]
    assert fill(svg) == COLOURS["passed"]
    assert svg.get("aria-label") == f"{LABEL}: {passed}/{applicable} MUST"
    title = svg.find(f"{SVG}title")
    assert title is not None
    assert title.text is not None
    assert title.text.startswith("MPSD conformance: PASSED")


def test_a_failing_must_is_red_and_counted(runs: CliRuns, tmp_path: Path) -> None:
    svg, _ = badge(runs.faulty / "report.json", tmp_path)
    passed, applicable = counted(runs.faulty / "report.json")
    assert passed < applicable
    assert texts(svg)[1] == f"{passed}/{applicable} MUST"
    assert fill(svg) == COLOURS["failed"]
    # The same numbers summary.md's headline is built from.
    headline = (runs.faulty / "summary.md").read_text(encoding="utf-8").splitlines()[0]
    assert f"of {applicable} MUST requirements fail" in headline


def test_by_default_the_badge_goes_next_to_the_report(runs: CliRuns, tmp_path: Path, capsys) -> None:
    folder = tmp_path / "run"
    report = folder / "report.json"
    folder.mkdir()
    report.write_text((runs.clean / "report.json").read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["badge", str(folder)]) == 0
    assert (folder / "badge.svg").is_file()
    assert capsys.readouterr().out == f"badge: {(folder / 'badge.svg').resolve()}\n"
    (folder / "badge.svg").unlink()
    assert main(["badge", str(report)]) == 0
    assert (folder / "badge.svg").is_file()


@pytest.mark.parametrize(
    ("outcomes", "baseline", "state", "message"),
    [
        # Blocked MUSTs, no failure: not green, not red.
        (("passed", "blocked"), {}, "incomplete", "1/2 MUST"),
        # A failure the baseline accepts: the run passes, but the badge shows what the target does.
        (("passed", "failed"), {"JOIN-SECOND-USER": "vendor ticket 42"}, "failed", "1/2 MUST"),
        # Nothing applicable to count.
        (("not-applicable", "not-applicable"), {}, "empty", "0/0 MUST"),
        # A harness error: no count can be trusted.
        (("passed", "error"), {}, "error", "error"),
    ],
)
def test_colour_rules(tmp_path: Path, outcomes, baseline, state, message) -> None:
    checks = [check("PUT-CREATE-201", outcomes[0]), check("JOIN-SECOND-USER", outcomes[1])]
    svg, _ = badge(written(build_result(checks, baseline), tmp_path / "run"), tmp_path)
    assert texts(svg)[1] == message
    assert fill(svg) == COLOURS[state]


def test_the_hand_built_runs_agree_with_their_headlines(
    result, failed_result, green_result, tmp_path
) -> None:
    for name, run, state in (
        ("error", result, "error"),
        ("failed", failed_result, "failed"),
        ("green", green_result, "passed"),
    ):
        svg, _ = badge(written(run, tmp_path / name), tmp_path / name)
        assert fill(svg) == COLOURS[state], name


def test_nothing_is_fetched_and_target_strings_are_escaped(tmp_path: Path) -> None:
    report = written(build_result(every_verdict_checks(), BASELINE), tmp_path / "run")
    document = json.loads(report.read_text(encoding="utf-8"))
    document["target"]["url"] = HOSTILE_URL + "\x07"
    document["run"]["id"] = 'x" onload="alert(1)'
    report.write_text(json.dumps(document), encoding="utf-8")
    svg, text = badge(report, tmp_path)
    assert "<script" not in text
    assert 'onload="' not in text
    assert "\x07" not in text
    title = svg.find(f"{SVG}title")
    assert title is not None
    assert title.text is not None
    assert HOSTILE_URL in title.text  # escaped in the file, intact once parsed
    assert {element.tag.removeprefix(SVG) for element in svg.iter()} <= {"svg", "title", "rect", "g", "text"}
    for element in svg.iter():
        for name, value in element.attrib.items():
            assert not re.search(r"https?:|url\(", value), (element.tag, name, value)
    assert re.findall(r"https?://[^\"'\s<]*", text.split("<title>")[0]) == ["http://www.w3.org/2000/svg"]


def test_an_invalid_report_is_exit_2_with_one_line(tmp_path: Path, capsys) -> None:
    broken = tmp_path / "not-a-report.json"
    broken.write_text('{"schema_version": 1}', encoding="utf-8")
    assert main(["badge", str(broken)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1
    assert err[0].startswith(f"mpsd-conformance: {broken}: not a valid report")
    assert not (tmp_path / "badge.svg").exists()
