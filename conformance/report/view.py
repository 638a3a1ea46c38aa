"""What every human-facing format says about a run, decided once.

The Markdown summary, the HTML page and the JUnit file must agree on the headline, on which
requirements need attention and in what order they come, so that a vendor reading one format
and a CI job reading another never see different stories.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from msgspec import UnsetType

from conformance.http.exchange import Exchange
from conformance.ledger import LEVELS
from conformance.verdicts import (
    EXIT_FAILED,
    EXIT_OK,
    VERDICTS,
    DivergenceGroup,
    Divergences,
    RequirementVerdict,
    RunResult,
)

# Sections in reading order: what a vendor has to fix comes first, what is merely recorded last.
# Baselined requirements leave their verdict's section: an accepted failure is not news, while a
# stale entry (the requirement now passes) is, because --strict fails on it. Requirements the run's
# profile does not score leave theirs too: whatever their verdict, it counts for nothing yet.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("fail", "MUST failures"),
    ("warn", "SHOULD warnings"),
    ("error", "Errors"),
    ("blocked", "Blocked"),
    ("stale", "Stale baseline entries"),
    ("baselined", "Baselined"),
    ("not-scored", "Not scored"),
    ("observed", "Observations"),
    ("pass", "Passed"),
    ("not-applicable", "Not applicable"),
)
# The sections shown in full and opened by default.
ATTENTION = frozenset({"fail", "warn", "error", "blocked"})

# Characters XML 1.0 forbids; a target can put them in any body or message it sends back.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def printable(text: str) -> str:
    """Drop the control characters that make XML invalid and HTML or Markdown unreadable."""
    return _FORBIDDEN.sub("", text)


def answer(exchange: Exchange) -> str:
    """What came back: the status, or why nothing did (timeout, refused connection)."""
    if exchange.status is not None:
        return str(exchange.status)
    return f"no response ({exchange.error or 'no error recorded'})"


def category(verdict: RequirementVerdict) -> str:
    if not verdict.scored:
        return "not-scored"
    if verdict.baselined is not None:
        return "stale" if verdict.baselined.stale else "baselined"
    return verdict.verdict


# How the CI formats say a verdict that neither passes nor fails, before its reason or its excuse.
_SAID_AS = {
    "warn": "warning: ",
    "observed": "observed: ",
    "baselined": "baselined: ",
    "stale": "stale baseline entry, now passes: ",
}


def note(verdict: RequirementVerdict) -> str:
    """A requirement's verdict in one line: its reason, or for a baselined one the baseline's excuse."""
    said = verdict.baselined.reason if verdict.baselined is not None else verdict.reason
    return _SAID_AS.get(category(verdict), "") + said


# The name of the one entry the CI formats add for a run's harness errors: they belong to no
# requirement, yet a job that reads only junit.xml or the CTRF file must count them as an error.
HARNESS_ERROR = "harness error"


def evidence(verdict: RequirementVerdict) -> str:
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


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    verdicts: tuple[RequirementVerdict, ...]

    @property
    def attention(self) -> bool:
        return self.key in ATTENTION

    def by_area(self) -> list[tuple[str, list[RequirementVerdict]]]:
        """Areas in the order they first appear, so the grouping follows the ledger."""
        groups: dict[str, list[RequirementVerdict]] = {}
        for verdict in self.verdicts:
            groups.setdefault(verdict.requirement.area, []).append(verdict)
        return list(groups.items())


def sections(verdicts: tuple[RequirementVerdict, ...]) -> list[Section]:
    """The non-empty sections, each keeping the ledger order of its requirements."""
    found = [Section(key, title, tuple(v for v in verdicts if category(v) == key)) for key, title in SECTIONS]
    return [s for s in found if s.verdicts]


# What a traffic check's client side is, in the words every format heads it with.
CLIENT_TITLE = "Client: what the requests break"


def count_line(verdicts: tuple[RequirementVerdict, ...]) -> str:
    """The verdicts counted, in one line: "2 pass, 1 fail, 3 not-applicable"."""
    counts = Counter(category(v) for v in verdicts)
    return ", ".join(f"{counts[key]} {key}" for key, _ in SECTIONS if counts[key]) or "none"


def status(result: RunResult) -> str:
    """The word CI gates on; it follows the exit code, so --strict and baselines are already in it."""
    return {EXIT_OK: "PASSED", EXIT_FAILED: "FAILED"}.get(result.run.exit_code, "ERROR")


def applicable_musts(result: RunResult) -> list[RequirementVerdict]:
    """The MUST requirements the run scored and could apply: the MUST line of every headline,
    badge and comparison."""
    return [
        v
        for v in result.verdicts
        if v.scored and v.requirement.level == "MUST" and v.verdict != "not-applicable"
    ]


def headline(result: RunResult) -> str:
    """One line that answers "does it conform?", with everything else that changes the answer."""
    musts = applicable_musts(result)
    failing = sum(v.counts_as_failure for v in musts)
    if failing:
        parts = [f"{failing} of {len(musts)} MUST requirements fail"]
    else:
        parts = [f"{sum(v.verdict == 'pass' for v in musts)} of {len(musts)} MUST requirements pass"]
    counts = Counter(category(v) for v in result.verdicts)
    oracle = divergences_of(result)
    diverged = 0 if oracle is None else oracle.total
    parts += [
        _count(counts["warn"], "SHOULD warning"),
        _count(counts["error"], "error"),
        _count(counts["blocked"], "blocked", "blocked"),
        _count(counts["baselined"], "baselined", "baselined"),
        _count(counts["stale"], "stale baseline entry", "stale baseline entries"),
        _count(counts["not-scored"], "not scored", "not scored"),
        _count(len(result.errors), "harness error"),
        _count(len(result.leaks), "session left on the target", "sessions left on the target"),
        _count(diverged, "divergence from the reference", "divergences from the reference"),
        _count(sum(v.counts_as_failure for v in result.client), "client rule broken", "client rules broken"),
    ]
    return f"MPSD conformance: {status(result)} — " + ", ".join(p for p in parts if p)


def _count(n: int, one: str, many: str | None = None) -> str:
    if not n:
        return ""
    return f"{n} {one if n == 1 else many or one + 's'}"


def count_table(result: RunResult) -> tuple[list[str], list[tuple[str, list[int]]]]:
    """Verdict columns and level rows that hold anything, so a small run gets a small table."""
    summary = result.summary
    columns = [v for v in VERDICTS if any(summary[level][v] for level in LEVELS)]
    rows = [(level, [summary[level][v] for v in columns]) for level in LEVELS if any(summary[level].values())]
    return columns, rows


def throttling_lines(result: RunResult) -> list[str]:
    """One line per identity the target's limits slowed down or refused; none on an unlimited run."""
    lines = []
    for label, counts in result.run.throttling.identities.items():
        waited = counts.paced_s + counts.retry_wait_s
        refused = counts.throttled + counts.unavailable
        if waited >= 0.05 or refused:
            sent = f"{label}: {counts.requests} requests, {refused} answered 429/503"
            lines.append(f"{sent}, {waited:.1f} s waiting on limits")
    return lines


