"""From what the judges found to a run's result: one check per requirement and judge, the verdicts
by the ledger's level rules, and the RunResult both traffic commands report.

A requirement passes only on exchanges that showed it kept, fails on one that broke it, and is
*not applicable*, with the reason, where nothing in the capture exercised it, and where no capture
can (a requirement a scenario has to arrange, or one for many players at once): never passed.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from conformance.collect import new_run_id
from conformance.config import DEFAULT_TIMEOUT_S
from conformance.ledger import CAPABILITIES, LOAD_AREA, load_ledger
from conformance.traffic import answers, breaches, client, sessions
from conformance.traffic.record import Judged, Record
from conformance.verdicts import (
    JUDGED,
    CheckResult,
    Finding,
    LedgerInfo,
    RequirementVerdict,
    Run,
    RunResult,
    TargetSummary,
    exit_code,
    judge,
    judge_all,
    this_suite,
)

Gate = Literal["both", "service", "client"]
# Each judge, the check name it reports under and the requirements it can judge.
ANSWERS, SESSIONS, REQUESTS = (
    "traffic: each answer",
    "traffic: each session in order",
    "traffic: each request",
)
_COVERS = {
    ANSWERS: answers.JUDGES,
    SESSIONS: sessions.JUDGES,
    REQUESTS: frozenset(r.id for r in client.RULES),
}
MAX_PROBLEMS = 5
MAX_EVIDENCE = 6


@dataclass(frozen=True)
class Found:
    """What every judge found in a capture, by check name."""

    by_check: Mapping[str, list[Judged]]
    records: tuple[Record, ...]


def find(records: Sequence[Record]) -> Found:
    """Run every judge over the capture's MPSD exchanges."""
    listed = list(records)
    return Found(
        {
            ANSWERS: [found for record in listed for found in answers.judge(record)],
            SESSIONS: sessions.judge(listed),
            REQUESTS: client.judge(listed),
        },
        tuple(listed),
    )


def _observations(items: list[Judged]) -> dict[str, Any]:
    seen: dict[str, Counter[str]] = {}
    for item in items:
        if item.observed is not None:
            key, value = item.observed
            seen.setdefault(key, Counter())[str(value).lower()] += 1
    return {
        f"{key}s" if key == "status" else f"answers by {key}": dict(sorted(c.items()))
        for key, c in seen.items()
    }


def check_result(name: str, items: list[Judged]) -> CheckResult:
    """One judge's result for one requirement: failed on any exchange it found broken, passed on
    the exchanges it found kept. An exchange judged twice counts once, broken if either says so."""
    by_record: dict[int, Judged] = {}
    for item in items:
        known = by_record.get(item.record.index)
        if known is None or (item.problem and not known.problem):
            by_record[item.record.index] = item
    judged = [by_record[i] for i in sorted(by_record)]
    broken = [j for j in judged if j.problem]
    observations = _observations(items)
    if not broken:
        first = judged[0]
        return CheckResult(
            check=name, kind="traffic", outcome="passed", judged=len(judged), observations=observations,
            evidence=tuple(r.exchange for r in (*first.shown, first.record)),
        )  # fmt: skip
    lines = [f"{len(broken)} of {len(judged)} judged exchanges break it:"]
    lines += [f"  {j.problem} ({j.record.shown})" for j in broken[:MAX_PROBLEMS]]
    if len(broken) > MAX_PROBLEMS:
        lines.append(f"  (and {len(broken) - MAX_PROBLEMS} more)")
    lines.append(f"  reproduce: {broken[0].record.exchange.curl}")
    evidence: dict[int, Record] = {}
    for j in broken:
        for record in (*j.shown, j.record):
            evidence.setdefault(record.index, record)
    shown = [evidence[i] for i in list(evidence)[:MAX_EVIDENCE]]
    return CheckResult(
        check=name, kind="traffic", outcome="failed", message="\n".join(lines), judged=len(judged),
        observations=observations, evidence=tuple(r.exchange for r in shown),
    )  # fmt: skip


