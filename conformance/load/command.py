"""The ``load`` command: the target, the embedded reference, the players, the verdicts' reports.

Importing this module does not import Locust; ``run`` does, and from then on the process is
gevent's. The embedded reference runs in a process of its own, so the players and the service do
not share one interpreter (or one core).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from conformance.collect import new_run_id, target_summary
from conformance.config import ConfigError, Target, dump_target
from conformance.embedded import embedded_target
from conformance.ledger import LOAD_AREA, load_ledger
from conformance.load.invariants import FINAL, judge
from conformance.load.plan import Plan
from conformance.options import options_from_cli
from conformance.verdicts import (
    EXIT_USAGE,
    LedgerInfo,
    LoadStats,
    Run,
    RunResult,
    Throttling,
    exit_code,
    judge_all,
    this_suite,
)

if TYPE_CHECKING:
    from conformance.load.driver import LoadRun  # imports Locust

# The embedded reference serves this many identities, so a group has players enough to race.
EMBEDDED_USERS = 8


def _embedded(args: argparse.Namespace) -> bool:
    return args.config is None and args.target is None


def resolve(args: argparse.Namespace) -> Target:
    """The target, as ``run`` resolves it; the embedded one gets more identities."""
    from conformance.runner import resolve_target

    target = resolve_target(options_from_cli(args))
    return with_more_identities(target) if _embedded(args) else target


def with_more_identities(target: Target) -> Target:
    """The embedded target with EMBEDDED_USERS identities: a second embedded set (fresh tokens)
    under xuids of its own, so a group has players enough to race for its seats."""
    extra = embedded_target().users[: EMBEDDED_USERS - len(target.users)]
    more = tuple(replace(u, xuid=f"28140000000001{i:02d}") for i, u in enumerate(extra, start=1))
    return replace(target, users=target.users + more)


@contextmanager
def reference_process(target: Target, faults: tuple[str, ...]) -> Iterator[Target]:
    """The reference serving ``target``'s identities in a process of its own, on a free loopback port."""
    with tempfile.TemporaryDirectory(prefix="mpsd-load-") as folder:
        path = Path(folder) / "target.toml"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(dump_target(target))
        command = [sys.executable, "-m", "conformance.cli", "serve", "--port", "0", "--config", str(path)]
        for fault in faults:
            command += ["--fault", fault]
        if target.rate_limits:  # run --rate-limit on the embedded reference: it throttles at them too
            command += ["--rate-limit", ",".join(map(str, target.rate_limits))]
        server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            first = server.stdout.readline() if server.stdout else ""
            if "listening on " not in first:
                rest = server.stdout.read() if server.stdout else ""
                raise ConfigError(f"the embedded reference did not start: {(first + rest).strip()}")
            yield replace(target, url=first.split("listening on ", 1)[1].strip())
        finally:
            server.terminate()
            server.wait(timeout=30)


def run(args: argparse.Namespace) -> int:
    try:
        target = None if args.worker and _embedded(args) else resolve(args)
    except ConfigError as exc:
        print(f"mpsd-conformance: {exc}", file=sys.stderr)
        return EXIT_USAGE
    from conformance.load import driver  # imports Locust: from here on the process is gevent's

    if args.worker:
        return driver.run_worker(target, args.master_host, args.master_port)
    assert target is not None
    plan = Plan.new(
        users=args.users, spawn_rate=args.spawn_rate, duration_s=args.duration,
        group_size=args.group_size, writes=args.writes,
    )  # fmt: skip
    started = time.time()
    try:
        with _served(target, args) as live:
            print(
                f"load: {plan.users} players, {plan.spawn_rate:g}/s, {plan.duration_s:g} s: {live.url}",
                flush=True,
            )
            if args.master:
                outcome = driver.run_master(
                    live, plan, args.master_bind_host, args.master_port, args.expect_workers, _embedded(args)
                )
            else:
                outcome = driver.run_local(live, plan)
    except ConfigError as exc:
        print(f"mpsd-conformance: {exc}", file=sys.stderr)
        return EXIT_USAGE
    result = _result(args, live, plan, outcome, started)
    return _report(result, live, args.report_dir)


@contextmanager
def _served(target: Target, args: argparse.Namespace) -> Iterator[Target]:
    if _embedded(args):
        with reference_process(target, tuple(args.faults)) as live:
            yield live
    else:
        yield target


def _result(
    args: argparse.Namespace, target: Target, plan: Plan, outcome: LoadRun, started: float
) -> RunResult:
    ledger = load_ledger()
    requirements = tuple(r for r in ledger if r.area == LOAD_AREA)
    results = judge(outcome.observations, target.url, outcome.duration_s)
    verdicts = judge_all(ledger, requirements, results, target.capabilities)
    errors = list(outcome.errors)
    if not any(o.status for o in outcome.observations):
        errors.append("the target answered none of the players' requests: nothing could be judged")
    finished = time.time()
    return RunResult(
        suite=this_suite(),
        ledger=LedgerInfo(version=ledger.version),
        run=Run.between(
            new_run_id(),
            started,
            finished,
            seed=0,
            exit_code=exit_code(verdicts, False, errors),
            phases={"load": outcome.duration_s, "total": finished - started},
            throttling=Throttling(limits=tuple(str(limit) for limit in target.rate_limits)),
            load=outcome.stats,
        ),
        target=target_summary(target, embedded=_embedded(args)),
        options={
            "command": "load",
            "faults": list(args.faults),
            "distributed": {"workers": args.expect_workers} if args.master else None,
            # Requests observed per player process (p0 alone, or w0, w1, ... under a master).
            "processes": dict(Counter(o.process for o in outcome.observations if o.op != FINAL)),
            **plan.to_dict(),
        },
        verdicts=verdicts,
        errors=tuple(errors),
        sources=ledger.cited_sources(requirements),
    )


def _report(result: RunResult, target: Target, report_dir: Path | None) -> int:
    from conformance.http.redact import Redactor
    from conformance.report import write_reports
    from conformance.report.terminal import summary_lines

    directory = (report_dir or Path("reports") / result.run.id).resolve()
    write_reports(result, directory, scrub=Redactor(target.secrets).text)
    for line in summary_lines(result):
        print(line)
    for name, row in outcome_load(result).operations.items():
        print(
            f"  {name:6} {row.requests:7} requests {row.rps:8.1f}/s  "
            f"p50 {row.p50_ms:.0f} ms  p95 {row.p95_ms:.0f} ms  p99 {row.p99_ms:.0f} ms"
        )
    print(f"reports: {directory}")
    return result.run.exit_code


def outcome_load(result: RunResult) -> LoadStats:
    """The run's load statistics (a load run always has them)."""
    load = result.run.load
    return load if isinstance(load, LoadStats) else LoadStats(0.0)
