"""``mpsd-conformance replay``: does each failure of a report still happen, now?

A vendor fixes a failure, then wants to know in seconds whether the fix holds, without a whole
run. Replay reads a report, takes every check that failed or warned, and does it again against the
target as it is now, with its current credentials and fresh session names: a scenario check runs
again (its arrange steps, its one request, its assertions), a fuzz finding's request is sent again
as the fuzz phase sent it (a stateful finding's whole sequence, from the same join), and each is
judged as its check judges it. Each failure then is:

- *fixed*: the check passes now (for a fuzz finding: its requirement finds nothing on the answer);
- *still failing*: it fails for the same reason (the same expectation fails: "expected X" of
  "expected X; got Y", names, ids and numbers aside; for a fuzz finding, a finding of the same kind);
- *failing differently*: it fails for another reason, shown;
- *not judged*: the target gave no answer that is a verdict (blocked, throttled, unreachable).

Several reports can be replayed against several targets at once (``replay_all``): their scenario
checks run in one pytest session, as the self-test runs its tenants.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any, Literal

from msgspec import Struct

from conformance import __version__
from conformance.collect import new_run_id
from conformance.config import Target
from conformance.http.exchange import Exchange
from conformance.http.transport import Limits, ThrottleStats, Transport, TransportError
from conformance.paced import pacing_for
from conformance.plugin import check_key_of
from conformance.runner import run_checks
from conformance.verdicts import CheckResult, RequirementVerdict, RunResult

Outcome = Literal["fixed", "still-failing", "failing-differently", "not-judged"]
REPLAY_VERSION = 1


@dataclass(frozen=True)
class Failure:
    """One failed or warned check of a report, as replay needs it."""

    requirement: str
    level: str
    check: CheckResult
    # The check's label in the run it came from ("" in a plain run, a tenant in the self-test's).
    label: str = ""

    @property
    def key(self) -> str:
        return check_key_of(self.check.check, self.label)


class Replayed(Struct, frozen=True, kw_only=True):
    requirement: str
    level: str
    check: str
    kind: str
    outcome: Outcome
    was: str
    now: str = ""
    evidence: tuple[Exchange, ...] = ()


class OriginalRun(Struct, frozen=True, kw_only=True):
    id: str
    started_at: str
    target: str
    seed: int
    exit_code: int


class ReplayReport(Struct, frozen=True, kw_only=True):
    """replay.json: the run a report came from, where and when it was replayed, and each failure."""

    replay_version: int = REPLAY_VERSION
    suite_version: str = __version__
    original: OriginalRun
    target: str
    started_at: str
    finished_at: str
    failures: tuple[Replayed, ...]
    exit_code: int


def failures_of(
    verdicts: Iterable[RequirementVerdict], select: Iterable[str] = (), label: str = ""
) -> list[Failure]:
    """Every check that failed (a MUST) or warned (a SHOULD), of the requirements ``select``
    matches (shell patterns; all without)."""
    patterns = tuple(select)
    return [
        Failure(v.requirement.id, v.requirement.level, check, label)
        for v in verdicts
        if not patterns or any(fnmatch.fnmatchcase(v.requirement.id, p) for p in patterns)
        for check in v.checks
        if check.outcome == "failed"
    ]


def replay_all(
    tenants: Mapping[str, tuple[Target, list[Failure]]], workers: str = "0"
) -> dict[str, list[Replayed]]:
    """Each tenant's failures replayed against its target: label -> what became of each."""
    scenario = {
        label: (target, frozenset(f.key for f in found if f.check.kind != "fuzz"))
        for label, (target, found) in tenants.items()
    }
    checked = {label: planned for label, planned in scenario.items() if planned[1]}
    ran = run_checks(checked, workers, quiet=True) if checked else {}
    results: dict[str, list[Replayed]] = {}
    for label, (target, found) in tenants.items():
        now = {(rid, check_key_of(result.check, label)): result for rid, result in ran.get(label, [])}
        fuzzed = [f for f in found if f.check.kind == "fuzz"]
        results[label] = [
            _scenario(f, now.get((f.requirement, f.key))) for f in found if f.check.kind != "fuzz"
        ]
        results[label] += _fuzz(target, fuzzed) if fuzzed else []
    return results


def _scenario(failure: Failure, now: CheckResult | None) -> Replayed:
    was = _gist(failure.check.message)
    if now is None:
        return _replayed(failure, "not-judged", "the check did not run (is it in this suite version?)")
    if now.outcome == "passed":
        return _replayed(failure, "fixed", evidence=now.evidence)
    if now.outcome != "failed":
        return _replayed(failure, "not-judged", f"{now.outcome}: {_gist(now.message)}", now.evidence)
    same = _normal(_gist(now.message)) == _normal(was)
    outcome: Outcome = "still-failing" if same else "failing-differently"
    return _replayed(failure, outcome, _gist(now.message), now.evidence)


