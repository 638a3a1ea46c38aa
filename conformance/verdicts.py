"""Verdicts as plain values: what each check found, and what that means for each requirement.

Checks (scenario tests, fuzz checks) produce ``CheckResult``s; ``judge`` folds them into one
``RequirementVerdict`` per ledger requirement using the level rules; ``RunResult`` carries the
whole run to the reporters. Nothing here talks HTTP or writes files.

These values are also the model of report.json: each ``msgspec.Struct`` below is one object of
the report, its fields in the report's order under the report's names, so the report is encoded
from them, decoded into them and its schema generated from them (``conformance.report.schema``).
Docstrings of the structs and ``Meta`` descriptions are the schema's words for its readers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType, field
from msgspec.structs import force_setattr, replace

from conformance import __version__
from conformance.http.exchange import Exchange
from conformance.ledger import LEVELS, LOAD_AREA, Ledger, Level, Requirement, Source
from conformance.profiles import Profile
from conformance.resources import selfproof_path

# What one check did. "blocked": its precondition failed (e.g. the create it needed was refused),
# so it says nothing about its own requirement. "error": the harness itself broke.
CheckOutcome = Literal["passed", "failed", "not-applicable", "blocked", "error"]
# What the report says about a requirement.
Verdict = Literal["pass", "fail", "warn", "observed", "not-applicable", "blocked", "error"]
VERDICTS: tuple[Verdict, ...] = ("pass", "fail", "warn", "observed", "not-applicable", "blocked", "error")
# For a blocked check, the kind of trouble.
Cause = Literal["precondition", "transport", "target-stopped", "throttled", "overloaded", "credentials"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_UNREACHABLE = 0, 1, 2, 3
SCHEMA_VERSION = 6
SUITE_NAME = "mpsd-conformance"

NonEmpty = Annotated[str, Meta(min_length=1)]
Count = Annotated[int, Meta(ge=0)]
# Reports keep durations to the millisecond: the structs round them when they are made.
Seconds = Annotated[float, Meta(ge=0)]
Strings = tuple[str, ...]


def _utc(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _seconds(value: float) -> float:
    return round(value, 3)


class CheckResult(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The result of one check for one requirement (the requirement it is listed under)."""

    check: NonEmpty = field(name="name")
    kind: Annotated[
        Literal["scenario", "fuzz", "load", "traffic"],
        Meta(description="traffic: judged from captured or proxied exchanges (check-traffic, proxy)"),
    ] = "scenario"
    outcome: CheckOutcome
    message: str = ""
    observations: dict[str, Any] = {}
    duration_s: Seconds = 0.0
    # A pass needs at least one judged answer.
    judged: Annotated[
        int, Meta(ge=0, description="how many answers this check judged against the requirement")
    ] = 0
    cause: Annotated[Cause | None, Meta(description="for a blocked check, the kind of trouble")] = None
    evidence: tuple[Exchange, ...] = ()

    def __post_init__(self) -> None:
        force_setattr(self, "duration_s", _seconds(self.duration_s))


# A requirement's check results as checks deliver them: (requirement ID, result).
Finding = tuple[str, CheckResult]


class Baselined(Struct, frozen=True, forbid_unknown_fields=True):
    """A known failure accepted by --baseline; stale when the requirement now passes."""

    reason: str
    stale: bool = False


_NO_PASS_WITHOUT_EVIDENCE = {
    "description": "no pass without evidence: a passing requirement was judged on at least one answer, "
    "and a passed check that judged it lists one",
    "if": {"properties": {"verdict": {"const": "pass"}}, "required": ["verdict"]},
    "then": {
        "properties": {
            "judged": {"minimum": 1},
            "checks": {
                "contains": {
                    "properties": {
                        "outcome": {"const": "passed"},
                        "judged": {"minimum": 1},
                        "evidence": {"minItems": 1},
                    },
                    "required": ["outcome", "judged", "evidence"],
                }
            },
        }
    },
}


