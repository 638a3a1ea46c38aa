"""The controller side of a run: gather check results, judge requirements, write the reports.

Lives in the pytest controller process only (never in an xdist worker), so every verdict is
judged once, from all workers' results.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import msgspec
import pytest
from msgspec import UNSET

from conformance.baseline import load_baseline
from conformance.config import ConfigError, Target
from conformance.http.redact import Redactor
from conformance.http.transport import ThrottleStats
from conformance.ledger import Ledger, Requirement, load_ledger
from conformance.options import RunOptions
from conformance.profiles import Profile
from conformance.verdicts import (
    EXIT_UNREACHABLE,
    CheckResult,
    Divergences,
    Finding,
    IdentityCounts,
    LedgerInfo,
    ProfileUsed,
    RequirementVerdict,
    Run,
    RunResult,
    TargetSummary,
    Throttling,
    apply_baseline,
    exit_code,
    judge_all,
    oracle_exit,
    run_errors,
    scored_verdict,
    this_suite,
)

if TYPE_CHECKING:
    from conformance.oracle.log import OracleLog

RESULTS = "mpsd-results"
# What a check item ships under RESULTS, as JSON: (target label, requirement ID, result) each.
_SHIPPED = list[tuple[str, str, CheckResult]]
LEAKS = "mpsd-leaks"


@dataclass
class MpsdRun:
    """What one process knows about the run; ``result`` is set when the controller finishes."""

    targets: dict[str, Target]
    ledger: Ledger
    selected: tuple[Requirement, ...]
    run_id: str
    run_tag: str
    # What the run was asked to do; its seed pinned to ``seed``, its fuzz examples cut to the time budget.
    options: RunOptions = field(default_factory=RunOptions)
    unreachable: str | None = None
    started: float = field(default_factory=time.time)
    results: dict[str, list[Finding]] = field(default_factory=dict)
    leaks: list[str] = field(default_factory=list)
    phases: dict[str, float] = field(default_factory=dict)
    seed: int = 0
    result: RunResult | None = None
    matrix: dict[str, tuple[RequirementVerdict, ...]] = field(default_factory=dict)
    # A matrix run's plan: target label -> the check keys to run there (None: every check).
    plan: Mapping[str, frozenset[str] | None] | None = None
    report_paths: dict[str, Path] = field(default_factory=dict)
    # Requests, pacing waits and 429/503 answers per identity: this process's, plus (in the
    # controller) every xdist worker's once it is done.
    throttle: ThrottleStats = field(default_factory=ThrottleStats)
    # What the controller changed to fit the run's budget, said before the run starts.
    notes: list[str] = field(default_factory=list)
    # What broke the harness: a check module that could not be imported (its checks never ran), a
    # pytest internal error, an interrupt. No verdict may hide them.
    harness_errors: list[str] = field(default_factory=list)
    # Where the xdist workers count their calls together (conformance.http.shared); controller-made.
    pacing_dir: str | None = None
    # Whether checks leave their sessions again (RunSetup.cleanup).
    cleanup: bool = True
    # The requirement profile the verdicts are scored against (None: the ledger's levels, all scored).
    profile: Profile | None = None
    # run --oracle: this process's reference instances (ASGI applications), the check now running
    # (named as a divergence's sender), what this process's mirrors saw per target label (in the
    # controller, with every worker's once it is done), and, once judged, each target's divergences.
    references: tuple[Any, ...] = ()
    current_check: str = ""
    oracle: dict[str, OracleLog] = field(default_factory=dict)
    divergences: dict[str, Divergences] = field(default_factory=dict)

    @property
    def target(self) -> Target:
        """The target of a single run (the first one of a matrix run)."""
        return next(iter(self.targets.values()))


def target_summary(target: Target, *, embedded: bool) -> TargetSummary:
    """What a report may say about the target (never a credential); run and load share it."""
    return TargetSummary(
        url=target.url,
        embedded=embedded,
        scid=target.scid,
        template=target.template,
        contract_version=target.contract_version,
        timeout_s=target.timeout_s,
        users=len(target.users),
        server_principal=bool(target.server_authorization),
        capabilities=tuple(sorted(target.capabilities)),
    )


def new_run_id() -> str:
    """Sortable and unique: ``20261125T171200Z-1a2b3c4d`` (also the report folder's name)."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(4)


def write_run(result: RunResult, directory: Path, target: Target) -> dict[str, Path]:
    """Every report of a run, each file's text scrubbed of the target's credentials."""
    from conformance.report import write_reports

    return write_reports(result, directory, scrub=Redactor(target.secrets).text)


def unjudged(
    run_id: str, target: Target, options: RunOptions, seed: int, started: float, causes: tuple[str, ...]
) -> RunResult:
    """A run that ended before any verdict: no requirement judged, and why as its harness errors.

    Its reports say that the run broke, where no file at all would read as "nothing ran" to a CI
    job that reads junit.xml or report.ctrf.json, and a stale one from an earlier run in the same
    folder as this run's verdict."""
    finished = time.time()
    return RunResult(
        suite=this_suite(),
        ledger=LedgerInfo(version=load_ledger().version),
        run=Run.between(
            run_id,
            started,
            finished,
            seed=seed,
            exit_code=EXIT_UNREACHABLE,
        ),
        target=target_summary(target, embedded=options.embedded),
        options={"shard": None if options.shard is None else str(options.shard)},
        errors=causes,
    )


class Collector:
    def __init__(self, config: pytest.Config, state: MpsdRun) -> None:
        self.config = config
        self.state = state
        baseline = state.options.baseline
        try:
            self.known = load_baseline(baseline, state.ledger) if baseline else {}
        except ConfigError as exc:
            raise pytest.UsageError(f"mpsd: {exc}") from None

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            # pytest's last line of the failure is the exception, "E   ImportError: ...".
            lines = str(report.longrepr).strip().splitlines() or ["no reason given"]
            reason = lines[-1].removeprefix("E").strip()
            self.state.harness_errors.append(
                f"harness error: {report.nodeid} could not be collected: {reason}"
            )

    def pytest_internalerror(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        """A hook or plugin that raised: pytest stops, and the requirements it never reached
        would otherwise read as "no check ran", a clean run."""
        self.state.harness_errors.append(f"harness error: pytest internal error: {excinfo.exconly()}")

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        # A collection error interrupts the run too, and has said why (pytest_collectreport).
        if not self.state.harness_errors:
            self.state.harness_errors.append(f"harness error: the run was interrupted: {excinfo.exconly()}")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        phase = "fuzz" if "fuzz/" in report.nodeid else "scenarios"
        self.state.phases[phase] = round(self.state.phases.get(phase, 0.0) + report.duration, 3)
        for key, value in report.user_properties:
            if key == RESULTS and report.when in ("setup", "call"):
                for label, rid, check in msgspec.json.decode(value, type=_SHIPPED):
                    self.state.results.setdefault(label, []).append((rid, check))
            elif key == LEAKS and report.when == "teardown":
                self.state.leaks.extend(value)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        state = self.state
        finished = time.time()
        state.phases["total"] = round(finished - state.started, 3)
        if exitstatus == pytest.ExitCode.USAGE_ERROR:
            return  # pytest refused the run (a check citing no requirement): no verdict, no report
        if state.options.oracle:
            # The oracle's modules and the reporters' are loaded where they are used: a worker
            # needs neither, and the controller not before its workers have started.
            from conformance.oracle.log import OracleLog, finish

            mode = _oracle_mode(state.options.oracle)
            state.divergences = {
                label: finish(state.oracle.get(label, OracleLog()), state.ledger.requirements, mode)
                for label in state.targets
            }
        if state.plan is not None:
            state.matrix = {label: self._verdicts(label) for label in state.targets}
            return
        verdicts = self._verdicts("")
        unreachable = [f"target unreachable: {state.unreachable}"] if state.unreachable else []
        errors = unreachable or [*state.harness_errors, *run_errors(verdicts)]
        strict = state.options.strict
        target = state.target
        divergences = state.divergences.get("", UNSET)
        state.result = RunResult(
            suite=this_suite(),
            ledger=LedgerInfo(version=state.ledger.version),
            run=Run.between(
                state.run_id,
                state.started,
                finished,
                seed=state.seed,
                exit_code=oracle_exit(exit_code(verdicts, strict, errors), divergences),
                phases=dict(state.phases),
                throttling=Throttling(
                    limits=tuple(str(limit) for limit in target.rate_limits),
                    identities={
                        label: IdentityCounts.tally(counts)
                        for label, counts in sorted(state.throttle.by_label.items())
                    },
                ),
                profile=self._profile_used(),
            ),
            target=target_summary(target, embedded=state.options.embedded),
            options=self._options(strict),
            verdicts=verdicts,
            leaks=tuple(sorted(set(state.leaks))),
            errors=tuple(errors),
            sources=state.ledger.cited_sources(state.selected),
            divergences=divergences,
        )
        directory = state.options.report_dir
        if directory:
            state.report_paths = write_run(state.result, directory, target)
        session.exitstatus = state.result.run.exit_code

    def _verdicts(self, label: str) -> tuple[RequirementVerdict, ...]:
        state = self.state
        if state.unreachable:
            reason = f"target unreachable: {state.unreachable}"
            return tuple(
                scored_verdict(r, state.profile, lambda s: RequirementVerdict.of(s, "error", reason))
                for r in state.selected
            )
        results = state.results.get(label, [])
        capabilities = state.targets[label].capabilities
        verdicts = judge_all(state.ledger, state.selected, results, capabilities, state.profile)
        return apply_baseline(verdicts, self.known)

    def _profile_used(self) -> ProfileUsed | None:
        profile = self.state.profile
        if profile is None:
            return None
        return ProfileUsed(profile.name, profile.retired(self.state.ledger, self.state.options.select))

    def _options(self, strict: bool) -> dict[str, Any]:
        options = self.state.options
        return {
            "strict": strict,
            "select": list(options.select),
            "baseline": None if options.baseline is None else str(options.baseline),
            "workers": getattr(self.config.option, "numprocesses", None) or 0,
            "fuzz": "fuzz" in self.state.phases,
            "fuzz_examples": options.fuzz_examples,
            "fuzz_shrink_budget": options.fuzz_shrink_budget,
            "faults": list(options.faults),
            "shard": None if options.shard is None else str(options.shard),
            "oracle": options.oracle,
        }

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        result = self.state.result
        if result is None:
            return
        from conformance.report.terminal import terminal_lines  # as the oracle's above

        terminalreporter.section("MPSD conformance")
        for line in terminal_lines(result, self.state.report_paths):
            terminalreporter.write_line(line)


def _oracle_mode(value: str) -> Literal["on", "strict"]:
    return "strict" if value == "strict" else "on"