def _fuzz(target: Target, failures: list[Failure]) -> list[Replayed]:
    """Each finding sent again as the fuzz phase sent it (imported here: most commands never fuzz)."""
    from conformance.fuzz.engine import FuzzContext
    from conformance.fuzz.judging import replay_records
    from conformance.fuzz.replay import findings_again

    pacing = pacing_for(target, ThrottleStats())
    transport = Transport(target.url, Limits(timeout_s=target.timeout_s), pacing)
    context = FuzzContext(target, transport, f"replay{new_run_id()[-4:]}")
    try:
        return [
            _fuzz_one(failure, replay_records(failure.check.observations), partial(findings_again, context))
            for failure in failures
        ]
    finally:
        transport.close()


def _fuzz_one(
    failure: Failure,
    records: list[dict[str, Any]],
    findings_again: Callable[[dict[str, Any]], tuple[dict[str, list[str]], list[Exchange]]],
) -> Replayed:
    if not records:
        return _replayed(
            failure, "not-judged", "the report does not say how the finding was sent (an older suite)"
        )
    same, other, evidence = False, [], []
    for record in records:
        try:
            found, exchanges = findings_again(record)
        except TransportError as exc:
            return _replayed(failure, "not-judged", f"the target gave no usable answer: {exc}")
        except ValueError as exc:  # an identity this target does not configure
            return _replayed(failure, "not-judged", str(exc))
        evidence += exchanges
        kinds = found.get(failure.requirement, [])
        same = same or record.get("title") in kinds
        other += [kind for kind in kinds if kind != record.get("title")]
    if same:
        return _replayed(failure, "still-failing", evidence=tuple(evidence))
    if other:
        now = "fuzzing found: " + "; ".join(dict.fromkeys(other))
        return _replayed(failure, "failing-differently", now, tuple(evidence))
    return _replayed(failure, "fixed", evidence=tuple(evidence))


def _replayed(
    failure: Failure, outcome: Outcome, now: str = "", evidence: tuple[Exchange, ...] = ()
) -> Replayed:
    return Replayed(
        requirement=failure.requirement,
        level=failure.level,
        check=failure.check.check,
        kind=failure.check.kind,
        outcome=outcome,
        was=_gist(failure.check.message),
        now=now,
        evidence=evidence[:3],
    )


def _gist(message: str) -> str:
    """A failure's reason: its first line (the rest is the request, the answer and a curl line)."""
    return next((line.strip() for line in message.splitlines() if line.strip()), "")


_VOLATILE = (
    (re.compile(r"https?://[^\s/'\"]+"), "URL"),
    (re.compile(r"mpsd(?:cf|fz)-[\w-]+"), "NAME"),
    (
        re.compile(r"\b[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}\b"),
        "ID",
    ),
    (re.compile(r"\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:\d\d)?"), "TIME"),
    (re.compile(r"\b\d+(?:\.\d+)?\s*(?:ms|s)\b"), "DURATION"),
)


def _normal(reason: str) -> str:
    """What identifies a reason: the expectation that failed ("expected X; got Y" reads as its
    "expected X": what came back may differ run to run, a timestamp, a racing writer), with what
    differs from run to run taken out (hosts, session names, ids, times, numbers)."""
    reason = reason.split("; got ", 1)[0]
    for pattern, word in _VOLATILE:
        reason = pattern.sub(word, reason)
    return re.sub(r"\d+", "N", reason)


def exit_code(replayed: Iterable[Replayed]) -> int:
    """1 when a failure still happens (or differently), 3 when one could not be judged, else 0."""
    outcomes = {r.outcome for r in replayed}
    if outcomes & {"still-failing", "failing-differently"}:
        return 1
    return 3 if "not-judged" in outcomes else 0


def replay_report(result: RunResult, target: Target, select: Iterable[str] = ()) -> ReplayReport:
    """Replay one report's failures against ``target``."""
    started = _now()
    found = failures_of(result.verdicts, select)
    # A label of its own: the checks run as a one-target matrix (``run_checks``).
    replayed = tuple(replay_all({"target": (target, found)})["target"])
    original = OriginalRun(
        id=result.run.id,
        started_at=result.run.started_at,
        target=result.target.url,
        seed=result.run.seed,
        exit_code=result.run.exit_code,
    )
    return ReplayReport(
        original=original,
        target=target.url,
        started_at=started,
        finished_at=_now(),
        failures=replayed,
        exit_code=exit_code(replayed),
    )


def summary_lines(report: ReplayReport) -> list[str]:
    lines = [f"replay of run {report.original.id} ({report.original.target}) against {report.target}:"]
    if not report.failures:
        lines.append("  the report has no failed or warned check: nothing to replay")
    for failure in report.failures:
        lines.append(f"  {failure.outcome.upper():<20} {failure.requirement} ({failure.check})")
        if failure.outcome in ("failing-differently", "not-judged") and failure.now:
            lines.append(f"      was: {failure.was}")
            lines.append(f"      now: {failure.now}")
    counts = {
        o: sum(f.outcome == o for f in report.failures)
        for o in ("fixed", "still-failing", "failing-differently", "not-judged")
    }
    lines.append(", ".join(f"{n} {o}" for o, n in counts.items()))
    return lines


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
