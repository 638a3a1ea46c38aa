"""compare: several runs side by side, and what changed between two runs of one target.

A vendor fixing a service wants to know what the last change broke or fixed; a reader weighing
implementations wants them side by side. Both start from published report.json files alone, read
through ``load_report`` so that a truncated or hand-edited file is refused instead of being half
compared. Reports are turned back into ``RunResult``s so that headlines, counts and verdict
categories come from the same code (view.py) as the run's own reports. Compare never judges: it
describes, and the command exits 0 whatever the runs say.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from conformance.ledger import LEVELS, Level, Requirement
from conformance.report.json_report import ReportError, load_report, result_from_report
from conformance.report.view import applicable_musts, category, divergences_of
from conformance.text import shorten
from conformance.verdicts import (
    VERDICTS,
    RequirementVerdict,
    RunResult,
    TargetSummary,
    Verdict,
)

REPORT_NAME = "report.json"
MARKDOWN_NAME, HTML_NAME = "compare.md", "compare.html"
HTML_TEMPLATE = "compare.html.j2"


# ---------------------------------------------------------------------------------------- reading


def load_run(path: Path) -> RunResult:
    """One report: a report.json, or the run folder that holds one."""
    if path.is_dir():
        path = path / REPORT_NAME
    return result_from_report(load_report(path))


def find_reports(paths: Iterable[Path]) -> list[list[Path]]:
    """For each path given: the report file itself, or every report.json at or below a directory
    (a run's folder, or a folder of runs). A report reached twice counts once, where first met."""
    seen: set[Path] = set()
    groups = []
    for path in paths:
        inside = sorted(path.rglob(REPORT_NAME)) if path.is_dir() else [path]
        if not inside:
            raise ReportError(f"{path}: no {REPORT_NAME} in this directory or below it")
        group = []
        for report in inside:
            if report.resolve() not in seen:
                seen.add(report.resolve())
                group.append(report)
        groups.append(group)
    return groups


# ---------------------------------------------------------------------------------------- model


@dataclass(frozen=True)
class MustScore:
    """The MUST line of a run, counted exactly as the headline of summary.md counts it."""

    passed: int
    applicable: int  # MUST requirements not reported as not-applicable
    failing: int  # MUST failures that no baseline excuses (what the run's exit code counts)
    failed: int  # MUST failures, baselined or not (what the target does)

    def __str__(self) -> str:
        return f"{self.passed}/{self.applicable}"


def must_score(result: RunResult) -> MustScore:
    musts = applicable_musts(result)
    return MustScore(
        passed=sum(v.verdict == "pass" for v in musts),
        applicable=len(musts),
        failing=sum(v.counts_as_failure for v in musts),
        failed=sum(v.verdict == "fail" for v in musts),
    )


@dataclass(frozen=True)
class Run:
    """One report in the comparison; ``tag`` tells apart columns that would otherwise read the same."""

    path: Path
    result: RunResult
    tag: str = ""

    @property
    def label(self) -> str:
        result = self.result
        parts = [result.target.url, f"run {result.run.id}", result.run.started_at, self.tag]
        return " · ".join(p for p in parts if p)

    @property
    def score(self) -> MustScore:
        return must_score(self.result)

    def verdicts(self) -> dict[str, RequirementVerdict]:
        return {v.requirement.id: v for v in self.result.verdicts}


def same_target(a: TargetSummary, b: TargetSummary) -> bool:
    return target_identity(a) == target_identity(b)


def target_identity(target: TargetSummary) -> tuple[str, ...]:
    """URL, scid and template. The embedded reference listens on a fresh loopback port every run,
    so an embedded target is its scid and template alone."""
    if target.embedded:
        return ("embedded", target.scid, target.template)
    return (target.url, target.scid, target.template)


@dataclass(frozen=True)
class Change:
    """One requirement's verdicts in the older (``before``) and newer (``after``) run."""

    requirement: Requirement
    before: RequirementVerdict | None
    after: RequirementVerdict | None


@dataclass(frozen=True)
class Group:
    key: str
    title: str
    explanation: str
    changes: tuple[Change, ...]


# What changed between two runs. "Newly failing" holds what there is to fix now that there was not
# before, whatever it was then; "newly passing" only what was fixed (it failed or warned before). A
# requirement that is merely blocked now (its check could not build its request), or that passes
# now but could not be decided before, is another change: neither a new failure nor a fix.
GROUPS: tuple[tuple[str, str, str], ...] = (
    ("failing", "Newly failing", "MUST requirements that fail now and did not before."),
    ("warning", "Newly warning", "SHOULD requirements that warn now and did not before."),
    ("passing", "Newly passing", "Requirements that pass now and failed or warned before: fixed."),
    (
        "other",
        "Other verdict changes",
        "To or from blocked, not applicable, error or observed: one of the runs could not decide, "
        "so these are neither new failures nor fixes.",
    ),
    ("observations", "Changed observations", "PROBE requirements whose recorded behaviour changed."),
    (
        "stale",
        "Stale baseline entries",
        "Baselined in the newer run but passing: remove them from the baseline.",
    ),
    ("only-before", "Only in the older run", "Not in the newer run (a --select, or another ledger)."),
    ("only-after", "Only in the newer run", "Not in the older run (a --select, or another ledger)."),
)
_DECIDED_AGAINST: frozenset[Verdict] = frozenset({"fail", "warn"})


@dataclass(frozen=True)
class DivergenceChange:
    """One divergence signature in the older and the newer run (a count of 0: not there)."""

    signature: str
    name: str
    before: int
    after: int
    gap: bool


@dataclass(frozen=True)
class DivergenceDiff:
    """How the two runs' divergences from the reference differ, by signature (run --oracle)."""

    new: tuple[DivergenceChange, ...]
    gone: tuple[DivergenceChange, ...]
    changed: tuple[DivergenceChange, ...]
    note: str = ""  # why there is nothing to compare, when only one run or neither ran --oracle

    @property
    def empty(self) -> bool:
        return not (self.new or self.gone or self.changed)


def divergence_diff(before: RunResult, after: RunResult) -> DivergenceDiff:
    old, new = divergences_of(before), divergences_of(after)
    if old is None or new is None:
        which = "Neither run" if old is new else ("The older run" if old is None else "The newer run")
        return DivergenceDiff((), (), (), f"{which} ran without --oracle: no divergences to compare.")
    mine = {g.signature: g for g in old.groups}
    theirs = {g.signature: g for g in new.groups}

    def change(key: str) -> DivergenceChange:
        group = theirs.get(key) or mine[key]
        was, now = mine.get(key), theirs.get(key)
        return DivergenceChange(key, group.name, was.count if was else 0, now.count if now else 0, group.gap)

    return DivergenceDiff(
        new=tuple(change(k) for k in theirs if k not in mine),
        gone=tuple(change(k) for k in mine if k not in theirs),
        changed=tuple(change(k) for k in theirs if k in mine and theirs[k].count != mine[k].count),
    )


@dataclass(frozen=True)
class Diff:
    before: Run
    after: Run
    groups: tuple[Group, ...]
    divergences: DivergenceDiff = DivergenceDiff((), (), (), "")

    def group(self, key: str) -> Group:
        return next(g for g in self.groups if g.key == key)

    def ids(self, key: str) -> set[str]:
        return {c.requirement.id for c in self.group(key).changes}


def diff(before: Run, after: Run) -> Diff:
    old, new = before.verdicts(), after.verdicts()
    found: dict[str, list[Change]] = {key: [] for key, _, _ in GROUPS}
    for rid, verdict in new.items():
        previous = old.get(rid)
        change = Change(verdict.requirement, previous, verdict)
        if previous is None:
            found["only-after"].append(change)
            continue
        if verdict.verdict != previous.verdict:
            found[_change_group(previous.verdict, verdict.verdict)].append(change)
        elif verdict.verdict == "observed" and verdict.reason != previous.reason:
            found["observations"].append(change)
        if verdict.baselined is not None and verdict.baselined.stale:
            found["stale"].append(change)
    found["only-before"] = [Change(v.requirement, v, None) for rid, v in old.items() if rid not in new]
    groups = tuple(Group(k, t, e, tuple(found[k])) for k, t, e in GROUPS)
    return Diff(before, after, groups, divergence_diff(before.result, after.result))


def _change_group(before: Verdict, after: Verdict) -> str:
    if after == "fail":
        return "failing"
    if after == "warn":
        return "warning"
    if after == "pass" and before in _DECIDED_AGAINST:
        return "passing"
    return "other"


@dataclass(frozen=True)
class Row:
    requirement: Requirement
    cells: tuple[RequirementVerdict | None, ...]  # one per run; None: not in that run


@dataclass(frozen=True)
class Total:
    level: Level
    verdict: Verdict
    counts: tuple[int, ...]  # one per run


@dataclass(frozen=True)
class Comparison:
    runs: tuple[Run, ...]
    areas: tuple[tuple[str, tuple[Row, ...]], ...]
    totals: tuple[tuple[Level, tuple[Total, ...]], ...]
    diff: Diff | None
    note: str  # why there is no diff, when there is none

    @property
    def targets(self) -> int:
        distinct: list[TargetSummary] = []
        for run in self.runs:
            if not any(same_target(run.result.target, t) for t in distinct):
                distinct.append(run.result.target)
        return len(distinct)

    @property
    def headline(self) -> str:
        runs, targets = len(self.runs), self.targets
        text = (
            f"MPSD conformance: {runs} run{'s' * (runs != 1)} of {targets} "
            f"target{'s' * (targets != 1)} compared"
        )
        if self.diff is None:
            return text
        failing, passing = len(self.diff.group("failing").changes), len(self.diff.group("passing").changes)
        return f"{text} — {failing} newly failing, {passing} newly passing"


def compare(paths: Sequence[Path]) -> Comparison:
    """Columns in the order the paths are given; the runs found in one directory, oldest first."""
    runs: list[Run] = []
    for group in find_reports(paths):
        runs += sorted(
            (Run(path, load_run(path)) for path in group), key=lambda run: run.result.run.started_at
        )
    runs = _tagged(runs)
    return Comparison(tuple(runs), _areas(runs), _totals(runs), *_diff_or_note(runs))


def _tagged(runs: list[Run]) -> list[Run]:
    """Columns that would read the same (one run copied to two places) also show their file."""
    labels = [run.label for run in runs]
    return [Run(r.path, r.result, str(r.path)) if labels.count(r.label) > 1 else r for r in runs]


def _areas(runs: list[Run]) -> tuple[tuple[str, tuple[Row, ...]], ...]:
    """Requirements in the order they first appear (the ledger's), grouped by area likewise."""
    tables = [run.verdicts() for run in runs]
    order: dict[str, Requirement] = {}
    for run in runs:
        for verdict in run.result.verdicts:
            order.setdefault(verdict.requirement.id, verdict.requirement)
    areas: dict[str, list[Row]] = {}
    for rid, requirement in order.items():
        row = Row(requirement, tuple(table.get(rid) for table in tables))
        areas.setdefault(requirement.area, []).append(row)
    return tuple((area, tuple(rows)) for area, rows in areas.items())


def _totals(runs: list[Run]) -> tuple[tuple[Level, tuple[Total, ...]], ...]:
    """Counts per level and verdict, only for the pairs some run has, so a small run stays small."""
    summaries = [run.result.summary for run in runs]
    levels = []
    for level in LEVELS:
        counts = ((verdict, tuple(s[level][verdict] for s in summaries)) for verdict in VERDICTS)
        totals = tuple(Total(level, verdict, n) for verdict, n in counts if any(n))
        if totals:
            levels.append((level, totals))
    return tuple(levels)


def _diff_or_note(runs: list[Run]) -> tuple[Diff | None, str]:
    if len(runs) != 2:
        return None, "Differences are shown when exactly two runs of the same target are compared."
    if not same_target(runs[0].result.target, runs[1].result.target):
        return None, "These two runs are of different targets (URL, scid or template), so no differences."
    # Oldest first whatever the argument order; equal start times keep it.
    before, after = sorted(runs, key=lambda run: run.result.run.started_at)
    return diff(before, after), ""


def cell_text(verdict: RequirementVerdict) -> str:
    """A verdict in words, with its baseline state: colour is never the only signal."""
    kind = category(verdict)
    extra = {"baselined": " (baselined)", "stale": " (stale baseline)", "not-scored": " (not scored)"}.get(
        kind, ""
    )
    return verdict.verdict + extra


def brief(text: str, width: int = 200) -> str:
    """The first line of a reason: later lines carry the request, response and curl line, which the
    run's own report shows in full."""
    return shorten(text.strip().split("\n", 1)[0], width)