class RequirementVerdict(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A ledger requirement (or a client rule a traffic check judges requests by), as the report
    states it, and what the run found about it."""

    id: Annotated[str, Meta(pattern="^[A-Z0-9]+(-[A-Z0-9]+)*$")]
    level: Annotated[
        Level, Meta(description="the level it was judged at: the ledger's, or the profile's when lower")
    ]
    ledger_level: Annotated[
        Level | None,
        Meta(description="the ledger's level when the run's profile scores the requirement lower; else null"),
    ] = None
    # UNSET only in a report older than the ledger's "why".
    why: Annotated[
        str | UnsetType, Meta(description="why the requirement has its level (the ledger's modelling rule)")
    ] = UNSET
    area: NonEmpty
    statement: NonEmpty
    expected: NonEmpty
    source: Strings
    status: Annotated[
        Literal["any-4xx"] | None, Meta(description="any-4xx: the docs say rejected without a status")
    ] = None
    needs: Strings = ()
    verdict: Verdict
    # Derived from the checks when the verdict is made; a field so that the report carries it.
    judged: Annotated[
        int, Meta(ge=0, description="how many answers judged this requirement, over all its checks")
    ] = 0
    reason: str
    baselined: Baselined | None = field(name="baseline", default=None)
    not_scored: Annotated[
        str | None,
        Meta(
            description="why the verdict counts for nothing (the requirement was added after the run's "
            "profile); null when it is scored"
        ),
    ] = None
    checks: tuple[CheckResult, ...] = ()

    def __post_init__(self) -> None:
        force_setattr(self, "judged", sum(c.judged for c in self.checks))

    @classmethod
    def of(
        cls, requirement: Requirement, verdict: Verdict, reason: str, checks: tuple[CheckResult, ...] = ()
    ) -> RequirementVerdict:
        """The verdict on a ledger requirement: the report states the requirement with it."""
        return cls(
            id=requirement.id,
            level=requirement.level,
            why=requirement.why,
            area=requirement.area,
            statement=requirement.statement,
            expected=requirement.expected,
            source=requirement.source,
            status=requirement.status,
            needs=requirement.needs,
            verdict=verdict,
            reason=reason,
            checks=checks,
        )

    @property
    def requirement(self) -> Requirement:
        """The requirement as the report states it (a report leaves out its candidates and refusal)."""
        return Requirement(
            self.id,
            self.level,
            self.area,
            self.statement,
            self.expected,
            self.source,
            status=self.status,
            needs=self.needs,
            why=self.why or "",
        )

    @property
    def scored(self) -> bool:
        """Whether the verdict counts toward the run's result (the run's profile scores it)."""
        return self.not_scored is None

    @property
    def counts_as_failure(self) -> bool:
        """A scored MUST failure that no baseline excuses."""
        return self.verdict == "fail" and self.baselined is None and self.scored

    @property
    def counts_as_warning(self) -> bool:
        return self.verdict == "warn" and self.baselined is None and self.scored

    @property
    def stale(self) -> bool:
        """A scored requirement the baseline excuses although it passes (``--strict`` fails on it)."""
        return self.baselined is not None and self.baselined.stale and self.scored


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
        return RequirementVerdict.of(requirement, "error", first["error"].message, results)
    if outcomes["failed"]:
        verdict: Verdict = {"MUST": "fail", "SHOULD": "warn", "PROBE": "observed"}[requirement.level]
        reason = first["failed"].message
        if requirement.level == "PROBE":  # what was recorded first, then how it differs from the guess
            reason = "; ".join(n for n in (_observation_line(results), reason) if n)
        return RequirementVerdict.of(requirement, verdict, reason, results)
    if outcomes["passed"]:
        verdict = "observed" if requirement.level == "PROBE" else "pass"
        notes = [_observation_line(results)] if requirement.level == "PROBE" else []
        if outcomes["blocked"]:
            notes.append(f"{outcomes['blocked']} of its checks blocked ({first['blocked'].message})")
        return RequirementVerdict.of(requirement, verdict, "; ".join(n for n in notes if n), results)
    if outcomes["blocked"]:
        return RequirementVerdict.of(requirement, "blocked", first["blocked"].message, results)
    unmet = sorted(unmet)
    if unmet:
        reason = f"needs {', '.join(unmet)}, which the target does not provide"
    elif outcomes["not-applicable"]:
        reason = first["not-applicable"].message
    elif requirement.area == LOAD_AREA:
        reason = "judged by mpsd-conformance load, not by run"
    else:
        reason = "no check for this requirement ran"
    return RequirementVerdict.of(requirement, "not-applicable", reason, results)


def _observation_line(results: tuple[CheckResult, ...]) -> str:
    seen = {k: v for r in results for k, v in r.observations.items()}
    return "; ".join(f"{k}={v}" for k, v in seen.items())


def scored_verdict(
    requirement: Requirement,
    profile: Profile | None,
    verdict_at: Callable[[Requirement], RequirementVerdict],
) -> RequirementVerdict:
    """The verdict ``verdict_at`` gives the requirement at the level ``profile`` scores it, marked
    when the profile does not score it (no profile: the ledger's level, and it counts)."""
    if profile is None:
        return verdict_at(requirement)
    as_scored, not_scored = profile.scoring(requirement)
    capped = requirement.level if as_scored.level != requirement.level else None
    return replace(verdict_at(as_scored), not_scored=not_scored, ledger_level=capped)


def judge_all(
    ledger: Ledger,
    requirements: Iterable[Requirement],
    findings: Iterable[Finding],
    capabilities: frozenset[str],
    profile: Profile | None = None,
) -> tuple[RequirementVerdict, ...]:
    """Each requirement judged on its checks, as ``profile`` scores it (``scored_verdict``)."""
    by_requirement: dict[str, list[CheckResult]] = {}
    for requirement_id, result in findings:
        ledger.get(requirement_id)  # an unknown ID is a harness bug, not a verdict
        by_requirement.setdefault(requirement_id, []).append(result)

    def verdict_at(requirement: Requirement) -> RequirementVerdict:
        results = by_requirement.get(requirement.id, ())
        return judge(requirement, results, set(requirement.needs) - capabilities)

    return tuple(scored_verdict(r, profile, verdict_at) for r in requirements)


def apply_baseline(
    verdicts: Iterable[RequirementVerdict], known: Mapping[str, str]
) -> tuple[RequirementVerdict, ...]:
    """Mark known failures as baselined, and baselined requirements that now pass as stale."""
    marked = []
    for v in verdicts:
        reason = known.get(v.id)
        if reason is not None and v.verdict in ("fail", "warn", "pass"):
            v = replace(v, baselined=Baselined(reason, stale=v.verdict == "pass"))
        marked.append(v)
    return tuple(marked)


Counts = dict[Verdict, int]
Summary = dict[Level, Counts]


def summarize(verdicts: Iterable[RequirementVerdict]) -> Summary:
    """Counts of each scored verdict per level, every level and verdict present (zeros included):
    the run's score, which a requirement its profile does not score has no part in."""
    table: Summary = {level: dict.fromkeys(VERDICTS, 0) for level in LEVELS}
    for v in verdicts:
        if v.scored:
            table[v.level][v.verdict] += 1
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
    if blocked is not None and not any(v.verdict in JUDGED for v in verdicts if v.scored):
        errors.append(f"nothing could be judged: every check was blocked ({_first_line(blocked.message)})")
    return tuple(errors)


def _first_line(text: str) -> str:
    return text.splitlines()[0] if text else ""


def exit_code(
    verdicts: Iterable[RequirementVerdict], strict: bool, harness_errors: Iterable[str] = ()
) -> int:
    """0 no MUST failure; 1 MUST failures (and, with --strict, SHOULD warnings or stale baseline
    entries); 3 when the harness broke or the target could not be reached, since then no verdict
    can be trusted. Only scored verdicts count: what the run's profile does not score never
    changes the exit code."""
    verdicts = tuple(v for v in verdicts if v.scored)
    if any(v.verdict == "error" for v in verdicts) or any(True for _ in harness_errors):
        return EXIT_UNREACHABLE
    if any(v.counts_as_failure for v in verdicts):
        return EXIT_FAILED
    if strict and any(v.counts_as_warning or v.stale for v in verdicts):
        return EXIT_FAILED
    return EXIT_OK


def oracle_exit(code: int, divergences: Divergences | UnsetType) -> int:
    """--oracle strict: a run that passes fails (1) on a divergence outside every latitude. A
    divergence never changes any other exit code, and without strict it changes none."""
    if isinstance(divergences, Divergences) and divergences.mode == "strict" and divergences.groups:
        return EXIT_FAILED if code == EXIT_OK else code
    return code


class TargetSummary(Struct, frozen=True, forbid_unknown_fields=True):
    """What the report may say about the target: never a credential."""

    url: Annotated[str, Meta(pattern="^https?://")]
    embedded: bool
    scid: str
    template: str
    contract_version: int
    timeout_s: Annotated[float, Meta(gt=0)]
    users: Count
    server_principal: bool
    capabilities: Annotated[Strings, Meta(extra_json_schema={"uniqueItems": True})]


class MutationScore(Struct, frozen=True, forbid_unknown_fields=True):
    detected: Count
    faults: Count


class FalseFailureScore(Struct, frozen=True, forbid_unknown_fields=True):
    passed: Count
    variants: Count


class SelfProof(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What ``mpsd-conformance selftest`` proved of this suite version, so that a published report
    says how far its verdicts can be trusted: the faults of the fault model it catches on exactly
    their requirements, and the latitude variants (choices the documents leave a service) it passes
    with no failure or warning. The project's CI fails unless both are whole and equal to these."""

    mutation_score: MutationScore
    false_failure_score: FalseFailureScore


class Suite(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: Literal["mpsd-conformance"] = SUITE_NAME
    version: NonEmpty
    selftest: SelfProof | UnsetType = UNSET


@cache
def this_suite() -> Suite:
    """The suite that writes this report: its version and the self-proof it shipped with."""
    proof = msgspec.json.decode(selfproof_path().read_bytes(), type=SelfProof)
    return Suite(version=__version__, selftest=proof)


class LedgerInfo(Struct, frozen=True, forbid_unknown_fields=True):
    version: Count


class IdentityCounts(Struct, frozen=True, forbid_unknown_fields=True):
    """What one identity sent and how long it waited on the target's limits."""

    requests: Count = 0
    paced_s: Seconds = 0.0
    throttled: Annotated[int, Meta(ge=0, description="answers 429")] = 0
    unavailable: Annotated[int, Meta(ge=0, description="answers 503")] = 0
    retry_wait_s: Seconds = 0.0

    def __post_init__(self) -> None:
        force_setattr(self, "paced_s", _seconds(self.paced_s))
        force_setattr(self, "retry_wait_s", _seconds(self.retry_wait_s))

    @classmethod
    def tally(cls, counts: Mapping[str, float]) -> IdentityCounts:
        """From a ``ThrottleStats`` tally, which adds every count up as a float."""
        return cls(
            requests=int(counts.get("requests", 0)),
            paced_s=counts.get("paced_s", 0.0),
            throttled=int(counts.get("throttled", 0)),
            unavailable=int(counts.get("unavailable", 0)),
            retry_wait_s=counts.get("retry_wait_s", 0.0),
        )


class Throttling(Struct, frozen=True, forbid_unknown_fields=True):
    """The target's rate limits per caller, and per identity what the run sent and how long it
    waited on them (pacing, and 429/503 answers waited out)"""

    limits: tuple[Annotated[str, Meta(pattern="^[0-9]+/[0-9.]+$")], ...] = ()
    identities: dict[str, IdentityCounts] = {}


class OperationStats(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One operation of a load run: how many requests, how fast, how long they took (ms)."""

    requests: Count
    failures: Annotated[int, Meta(ge=0, description="answered 5xx (but 503) or not at all")]
    rps: Annotated[float, Meta(ge=0)]
    p50_ms: Annotated[float, Meta(ge=0)]
    p95_ms: Annotated[float, Meta(ge=0)]
    p99_ms: Annotated[float, Meta(ge=0)]


class LoadStats(Struct, frozen=True, forbid_unknown_fields=True):
    """A load run's throughput and latency per operation (mpsd-conformance load); "all" sums them."""

    duration_s: Seconds
    operations: dict[str, OperationStats] = {}

    def __post_init__(self) -> None:
        force_setattr(self, "duration_s", _seconds(self.duration_s))


class ProfileUsed(Struct, frozen=True, forbid_unknown_fields=True):
    """The requirement profile a run was scored against (run --profile; the newest unless it names one)."""

    name: NonEmpty
    retired: Annotated[
        Strings,
        Meta(
            description="requirements the profile scores that the ledger no longer has: not run, and "
            "counting for nothing"
        ),
    ] = ()


class Run(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    id: NonEmpty
    started_at: str
    finished_at: str
    duration_s: Seconds
    seed: int
    exit_code: Annotated[
        int,
        Meta(
            description="0 ok, 1 failed, 2 usage, 3 harness error or unreachable target",
            extra_json_schema={"enum": [EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_UNREACHABLE]},
        ),
    ]
    phases: dict[str, Seconds] = {}
    # Empty in a report older than schema version 3.
    throttling: Throttling = Throttling()
    # Only in a report of mpsd-conformance load (schema version 4 on).
    load: LoadStats | UnsetType = UNSET
    profile: Annotated[
        ProfileUsed | None,
        Meta(
            description="null when every requirement was scored at the ledger's level (a load run, "
            "or a report older than schema version 5)"
        ),
    ] = None

    def __post_init__(self) -> None:
        force_setattr(self, "duration_s", _seconds(self.duration_s))
        force_setattr(self, "phases", {name: _seconds(s) for name, s in self.phases.items()})

    @classmethod
    def between(cls, run_id: str, started: float, finished: float, **fields: Any) -> Run:
        """A run that took from ``started`` to ``finished`` (epoch seconds), its instants written as
        every report writes them: UTC, to the second."""
        return cls(
            id=run_id,
            started_at=_utc(started),
            finished_at=_utc(finished),
            duration_s=finished - started,
            **fields,
        )


class Difference(Struct, frozen=True, forbid_unknown_fields=True):
    """One place where the target's answer differs from the reference's, both normalized."""

    part: Literal["status", "header", "body"]
    path: Annotated[
        str,
        Meta(
            description="the status, a header's name, or a body field's path; member indices and keys "
            "the document leaves free are written *"
        ),
    ]
    target: Annotated[str, Meta(description="what the target answered there, as JSON; absent: nothing")]
    reference: Annotated[str, Meta(description="what the reference answered there, likewise")]


class DivergenceExample(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One occurrence of a divergence: the same request as the target and the reference got it."""

    check: Annotated[str, Meta(description="the check that sent the request")]
    target: Exchange
    reference: Annotated[
        Exchange,
        Meta(
            description="the reference's side; its URL and curl line name 127.0.0.1:8080, where "
            "'mpsd-conformance serve --config target.toml' answers it again"
        ),
    ]


class DivergenceGroup(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Divergences with one signature: the operation, what was sent that matters, and what each
    side answered."""

    signature: Annotated[str, Meta(pattern="^[0-9a-f]{12}$")]
    name: NonEmpty
    operation: NonEmpty
    sent: Annotated[dict[str, str], Meta(description="the features of the request that matter")]
    differences: tuple[Difference, ...]
    count: Annotated[int, Meta(ge=1)]
    consequences: Annotated[
        int,
        Meta(
            ge=0,
            description="later differences in the sessions this divergence's write set apart from the "
            "reference's: counted here, not reported again",
        ),
    ] = 0
    requirements: Annotated[
        Strings, Meta(description="the nearest ledger requirements: those naming what differs")
    ] = ()
    gap: Annotated[
        bool,
        Meta(description="no ledger requirement names what differs: a gap in the document or the ledger"),
    ] = False
    checks: Annotated[Strings, Meta(description="checks that sent such a request (the first few)")] = ()
    examples: Annotated[tuple[DivergenceExample, ...], Meta(description="the first few occurrences")] = ()


class Divergences(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """run --oracle: every request also sent to the embedded reference (twice, to two instances),
    and where the target answered otherwise. A divergence is an observation, never a verdict; only
    --oracle strict makes one outside every latitude fail the run."""

    mode: Literal["on", "strict"]
    compared: Annotated[int, Meta(ge=0, description="exchanges compared with the reference's")]
    not_compared: Annotated[
        dict[str, Count], Meta(description="exchanges the oracle could not compare, per reason")
    ] = {}
    allowed: Annotated[
        dict[str, Count], Meta(description="differences a latitude allows, per latitude (latitude.yaml)")
    ] = {}
    noise: Annotated[
        int, Meta(ge=0, description="differences subtracted because the two references disagreed there too")
    ] = 0
    noisy: Annotated[
        Strings, Meta(description="where the two references disagreed: operation, part and path")
    ] = ()
    groups: tuple[DivergenceGroup, ...] = ()

    @property
    def total(self) -> int:
        return sum(g.count for g in self.groups)

    @property
    def gaps(self) -> int:
        return sum(g.gap for g in self.groups)


# A verdict as a report holds it: the schema lets no pass through without its evidence.
Evidenced = Annotated[RequirementVerdict, Meta(extra_json_schema={"allOf": [_NO_PASS_WITHOUT_EVIDENCE]})]


def _closed_table(keys: tuple[str, ...]) -> Meta:
    """A JSON object with exactly these keys (a dict keyed by a Literal does not say so itself)."""
    return Meta(extra_json_schema={"required": list(keys), "propertyNames": {"enum": list(keys)}})


class RunResult(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One conformance run against one MPSD target. Objects are closed except options and
    observations, which may grow; any other change bumps schema_version."""

    schema_version: Annotated[int, Meta(extra_json_schema={"const": SCHEMA_VERSION})] = SCHEMA_VERSION
    suite: Suite
    ledger: LedgerInfo
    run: Run
    target: TargetSummary
    options: dict[str, Any] = {}
    # Derived from the verdicts when the result is made; a field so that the report carries it.
    summary: Annotated[
        dict[Level, Annotated[dict[Verdict, Count], _closed_table(VERDICTS)]],
        _closed_table(LEVELS),
        Meta(description="the scored verdicts counted per level (one marked not_scored is not counted)"),
    ] = {}
    # In the ledger's order.
    verdicts: tuple[Evidenced, ...] = field(name="requirements", default=())
    client: Annotated[
        tuple[Evidenced, ...],
        Meta(
            description="what the requests of a traffic check (check-traffic, proxy) break: each rule a "
            "client's request must keep, and its verdict; empty for the other commands, whose requirements "
            "are all about the service"
        ),
    ] = ()
    leaks: Annotated[Strings, Meta(description="sessions the run could not delete")] = ()
    errors: Annotated[Strings, Meta(description="harness errors, one line each")] = ()
    sources: Annotated[
        dict[str, Source],
        Meta(
            description="the public documents the requirements cite (their source ids), "
            "each with its title and URL"
        ),
    ] = {}
    # Only in a report of run --oracle (schema version 6 on).
    divergences: Divergences | UnsetType = UNSET

    def __post_init__(self) -> None:
        force_setattr(self, "summary", summarize(self.verdicts))