def _unexercised(area: str) -> CheckResult:
    if area == LOAD_AREA:
        reason = "judged by mpsd-conformance load, from many players at once"
    else:
        reason = "not judged from traffic: its check needs a session it arranged itself (run judges it)"
    return CheckResult(check="traffic", kind="traffic", outcome="not-applicable", message=reason)


def findings(found: Found, requirements: Iterable[Any]) -> list[Finding]:
    """Each requirement's check results: one per judge that can judge it, and not-applicable
    (with the reason) where none judged it."""
    results: list[Finding] = []
    for requirement in requirements:
        checks = [name for name, covered in _COVERS.items() if requirement.id in covered]
        if not checks:
            results.append((requirement.id, _unexercised(requirement.area)))
        for name in checks:
            items = [j for j in found.by_check[name] if j.requirement == requirement.id]
            if items:
                results.append((requirement.id, check_result(name, items)))
            else:
                reason = f"no exchange of the {len(found.records)} in the capture exercised it"
                unjudged = CheckResult(check=name, kind="traffic", outcome="not-applicable", message=reason)
                results.append((requirement.id, unjudged))
    return results


def verdicts(found: Found) -> tuple[tuple[RequirementVerdict, ...], tuple[RequirementVerdict, ...]]:
    """The service's verdicts (every ledger requirement, in its order) and the client's (every rule)."""
    ledger = load_ledger()
    service = judge_all(ledger, ledger.requirements, findings(found, ledger.requirements), CAPABILITIES)
    by_rule: dict[str, list[CheckResult]] = {}
    for rule_id, result in findings(found, client.RULES):
        by_rule.setdefault(rule_id, []).append(result)
    return service, tuple(judge(rule, by_rule[rule.id]) for rule in client.RULES)


def target_of(
    records: Sequence[Record], url: str | None = None, timeout_s: float = DEFAULT_TIMEOUT_S
) -> TargetSummary:
    """What the capture says of the service it talked to (the proxy knows its target's URL)."""
    routes = [r.route for r in records if r.route is not None]

    def most(values: Iterable[Any], default: Any) -> Any:
        counted = Counter(values).most_common(1)
        return counted[0][0] if counted else default

    return TargetSummary(
        url=url or most((r.origin for r in routes), "http://unknown"),
        embedded=False,
        scid=most((r.scid for r in routes), ""),
        template=most((r.template for r in routes), ""),
        contract_version=most((v for r in records if (v := r.contract_version) is not None), 0),
        timeout_s=timeout_s,
        users=len({r.caller for r in records if r.caller}),
        server_principal=any(breaches.on_behalf(r) for r in records),
        capabilities=(),
    )


def result(
    found: Found,
    *,
    command: str,
    target: TargetSummary,
    started: float,
    gate: Gate = "both",
    strict: bool = False,
    options: Mapping[str, Any] | None = None,
) -> RunResult:
    """The run's result: both sides judged, the exit code from the side(s) ``gate`` names."""
    service, client_side = verdicts(found)
    gated = {"both": (*service, *client_side), "service": service, "client": client_side}[gate]
    errors = []
    if not found.records:
        errors.append("nothing could be judged: no MPSD session exchange passed")
    elif not any(v.verdict in JUDGED for v in (*service, *client_side)):
        errors.append(f"nothing could be judged in the {len(found.records)} MPSD exchanges")
    records = found.records
    finished = time.time()
    ledger = load_ledger()
    return RunResult(
        suite=this_suite(),
        ledger=LedgerInfo(version=ledger.version),
        run=Run.between(
            new_run_id(),
            started,
            finished,
            seed=0,
            exit_code=exit_code(gated, strict, errors),
            phases={command: finished - started},
        ),
        target=target,
        options={
            "command": command,
            "gate": gate,
            "strict": strict,
            **(options or {}),
            "mpsd_exchanges": len(records),
            "unanswered": sum(r.status is None for r in records),
            "sessions": len({(r.clock, r.route.session) for r in records if r.route}),
            "callers": len({r.caller for r in records if r.caller}),
        },
        verdicts=service,
        client=client_side,
        errors=tuple(errors),
        sources=ledger.cited_sources((*ledger.requirements, *client.RULES)),
    )
