"""Run the suite once: resolve the target, start the embedded reference if needed, drive pytest.

The checks and the verdicts live in the pytest plugin; this module only wires a run together
so that the CLI and the self-test can start one with a single call.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

import conformance
from conformance.collect import new_run_id
from conformance.config import ConfigError, Target, dump_target, load_target
from conformance.embedded import embedded_reference, embedded_target
from conformance.plugin import STATE
from conformance.ratelimit import RateLimit, parse_limits
from conformance.seed import SeedChoice
from conformance.shard import Shard
from conformance.verdicts import EXIT_UNREACHABLE, EXIT_USAGE, RunResult

SCENARIOS = "conformance.scenarios"
FUZZ = "conformance.fuzz"


@dataclass(frozen=True)
class RunOptions:
    config: Path | None = None
    target: str | None = None
    scid: str | None = None
    template: str | None = None
    contract_version: int | None = None
    report_dir: Path | None = None
    strict: bool = False
    baseline: Path | None = None
    select: tuple[str, ...] = ()
    workers: str = "0"
    faults: tuple[str, ...] = ()
    fuzz: bool = True
    fuzz_examples: int | None = None
    fuzz_shrink_budget: int | None = None
    seed: SeedChoice | None = None  # None: the suite version's own seed
    # "30/15,300/300" or "none": the target's limits per caller (overrides target.toml); on the
    # embedded reference it also makes the reference throttle at them (and declare throttling).
    rate_limit: str | None = None
    time_budget_s: float | None = None
    shard: Shard | None = None
    extra_pytest_args: tuple[str, ...] = field(default=())

    @property
    def embedded(self) -> bool:
        return self.config is None and self.target is None


@dataclass(frozen=True)
class RunOutcome:
    exit_code: int
    result: RunResult | None = None
    report_dir: Path | None = None
    message: str | None = None


def resolve_target(options: RunOptions) -> Target:
    """The target the options describe; raises ConfigError with a one-line reason."""
    if options.embedded:
        target = embedded_target()
        if options.contract_version:
            target = load_target(
                None,
                {
                    "contract_version": options.contract_version,
                    "url": target.url,
                    "scid": target.scid,
                    "template": target.template,
                },
                _env_for(target),
            )
        if options.rate_limit is not None:
            limits = _limits(options.rate_limit)
            target = replace(
                target, rate_limits=limits, declared=target.declared | ({"throttling"} if limits else set())
            )
        return target
    if options.faults:
        raise ConfigError("--fault only applies to the embedded reference (run without --target/--config)")
    overrides = {
        "url": options.target,
        "scid": options.scid,
        "template": options.template,
        "contract_version": options.contract_version,
        "rate_limits": options.rate_limit,
    }
    return load_target(options.config, overrides)


def _limits(value: str) -> tuple[RateLimit, ...]:
    try:
        return parse_limits(value)
    except ValueError as exc:
        raise ConfigError(f"--rate-limit: {exc}") from None


def _env_for(target: Target) -> dict[str, str]:
    env = {f"MPSD_USER_{i}_AUTHORIZATION": u.authorization for i, u in enumerate(target.users, start=1)}
    if target.server_authorization:
        env["MPSD_SERVER_AUTHORIZATION"] = target.server_authorization
    return env


@contextmanager
def _private_config(target: Target) -> Iterator[Path]:
    """target.toml with the secrets in a 0700 temp folder, for pytest and its workers; removed after."""
    with tempfile.TemporaryDirectory(prefix="mpsd-conformance-") as folder:
        path = Path(folder) / "target.toml"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(dump_target(target))
        yield path


class _ResultSink:
    """Catches the plugin's result when pytest finishes."""

    def __init__(self) -> None:
        self.result: RunResult | None = None

    @pytest.hookimpl(trylast=True)
    def pytest_unconfigure(self, config: pytest.Config) -> None:
        state = config.stash.get(STATE, None)
        self.result = state.result if state else None


def base_pytest_args(workers: str, packages: tuple[str, ...] = (SCENARIOS,)) -> list[str]:
    """pytest options for a suite run that ignores the caller's own pytest configuration."""
    args = [
        "--pyargs", *packages,
        "-c", os.devnull,
        "--rootdir", str(Path(conformance.__file__).parent),
        "-p", "no:cacheprovider", "-p", "no:warnings",
        "-q", "--tb=no", "--no-header", "-r", "N", "--assert=plain",
        "-o", "console_output_style=progress",
    ]  # fmt: skip
    if workers in ("0", ""):
        return [*args, "-p", "no:xdist"]
    return [*args, "-n", workers]


def pytest_args(options: RunOptions, config_path: Path, report_dir: Path, run_id: str) -> list[str]:
    packages = (SCENARIOS, FUZZ) if options.fuzz else (SCENARIOS,)
    args = [
        *base_pytest_args(options.workers, packages),
        "--mpsd-config", str(config_path),
        "--mpsd-report-dir", str(report_dir),
        "--mpsd-run-id", run_id,
    ]  # fmt: skip
    if options.embedded:
        args.append("--mpsd-embedded")
        for fault in options.faults:
            args += ["--mpsd-embedded-fault", fault]
    if options.strict:
        args.append("--mpsd-strict")
    if options.baseline:
        args += ["--mpsd-baseline", str(options.baseline)]
    for pattern in options.select:
        args += ["--mpsd-select", pattern]
    if options.fuzz_examples is not None:
        args += ["--mpsd-fuzz-examples", str(options.fuzz_examples)]
    if options.fuzz_shrink_budget is not None:
        args += ["--mpsd-fuzz-shrink-budget", str(options.fuzz_shrink_budget)]
    if options.seed is not None:
        args += ["--mpsd-seed", str(options.seed)]
    if options.time_budget_s is not None:
        args += ["--mpsd-time-budget", str(options.time_budget_s)]
    if options.shard is not None:
        args += ["--mpsd-shard", str(options.shard)]
    return args + list(options.extra_pytest_args)


def run(options: RunOptions) -> RunOutcome:
    try:
        target = resolve_target(options)
    except ConfigError as exc:
        return RunOutcome(EXIT_USAGE, message=str(exc))
    run_id = new_run_id()
    report_dir = (options.report_dir or Path("reports") / run_id).resolve()
    with ExitStack() as stack:
        if options.embedded:
            try:
                target = stack.enter_context(embedded_reference(target, options.faults))
            except (KeyError, ValueError) as exc:
                return RunOutcome(EXIT_USAGE, message=f"cannot start the embedded reference: {exc}")
        config_path = stack.enter_context(_private_config(target))
        sink = _ResultSink()
        code = pytest.main(pytest_args(options, config_path, report_dir, run_id), plugins=[sink])
    if sink.result is None:
        if code == pytest.ExitCode.USAGE_ERROR:
            return RunOutcome(EXIT_USAGE)  # pytest has printed the one-line reason
        return RunOutcome(
            EXIT_UNREACHABLE, message=f"the run ended before any verdict (pytest exit {int(code)})"
        )
    return RunOutcome(sink.result.run.exit_code, sink.result, report_dir)


def describe(outcome: RunOutcome) -> list[str]:
    """The closing lines the CLI prints."""
    lines = []
    if outcome.message:
        lines.append(outcome.message)
    if outcome.report_dir is not None:
        lines.append(f"reports: {outcome.report_dir}")
    return lines
