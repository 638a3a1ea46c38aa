"""junit.xml: one test case per requirement, so any CI system can show and gate on the run (and
per client rule of a traffic check, classname ``client``).

JUnit has only pass, failure, error and skipped, so the mapping decides what breaks a build: a
MUST failure does, a SHOULD warning or a PROBE observation never does (they go to system-out), and
requirements that were not exercised, are excused by the baseline or are not scored by the run's
profile are skipped with the reason.

A run whose harness broke (a check module that did not import, an unreachable target, nothing
judged, or a run that ended before any verdict) gets one more test case, "harness error", with an
``<error>`` carrying every cause: a job that reads only this file then counts an error, and never
sees "all passed" or "nothing ran".
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from conformance.report.view import HARNESS_ERROR, category, evidence, note, printable, scoring_note
from conformance.verdicts import SUITE_NAME, RequirementVerdict, RunResult


def render(result: RunResult) -> str:
    cases = ([_harness_error(result.errors)] if result.errors else []) + [
        _testcase(v) for v in (*result.verdicts, *result.client)
    ]
    counts = {kind: sum(c.find(kind) is not None for c in cases) for kind in ("failure", "error", "skipped")}
    totals = {
        "tests": str(len(cases)),
        "failures": str(counts["failure"]),
        "errors": str(counts["error"]),
        "skipped": str(counts["skipped"]),
        "time": f"{result.run.duration_s:.3f}",
    }
    root = ET.Element("testsuites", name=SUITE_NAME, **totals)
    suite = ET.SubElement(root, "testsuite", name=SUITE_NAME, timestamp=result.run.started_at, **totals)
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("run_id", result.run.id),
        ("suite_version", result.suite.version),
        ("ledger_version", result.ledger.version),
        ("target", result.target.url),
        ("contract_version", result.target.contract_version),
        ("seed", result.run.seed),
        ("exit_code", result.run.exit_code),
    ):
        ET.SubElement(properties, "property", name=name, value=str(value))
    if result.run.profile is not None:
        ET.SubElement(properties, "property", name="profile", value=result.run.profile.name)
    suite.extend(cases)
    # Leftover sessions belong to no requirement and fail nothing, yet CI logs should show them.
    if result.leaks:
        ET.SubElement(suite, "system-err").text = "\n".join(
            f"session left on target: {name}" for name in result.leaks
        )
    ET.indent(root)
    # ElementTree escapes markup but writes control characters as they are, which XML forbids.
    return printable(ET.tostring(root, encoding="unicode", xml_declaration=True)) + "\n"


def _testcase(verdict: RequirementVerdict) -> ET.Element:
    requirement = verdict.requirement
    case = ET.Element(
        "testcase",
        classname=requirement.area,
        name=f"{requirement.id} {requirement.statement}",
        time=f"{sum(c.duration_s for c in verdict.checks):.3f}",
    )
    kind, said = category(verdict), note(verdict)
    if kind == "fail":
        ET.SubElement(case, "failure", message=said).text = evidence(verdict)
    elif kind == "error":
        ET.SubElement(case, "error", message=said).text = evidence(verdict)
    elif kind == "baselined":
        ET.SubElement(case, "skipped", message=said).text = evidence(verdict)
    elif kind == "not-scored":
        reason = f": {verdict.reason}" if verdict.reason else ""
        message = f"{scoring_note(verdict)}; {verdict.verdict}{reason}"
        ET.SubElement(case, "skipped", message=message).text = evidence(verdict)
    elif kind in ("not-applicable", "blocked"):
        ET.SubElement(case, "skipped", message=said)
    elif kind != "pass":
        ET.SubElement(case, "system-out").text = said
    return case


def _harness_error(errors: tuple[str, ...]) -> ET.Element:
    case = ET.Element("testcase", classname="harness", name=HARNESS_ERROR, time="0.000")
    ET.SubElement(case, "error", message="; ".join(errors)).text = "\n".join(errors)
    return case
