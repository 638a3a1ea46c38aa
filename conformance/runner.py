"""Run the suite once: resolve the target, start the embedded reference if needed, drive pytest.

The checks and the verdicts live in the pytest plugin; this module only wires a run together
so that the CLI and the benchmarks can start one with a single call. The plugin receives the
resolved target and the options as objects (``conformance.handoff``), never through a file.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import socket
import time
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import conformance
from conformance.collect import MpsdRun, new_run_id, unjudged, write_run
from conformance.config import ConfigError, Target, load_target
from conformance.embedded import embedded_reference, embedded_target
from conformance.handoff import Handoff, RunSetup
from conformance.options import RunOptions
from conformance.ratelimit import parse_limits
from conformance.seed import resolve_seed
from conformance.verdicts import EXIT_UNREACHABLE, EXIT_USAGE, Divergences, Finding, RunResult

SCENARIOS = "conformance.scenarios"
FUZZ = "conformance.fuzz"
# An xdist worker spends seconds importing and collecting before its first check, so ``auto`` starts
# workers only for a fuzz phase with this many examples per operation: below it the run is done
# sooner in one process (bench/whole_run.py measures both).
PARALLEL_FROM_EXAMPLES = 20
# The fuzz phase has four long items (three operations and the state machine); a fifth worker would
# only share the scenarios, which take seconds.
MAX_AUTO_WORKERS = 4


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
            target = replace(target, contract_version=options.contract_version)
        if options.rate_limit is None:
            return target
        try:
            limits = parse_limits(options.rate_limit)
        except ValueError as exc:
            raise ConfigError(f"--rate-limit: {exc}") from None
        # The embedded reference throttles at them (embedded_reference), so the target declares it.
        declared = target.declared | ({"throttling"} if limits else set())
        return replace(target, rate_limits=limits, declared=declared)
    if options.faults:
        raise ConfigError("--fault only applies to the embedded reference (run without --target/--config)")
    return load_target(options.config, options.target_overrides)


def base_pytest_args(workers: str, packages: tuple[str, ...] = (SCENARIOS,)) -> list[str]:
    """pytest options for a suite run that ignores the caller's own pytest configuration: no ini
    file, and no conftest.py but the suite's own. The packages go as their folders, not
    ``--pyargs`` names: when no argument is a path, pytest loads the conftest.py files of the
    directory it runs in, of its ``test*`` folders and of every folder above (a vendor's own
    tests/conftest.py, run from their repository). ``--confcutdir`` stops the search above the
    suite's package."""
    package = Path(conformance.__file__).parent
    args = [
        *map(_folder, packages),
        "-c", os.devnull,
        "--rootdir", str(package),
        "--confcutdir", str(package),
        "-p", "no:cacheprovider", "-p", "no:warnings",
        # schemathesis's own pytest plugin collects tests its decorators mark, and the fuzz phase
        # has none (it builds each operation's test and calls it): 0.2 s of every controller's
        # start, before its workers start, went to importing it.
        "-p", "no:schemathesis",
        # anyio's plugin runs async tests, and every check is synchronous: 0.03 s of each process.
        "-p", "no:anyio",
        "-q", "--tb=no", "--no-header", "-r", "N", "--assert=plain",
        "-o", "console_output_style=progress",
    ]  # fmt: skip
    if workers in ("0", ""):
        return [*args, "-p", "no:xdist"]
    return [*args, "-n", workers]


# What pytest reads of the caller's set-up from the environment: a run ignores it as it ignores
# their ini file and conftest.py (PYTEST_ADDOPTS="-x" would end a run at its first failure).
CALLERS_PYTEST_ENV = ("PYTEST_ADDOPTS", "PYTEST_PLUGINS")


def _suite_session(args: list[str], handoff: Handoff) -> int | pytest.ExitCode:
    """pytest in this process on the suite's arguments alone; its xdist workers, started inside,
    inherit the environment without them too."""
    saved = {name: os.environ.pop(name) for name in CALLERS_PYTEST_ENV if name in os.environ}
    try:
        return pytest.main(args, plugins=[handoff])
    finally:
        os.environ.update(saved)


def _folder(package: str) -> str:
    """Where a package of checks is, as pytest's ``--pyargs`` would find it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"no package of checks named {package}")
    return str(spec.submodule_search_locations[0])


def workers_for(options: RunOptions) -> str:
    """The xdist workers a run starts: ``auto`` is one per CPU (at most MAX_AUTO_WORKERS) when the
    fuzz phase has enough to share, else none; a number is taken as given."""
    if options.workers != "auto":
        return options.workers
    cpus = min(os.cpu_count() or 1, MAX_AUTO_WORKERS)
    enough = options.fuzz and options.fuzz_examples >= PARALLEL_FROM_EXAMPLES
    return str(cpus) if enough and cpus > 1 else "0"


def accepts_connections(target: Target) -> bool:
    """Whether anything listens at the target's address: a TCP connect, no request, no credential."""
    url = urlsplit(target.url)
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        with socket.create_connection((url.hostname or "", port), timeout=min(target.timeout_s, 3.0)):
            return True
    except OSError:
        return False


