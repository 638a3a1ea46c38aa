"""The run in a few lines on the terminal: what failed and why, the counts, where the reports are.

``run``, ``load``, ``merge`` and the self-test print the same lines, so a user reads one shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from conformance.report.view import (
    count_line,
    divergences_of,
    nearest_text,
    oracle_line,
    profile_notes,
    scoring_note,
    throttling_lines,
)
from conformance.seed import describe_seed
from conformance.verdicts import RunResult

# Divergence groups the terminal lists (the most frequent); the reports list them all.
SHOWN_GROUPS = 5


def summary_lines(result: RunResult) -> list[str]:
    """The run in a few lines: what failed and why, then the counts."""
    lines = []
    order = {"error": 0, "fail": 1, "warn": 2, "blocked": 3}
    for v in sorted((*result.verdicts, *result.client), key=lambda v: order.get(v.verdict, 9)):
        if v.verdict not in order:
            continue
        label = f"{v.verdict.upper():7} {v.requirement.level:6} {v.requirement.id}"
        notes = [f"baselined: {v.baselined.reason}" if v.baselined else "", scoring_note(v)]
        suffix = "".join(f"  ({note})" for note in notes if note)
        lines.append(f"{label}: {v.reason.splitlines()[0] if v.reason else ''}{suffix}")
    for level, counts in result.summary.items():
        shown = ", ".join(f"{n} {verdict}" for verdict, n in counts.items() if n)
        lines.append(f"{level}: {shown or 'none selected'}")
    if result.client:
        lines.append(f"client: {count_line(result.client)}")
    if result.run.profile is not None:
        lines.append(f"profile: {result.run.profile.name}")
        lines.extend(profile_notes(result))
    lines.extend(f"throttling: {line}" for line in throttling_lines(result))
    divergences = divergences_of(result)
    if divergences is not None:
        lines.append(f"oracle: {oracle_line(divergences)}")
        lines.extend(
            f"DIVERGE {group.count:6}x {group.name}  ({nearest_text(group)})"
            for group in divergences.groups[:SHOWN_GROUPS]
        )
        if len(divergences.groups) > SHOWN_GROUPS:
            lines.append(f"... and {len(divergences.groups) - SHOWN_GROUPS} more groups in report.html")
    if result.leaks:
        lines.append(f"leaked sessions (still present after cleanup): {', '.join(result.leaks)}")
    lines.extend(result.errors)
    return lines


def terminal_lines(result: RunResult, report_paths: Mapping[str, Path]) -> list[str]:
    """The summary, the seed that replays the fuzz phase, and each report written."""
    lines = summary_lines(result)
    if result.options.get("fuzz"):
        lines.append(describe_seed(result.run.seed, result.suite.version))
    lines.extend(f"{kind}: {path}" for kind, path in report_paths.items())
    return lines
