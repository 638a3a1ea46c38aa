"""junit.xml: one test case per requirement, so any CI system can show and gate on the run.

JUnit has only pass, failure, error and skipped, so the mapping decides what breaks a build: a
MUST failure does, a SHOULD warning or a PROBE observation never does (they go to system-out), and
requirements that were not exercised, are excused by the baseline or are not scored by the run's
profile are skipped with the reason.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from conformance.report.view import answer, category, printable, scoring_note
from conformance.verdicts import SUITE_NAME, RequirementVerdict, RunResult


def render(result: RunResult) -> str:
    cases = [_testcase(v) for v in result.verdicts]
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
    # Harness errors and leftover sessions belong to no requirement, yet CI logs should show them.
    problems = [f"harness error: {e}" for e in result.errors]
    problems += [f"session left on target: {name}" for name in result.leaks]
    if problems:
        ET.SubElement(suite, "system-err").text = "\n".join(problems)
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
    reason = verdict.reason or ""
    excuse = verdict.baselined.reason if verdict.baselined else ""
    kind = category(verdict)
    if kind == "fail":
        ET.SubElement(case, "failure", message=reason).text = _evidence(verdict)
    elif kind == "error":
        ET.SubElement(case, "error", message=reason).text = _evidence(verdict)
    elif kind == "baselined":
        ET.SubElement(case, "skipped", message=f"baselined: {excuse}").text = _evidence(verdict)
    elif kind == "not-scored":
        message = f"{scoring_note(verdict)}; {verdict.verdict}" + (f": {reason}" if reason else "")
        ET.SubElement(case, "skipped", message=message).text = _evidence(verdict)
    elif kind in ("not-applicable", "blocked"):
        ET.SubElement(case, "skipped", message=reason)
    elif kind != "pass":
        notes = {
            "warn": f"warning: {reason}",
            "observed": f"observed: {reason}",
            "stale": f"stale baseline entry, now passes: {excuse}",
        }
        ET.SubElement(case, "system-out").text = notes[kind]
    return case


def _evidence(verdict: RequirementVerdict) -> str:
    """Every check with its requests: enough to reproduce from a CI log alone."""
    lines = []
    for check in verdict.checks:
        lines.append(f"[{check.outcome}] {check.check}" + (f": {check.message}" if check.message else ""))
        for exchange in check.evidence:
            took = f"{exchange.elapsed_ms:.0f} ms"
            lines += [
                f"  {exchange.method} {exchange.url} -> {answer(exchange)} in {took}",
                f"  {exchange.curl}",
            ]
    return "\n".join(lines)