def run(options: RunOptions) -> RunOutcome:
    try:
        target = resolve_target(options)
    except ConfigError as exc:
        return RunOutcome(EXIT_USAGE, message=str(exc))
    run_id, started = new_run_id(), time.time()
    report_dir = (options.report_dir or Path("reports") / run_id).resolve()
    packages = (SCENARIOS, FUZZ) if options.fuzz else (SCENARIOS,)
    with ExitStack() as stack:
        if options.embedded:
            try:
                target = stack.enter_context(embedded_reference(target, options.faults))
            except (KeyError, ValueError) as exc:
                return RunOutcome(EXIT_USAGE, message=f"cannot start the embedded reference: {exc}")
        handoff = Handoff(RunSetup({"": target}, replace(options, report_dir=report_dir), run_id))
        workers = workers_for(options)
        if options.workers == "auto" and workers != "0" and not accepts_connections(target):
            workers = "0"  # nothing listens: the preflight ends the run, and workers would only start
        args = base_pytest_args(workers, packages)
        if options.fuzz and workers != "0":
            # One item at a time after the first two, so a worker inside a long fuzz item is not
            # also holding scenarios an idle worker could run. (Not for the self-test: its
            # thousands of short items would each pay a round trip.)
            args += ["--maxschedchunk", "1"]
        code = _suite_session(args, handoff)
    state = handoff.run
    if state is not None and state.result is not None:
        return RunOutcome(state.result.run.exit_code, state.result, report_dir)
    if code == pytest.ExitCode.USAGE_ERROR:
        return RunOutcome(EXIT_USAGE)  # pytest has printed the one-line reason
    # The reports still say that the run broke: a CI job reading only junit.xml or report.ctrf.json
    # must see a harness error there, not a missing file ("nothing ran") or an earlier run's.
    causes = (f"the run ended before any verdict (pytest exit {int(code)})",)
    causes += tuple(state.harness_errors) if state is not None else ()
    seed = state.seed if state is not None else resolve_seed(options.seed)
    write_run(unjudged(run_id, target, options, seed, started, causes), report_dir, target)
    return RunOutcome(EXIT_UNREACHABLE, report_dir=report_dir, message="; ".join(causes))


def describe(outcome: RunOutcome) -> list[str]:
    """The closing lines the CLI prints."""
    lines = []
    if outcome.message:
        lines.append(outcome.message)
    if outcome.report_dir is not None:
        lines.append(f"reports: {outcome.report_dir}")
    return lines


class NotCollected(RuntimeError):
    """The checks could not all run (a module that cannot be imported, pytest's own error, an
    interrupt): nothing can be judged."""


def run_checks(
    tenants: Mapping[str, tuple[Target, frozenset[str] | None]],
    workers: str,
    *,
    cleanup: bool = True,
    quiet: bool = False,
) -> dict[str, list[Finding]]:
    """Run the listed scenario checks against each target (label -> (its target, check keys, or
    None for all)) in one pytest session, handing the plugin the matrix as objects; the findings
    per label. The self-test and ``replay`` run their checks this way; ``quiet``: without pytest's
    progress (replay prints its own lines)."""
    state = _matrix_run(tenants, RunOptions(workers=workers, fuzz=False), cleanup, quiet)
    found = state.results if state else {}
    return {label: list(results) for label, results in found.items()}


def run_mirrored(
    tenants: Mapping[str, tuple[Target, frozenset[str] | None]], workers: str
) -> dict[str, Divergences]:
    """As ``run_checks``, with --oracle: each target's divergences from the reference (the
    self-test's proof of the oracle)."""
    state = _matrix_run(
        tenants, RunOptions(workers=workers, fuzz=False, oracle="on"), cleanup=False, quiet=True
    )
    return dict(state.divergences) if state else {}


def _matrix_run(
    tenants: Mapping[str, tuple[Target, frozenset[str] | None]],
    options: RunOptions,
    cleanup: bool,
    quiet: bool,
) -> MpsdRun | None:
    """One pytest session over the matrix; its state, None when pytest ended before it began."""
    setup = RunSetup(
        targets={label: target for label, (target, _) in tenants.items()},
        options=options,
        run_id=new_run_id(),
        plan={label: checks for label, (_, checks) in tenants.items()},
        cleanup=cleanup,
    )
    handoff = Handoff(setup)
    with contextlib.redirect_stdout(io.StringIO()) if quiet else contextlib.nullcontext():
        _suite_session(base_pytest_args(options.workers), handoff)
    if handoff.run and handoff.run.harness_errors:
        raise NotCollected("; ".join(handoff.run.harness_errors))
    return handoff.run
