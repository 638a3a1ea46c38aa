"""``mpsd-conformance merge``: the reports of one campaign's shards, judged together as one run.

Every shard's check results are folded per requirement exactly as a single run folds them, so a
finding in any shard fails its requirement and a pass needs evidence from some shard. The shards
must be one campaign: the same target, suite, ledger, profile and seed, and every shard of N present
once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import msgspec
from msgspec import UNSET
from msgspec.structs import replace

from conformance.http.transport import ThrottleStats
from conformance.oracle.log import merge_blocks
from conformance.report.compare import find_reports, load_run, same_target
from conformance.report.json_report import ReportError
from conformance.verdicts import (
    CheckResult,
    Divergences,
    IdentityCounts,
    RequirementVerdict,
    Run,
    RunResult,
    Throttling,
    apply_baseline,
    exit_code,
    judge,
    oracle_exit,
    run_errors,
)


def merge(paths: Sequence[Path]) -> RunResult:
    """Raises ReportError (one line) when the reports are not the complete shards of one campaign."""
    shards = [load_run(path) for group in find_reports(paths) for path in group]
    first = shards[0]
    for shard in shards[1:]:
        for what, same in (
            ("target", same_target(first.target, shard.target)),
            ("suite version", first.suite.version == shard.suite.version),
            ("ledger version", first.ledger.version == shard.ledger.version),
            ("profile", first.run.profile == shard.run.profile),
            ("seed", first.run.seed == shard.run.seed),
        ):
            if not same:
                raise ReportError(
                    f"run {shard.run.id} has another {what} than {first.run.id}: not one campaign"
                )
    _check_shards([shard.options.get("shard") for shard in shards])
    verdicts = _judged(shards)
    # A shard's own run-level errors (an unreachable target) stay; those it derived from its
    # verdicts ("nothing could be judged") are derived again, from the merged ones.
    kept = [error for shard in shards for error in shard.errors if error not in run_errors(shard.verdicts)]
    errors = tuple(dict.fromkeys([*kept, *run_errors(verdicts)]))
    strict = any(shard.options.get("strict") for shard in shards)
    runs = [shard.run for shard in shards]
    blocks = [shard.divergences for shard in shards if isinstance(shard.divergences, Divergences)]
    divergences = merge_blocks(blocks) if blocks else UNSET
    return RunResult(
        suite=first.suite,
        ledger=first.ledger,
        run=Run(
            id=f"{first.run.id}-merged",
            started_at=min(run.started_at for run in runs),
            finished_at=max(run.finished_at for run in runs),
            duration_s=max(run.duration_s for run in runs),  # the shards ran side by side
            seed=first.run.seed,
            exit_code=oracle_exit(exit_code(verdicts, strict, errors), divergences),
            phases=_summed(run.phases for run in runs),
            throttling=Throttling(limits=first.run.throttling.limits, identities=_summed_identities(runs)),
            profile=first.run.profile,
        ),
        target=first.target,
        options={
            **first.options,
            "shard": None,
            "merged": sorted(str(shard.options.get("shard")) for shard in shards),
        },
        verdicts=verdicts,
        leaks=tuple(sorted({leak for shard in shards for leak in shard.leaks})),
        errors=errors,
        sources={k: v for shard in shards for k, v in shard.sources.items()},
        divergences=divergences,
    )


def _check_shards(shards: list[str | None]) -> None:
    if None in shards:
        raise ReportError("every report to merge must come from a run --shard K/N; one came from a whole run")
    counts = {int(str(shard).split("/")[1]) for shard in shards}
    if len(counts) != 1:
        raise ReportError(
            f"the reports split the campaign differently: {', '.join(sorted(map(str, shards)))}"
        )
    count = counts.pop()
    expected = {f"{k}/{count}" for k in range(1, count + 1)}
    if sorted(shards) != sorted(expected):
        missing = sorted(expected - set(shards))
        repeated = sorted({str(s) for s in shards if shards.count(s) > 1})
        problems = [f"missing {', '.join(missing)}"] if missing else []
        problems += [f"twice {', '.join(repeated)}"] if repeated else []
        raise ReportError(f"not every shard of {count} once: {'; '.join(problems)}")


def _judged(shards: list[RunResult]) -> tuple[RequirementVerdict, ...]:
    """Each requirement, in the first report's order, judged on every shard's checks at the level
    the shards scored it, and scored as they scored it (they share one profile)."""
    order: dict[str, RequirementVerdict] = {}
    checks: dict[str, list[CheckResult]] = {}
    known: dict[str, str] = {}
    for shard in shards:
        for verdict in shard.verdicts:
            order.setdefault(verdict.id, verdict)
            checks.setdefault(verdict.id, []).extend(verdict.checks)
            if verdict.baselined is not None:
                known[verdict.id] = verdict.baselined.reason
    capabilities = set(shards[0].target.capabilities)
    judged = [
        replace(
            judge(v.requirement, checks[rid], set(v.needs) - capabilities),
            not_scored=v.not_scored,
            ledger_level=v.ledger_level,
        )
        for rid, v in order.items()
    ]
    return apply_baseline(judged, known)


def _summed(phases: Iterable[Mapping[str, float]]) -> dict[str, float]:
    total: dict[str, float] = {}
    for each in phases:
        for name, seconds in each.items():
            total[name] = round(total.get(name, 0.0) + seconds, 3)
    return total


def _summed_identities(runs: list[Run]) -> dict[str, IdentityCounts]:
    stats = ThrottleStats()
    for run in runs:
        stats.merge(
            {label: msgspec.structs.asdict(counts) for label, counts in run.throttling.identities.items()}
        )
    return {label: IdentityCounts.tally(counts) for label, counts in stats.by_label.items()}
