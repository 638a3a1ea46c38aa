"""Verdicts as plain values: what each check found, and what that means for each requirement.

Checks (scenario tests, fuzz checks) produce ``CheckResult``s; ``judge`` folds them into one
``RequirementVerdict`` per ledger requirement using the level rules; ``RunResult`` carries the
whole run to the reporters. Nothing here talks HTTP or writes files.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from conformance.http.exchange import Exchange
from conformance.ledger import LOAD_AREA, Ledger, Requirement, Source

# What one check did. "blocked": its precondition failed (e.g. the create it needed was refused),
# so it says nothing about its own requirement. "error": the harness itself broke.
CheckOutcome = Literal["passed", "failed", "not-applicable", "blocked", "error"]
# What the report says about a requirement.
Verdict = Literal["pass", "fail", "warn", "observed", "not-applicable", "blocked", "error"]
VERDICTS: tuple[Verdict, ...] = ("pass", "fail", "warn", "observed", "not-applicable", "blocked", "error")

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_UNREACHABLE = 0, 1, 2, 3


@dataclass(frozen=True)
class CheckResult:
    """The result of one check for one requirement."""

    check: str
    requirement: str
    outcome: CheckOutcome
    kind: Literal["scenario", "fuzz", "load"] = "scenario"
    message: str = ""
    observations: Mapping[str, Any] = field(default_factory=dict)
    evidence: tuple[Exchange, ...] = ()
    duration_s: float = 0.0
    # How many answers this check judged against the requirement; a pass needs at least one.
    judged: int = 0
    # For a blocked check, the kind of trouble: precondition, transport, target-stopped,
    # throttled, overloaded, credentials.
    cause: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.check,
            "kind": self.kind,
            "outcome": self.outcome,
            "message": self.message,
            "observations": dict(self.observations),
            "duration_s": round(self.duration_s, 3),
            "judged": self.judged,
            "cause": self.cause or None,
            "evidence": [e.to_dict() for e in self.evidence],
        }

    @classmethod
    def from_dict(cls, requirement: str, data: Mapping[str, Any]) -> CheckResult:
        return cls(
            check=data["name"],
            requirement=requirement,
            outcome=data["outcome"],
            kind=data["kind"],
            message=data["message"],
            observations=dict(data["observations"]),
            evidence=tuple(Exchange.from_dict(e) for e in data["evidence"]),
            duration_s=data["duration_s"],
            judged=data.get("judged", 0),
            cause=data.get("cause") or "",
        )


@dataclass(frozen=True)
class Baselined:
    """A known failure accepted by ``--baseline``; ``stale`` when the requirement now passes."""

    reason: str
    stale: bool = False


@dataclass(frozen=True)
class RequirementVerdict:
    requirement: Requirement
    verdict: Verdict
    reason: str
    checks: tuple[CheckResult, ...] = ()
    baselined: Baselined | None = None

    @property
    def judged(self) -> int:
        """How many answers judged this requirement, over all its checks."""
        return sum(c.judged for c in self.checks)

    @property
    def counts_as_failure(self) -> bool:
        """A MUST failure that no baseline excuses."""
        return self.verdict == "fail" and self.baselined is None

    @property
    def counts_as_warning(self) -> bool:
        return self.verdict == "warn" and self.baselined is None


def judge(
    requirement: Requirement, results: Iterable[CheckResult], unmet: Iterable[str] = ()
) -> RequirementVerdict:
    """Fold one requirement's check results into its verdict.

    A failed check fails a MUST, warns on a SHOULD and is only an observation on a PROBE. A
    requirement passes only on evidence: a passed check that judged at least one answer. Blocked
    and not-applicable checks say nothing either way (a pass names how many checks were blocked).
    ``unmet`` names capabilities the target lacks, for the reason line.
    """
    results = tuple(results)
    counted = tuple(r for r in results if r.outcome != "passed" or r.judged)
    outcomes = Counter(r.outcome for r in counted)
    first = {o: next(r for r in counted if r.outcome == o) for o in outcomes}
    if outcomes["error"]:
        return RequirementVerdict(requirement, "error", first["error"].message, results)
    if outcomes["failed"]:
        verdict: Verdict = {"MUST": "fail", "SHOULD": "warn", "PROBE": "observed"}[requirement.level]
        reason = first["failed"].message
        if requirement.level == "PROBE":  # what was recorded first, then how it differs from the guess
            reason = "; ".join(n for n in (_observation_line(results), reason) if n)
        return RequirementVerdict(requirement, verdict, reason, results)
    if outcomes["passed"]:
        verdict = "observed" if requirement.level == "PROBE" else "pass"
        notes = [_observation_line(results)] if requirement.level == "PROBE" else []
        if outcomes["blocked"]:
            notes.append(f"{outcomes['blocked']} of its checks blocked ({first['blocked'].message})")
        return RequirementVerdict(requirement, verdict, "; ".join(n for n in notes if n), results)
    if outcomes["blocked"]:
        return RequirementVerdict(requirement, "blocked", first["blocked"].message, results)
    unmet = sorted(unmet)
    if unmet:
        reason = f"needs {', '.join(unmet)}, which the target does not provide"
    elif outcomes["not-applicable"]:
        reason = first["not-applicable"].message
    elif requirement.area == LOAD_AREA:
        reason = "judged by mpsd-conformance load, not by run"
    else:
        reason = "no check for this requirement ran"
    return RequirementVerdict(requirement, "not-applicable", reason, results)


def _observation_line(results: tuple[CheckResult, ...]) -> str:
    seen = {k: v for r in results for k, v in r.observations.items()}
    return "; ".join(f"{k}={v}" for k, v in seen.items())


def judge_all(
    ledger: Ledger,
    requirements: Iterable[Requirement],
    results: Iterable[CheckResult],
    capabilities: frozenset[str],
) -> tuple[RequirementVerdict, ...]:
    by_requirement: dict[str, list[CheckResult]] = {}
    for result in results:
        ledger.get(result.requirement)  # an unknown ID is a harness bug, not a verdict
        by_requirement.setdefault(result.requirement, []).append(result)
    return tuple(judge(r, by_requirement.get(r.id, ()), set(r.needs) - capabilities) for r in requirements)


def apply_baseline(
    verdicts: Iterable[RequirementVerdict], known: Mapping[str, str]
) -> tuple[RequirementVerdict, ...]:
    """Mark known failures as baselined, and baselined requirements that now pass as stale."""
    marked = []
    for v in verdicts:
        reason = known.get(v.requirement.id)
        if reason is None:
            marked.append(v)
        elif v.verdict in ("fail", "warn"):
            marked.append(RequirementVerdict(v.requirement, v.verdict, v.reason, v.checks, Baselined(reason)))
        elif v.verdict == "pass":
            marked.append(
                RequirementVerdict(v.requirement, v.verdict, v.reason, v.checks, Baselined(reason, True))
            )
        else:
            marked.append(v)
    return tuple(marked)


def summarize(verdicts: Iterable[RequirementVerdict]) -> dict[str, dict[str, int]]:
    """Counts of each verdict per level, every level and verdict present (zeros included)."""
    table = {level: dict.fromkeys(VERDICTS, 0) for level in ("MUST", "SHOULD", "PROBE")}
    for v in verdicts:
        table[v.requirement.level][v.verdict] += 1
    return table


JUDGED: frozenset[Verdict] = frozenset({"pass", "fail", "warn", "observed"})


def run_errors(verdicts: Iterable[RequirementVerdict]) -> tuple[str, ...]:
    """What makes a whole run untrustworthy although every check ended cleanly: the target stopped
    answering part-way, or nothing at all could be judged."""
    verdicts = tuple(verdicts)
    checks = [c for v in verdicts for c in v.checks]
    errors = []
    stopped = next((c for c in checks if c.cause == "target-stopped"), None)
    if stopped is not None:
        errors.append(f"the checks after this are blocked: {_first_line(stopped.message)}")
    blocked = next((c for c in checks if c.outcome == "blocked"), None)
    if blocked is not None and not any(v.verdict in JUDGED for v in verdicts):
        errors.append(f"nothing could be judged: every check was blocked ({_first_line(blocked.message)})")
    return tuple(errors)


def _first_line(text: str) -> str:
    return text.splitlines()[0] if text else ""


def exit_code(
    verdicts: Iterable[RequirementVerdict], strict: bool, harness_errors: Iterable[str] = ()
) -> int:
    """0 no MUST failure; 1 MUST failures (and, with --strict, SHOULD warnings or stale baseline
    entries); 3 when the harness broke or the target could not be reached, since then no verdict
    can be trusted."""
    verdicts = tuple(verdicts)
    if any(v.verdict == "error" for v in verdicts) or any(True for _ in harness_errors):
        return EXIT_UNREACHABLE
    if any(v.counts_as_failure for v in verdicts):
        return EXIT_FAILED
    if strict and any(v.counts_as_warning or (v.baselined and v.baselined.stale) for v in verdicts):
        return EXIT_FAILED
    return EXIT_OK


@dataclass(frozen=True)
class TargetSummary:
    """What the report may say about the target: never a credential."""

    url: str
    embedded: bool
    scid: str
    template: str
    contract_version: int
    timeout_s: float
    users: int
    server_principal: bool
    capabilities: tuple[str, ...]


@dataclass(frozen=True)
class RunResult:
    run_id: str
    suite_version: str
    ledger_version: int
    target: TargetSummary
    started_at: str
    finished_at: str
    duration_s: float
    seed: int
    options: Mapping[str, Any]
    verdicts: tuple[RequirementVerdict, ...]
    exit_code: int
    phases: Mapping[str, float] = field(default_factory=dict)
    leaks: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    # The public documents the verdicts' requirements cite, so a report links each one.
    sources: Mapping[str, Source] = field(default_factory=dict)
    # {"limits": ["30/15", ...], "identities": {"user 1": {"requests": ..., "paced_s": ..., ...}}}
    throttling: Mapping[str, Any] = field(default_factory=dict)
    # A load run's throughput and latency:
    # {"duration_s": ..., "operations": {name: {"requests", "failures", "rps", "p50_ms", ...}}}
    load: Mapping[str, Any] = field(default_factory=dict)

    @property
    def summary(self) -> dict[str, dict[str, int]]:
        return summarize(self.verdicts)