def scoring_note(verdict: RequirementVerdict) -> str:
    """What the run's profile changed about a requirement's verdict, in words; empty when nothing."""
    if not verdict.scored:
        return f"not scored: {verdict.not_scored}"
    if verdict.ledger_level is not None:
        level, now = verdict.level, verdict.ledger_level
        return f"scored as {level}, its level in the profile (the ledger says {now} now)"
    return ""


def selfproof_text(result: RunResult) -> str:
    """How far the suite that wrote the report has proved itself; empty for a report that does not
    say (written before version 6)."""
    proof = result.suite.selftest
    if isinstance(proof, UnsetType):
        return ""
    mutation, latitude = proof.mutation_score, proof.false_failure_score
    return (
        f"self-test: mutation score {mutation.detected}/{mutation.faults}, "
        f"false-failure score {latitude.passed}/{latitude.variants} (mpsd-conformance selftest)"
    )


def profile_notes(result: RunResult) -> list[str]:
    """What the run's profile did not score (the count table leaves it out), and what it scores
    but the ledger could not run."""
    profile = result.run.profile
    if profile is None:
        return []
    lines = []
    unscored: dict[str, Counter[str]] = {}
    for v in result.verdicts:
        if not v.scored:
            unscored.setdefault(v.not_scored or "", Counter())[v.verdict] += 1
    for reason, counts in unscored.items():
        shown = ", ".join(f"{counts[verdict]} {verdict}" for verdict in VERDICTS if counts[verdict])
        lines.append(f"not scored ({reason}): {shown}")
    if profile.retired:
        lines.append(
            f"not run: {', '.join(profile.retired)}, which the profile scores but the ledger no longer has"
        )
    return lines


# -- run --oracle ---------------------------------------------------------------------------------
GAP = "a gap in the document or the ledger"


def divergences_of(result: RunResult) -> Divergences | None:
    """The run's divergences block, or None for a run without --oracle."""
    return result.divergences if isinstance(result.divergences, Divergences) else None


def oracle_line(divergences: Divergences) -> str:
    """The oracle's result in one line: what diverged, what was compared, allowed and subtracted."""
    groups, gaps = len(divergences.groups), divergences.gaps
    parts = [
        f"{divergences.total} divergence{'s' * (divergences.total != 1)} from the reference in {groups} "
        f"group{'s' * (groups != 1)}" + (f" ({gaps} {GAP})" if gaps else ""),
        f"{divergences.compared} exchanges compared",
    ]
    allowed = sum(divergences.allowed.values())
    if allowed:
        parts.append(f"{allowed} differences allowed by latitudes")
    if divergences.noise:
        parts.append(f"{divergences.noise} subtracted as the reference's own nondeterminism")
    skipped = sum(divergences.not_compared.values())
    if skipped:
        parts.append(f"{skipped} exchanges not compared")
    if divergences.mode == "strict":
        parts.append("--oracle strict: a divergence fails the run")
    return ", ".join(parts)


def nearest_text(group: DivergenceGroup) -> str:
    """The nearest requirements, or the gap it shows."""
    return ", ".join(group.requirements) if group.requirements else GAP


def sent_text(group: DivergenceGroup) -> str:
    return "; ".join(f"{key} {value}" for key, value in group.sent.items())
