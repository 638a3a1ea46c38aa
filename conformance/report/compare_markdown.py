"""compare.md: several runs side by side, for pull requests and CI step summaries."""

from __future__ import annotations

from collections.abc import Sequence

from conformance.report.compare import (
    Change,
    Comparison,
    DivergenceChange,
    DivergenceDiff,
    Run,
    brief,
    cell_text,
)
from conformance.report.markdown import code, inline
from conformance.report.view import ATTENTION, GAP, category, printable, status
from conformance.verdicts import RequirementVerdict


def render_markdown(comparison: Comparison) -> str:
    """compare.md: for pull requests and step summaries; target text escaped as in summary.md."""
    runs = comparison.runs
    lines = [f"## {inline(comparison.headline)}", "", *_md_runs(runs), "", *_md_diff(comparison)]
    lines += ["", "### Totals per level", ""]
    lines += _md_table(
        ["Level", "Verdict", *(_md_label(r) for r in runs)],
        [["MUST", "passed / applicable", *(str(r.score) for r in runs)]]
        + [[t.level, t.verdict, *map(str, t.counts)] for _, totals in comparison.totals for t in totals],
    )
    lines += ["", "### Matrix", ""]
    for area, rows in comparison.areas:
        lines += [f"#### {inline(area)}", ""]
        lines += _md_table(
            ["Requirement", "Level", *(_md_label(r) for r in runs)],
            [[f"**{row.requirement.id}**", row.requirement.level, *map(_md_cell, row.cells)] for row in rows],
        )
        lines.append("")
    return printable("\n".join(lines).rstrip("\n")) + "\n"


def _md_runs(runs: Sequence[Run]) -> list[str]:
    rows = []
    for number, run in enumerate(runs, 1):
        result, target = run.result, run.result.target
        where = code(target.url) + (" (embedded reference)" if target.embedded else "")
        rows.append([
            str(number), where, code(result.run.id), inline(result.run.started_at),
            inline(result.suite.version), str(result.run.seed), f"{status(result)} ({result.run.exit_code})",
            f"{run.score} MUST", code(str(run.path)),
        ])  # fmt: skip
    header = ["#", "Target", "Run", "Started", "Suite", "Seed", "Result (exit)", "Passed", "Report"]
    return _md_table(header, rows)


def _md_diff(comparison: Comparison) -> list[str]:
    found = comparison.diff
    if found is None:
        return [f"_{inline(comparison.note)}_"]
    lines = [f"### Differences: {_md_label(found.before)} → {_md_label(found.after)}"]
    shown = [g for g in found.groups if g.changes]
    if not shown:
        lines += ["", "No requirement changed its verdict."]
    for group in shown:
        lines += ["", f"#### {group.title} ({len(group.changes)})", "", inline(group.explanation), ""]
        lines += [_md_change(change) for change in group.changes]
    return [*lines, *_md_divergences(found.divergences)]


def _md_divergences(found: DivergenceDiff) -> list[str]:
    lines = ["", "#### Divergences from the reference", ""]
    if found.note:
        return [*lines, f"_{inline(found.note)}_"]
    if found.empty:
        return [*lines, "The same divergences, as often."]
    for title, changes in (("New", found.new), ("Gone", found.gone), ("Count changed", found.changed)):
        if changes:
            lines += [f"- {title} ({len(changes)}):"]
            lines += [f"  - {_md_divergence(change)}" for change in changes]
    return lines


def _md_divergence(change: DivergenceChange) -> str:
    gap = f" — **{GAP}**" if change.gap else ""
    return f"{inline(change.name)} ({code(change.signature)}): {change.before} → {change.after}{gap}"


def _md_change(change: Change) -> str:
    requirement = change.requirement
    moves = f"{_md_verdict(change.before)} → {_md_verdict(change.after)}"
    reason = brief((change.after or change.before).reason)  # type: ignore[union-attr]
    text = f"- **{requirement.id}** ({requirement.level}, {inline(requirement.area)}): {moves}"
    return f"{text} — {inline(reason)}" if reason else text


def _md_verdict(verdict: RequirementVerdict | None) -> str:
    return "absent" if verdict is None else cell_text(verdict)


def _md_cell(verdict: RequirementVerdict | None) -> str:
    if verdict is None:
        return "—"
    text = cell_text(verdict)
    # What needs a reader's attention stands out in a table that is otherwise all "pass".
    return f"**{text.upper()}**" if category(verdict) in ATTENTION else text


def _md_label(run: Run) -> str:
    result = run.result
    parts = [code(result.target.url), inline(f"run {result.run.id} · {result.run.started_at}")]
    return " ".join([*parts, code(run.tag)] if run.tag else parts)


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(row) + " |" for row in rows),
    ]
