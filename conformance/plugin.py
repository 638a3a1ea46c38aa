"""The pytest plugin (entry point ``pytest11: mpsd``): options, fixtures, requirement markers.

Any pytest user can run the suite directly:
``pytest --pyargs conformance.scenarios --mpsd-config target.toml [--mpsd-report-dir DIR]``;
the ``mpsd-conformance`` CLI drives exactly this plugin. Each check carries
``@pytest.mark.requirement("ID", ...)``. After each test its outcome becomes ``CheckResult``s in
the report's ``user_properties`` (so pytest-xdist ships them to the controller), where
``conformance.collect.Collector`` judges every selected requirement and writes the reports.
The plugin stays inert in pytest runs that configure no MPSD target.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import msgspec
import pytest
from msgspec.structs import replace

from conformance.collect import LEAKS, RESULTS, Collector, MpsdRun, new_run_id
from conformance.config import ConfigError, Target, load_target
from conformance.expect import ConformanceFailure, Judgement, judging
from conformance.http.exchange import Exchange
from conformance.http.redact import Redactor
from conformance.http.transport import Limits, TargetStopped, Transport, TransportError
from conformance.ledger import load_ledger
from conformance.outcomes import Blocked, NotApplicable
from conformance.paced import WaitNotice, pacing_for, terminal_line
from conformance.plan import Plan, examples_within, plan
from conformance.preflight import preflight
from conformance.ratelimit import time_budget
from conformance.scenario import Scenario
from conformance.seed import resolve_seed, seed_choice
from conformance.shard import WHOLE, Shard, parse_shard
from conformance.verdicts import CheckResult

STATE = pytest.StashKey[MpsdRun]()
DEFAULT_FUZZ_EXAMPLES = 40
# Generated cases a fuzz item may send after its first finding (conformance.fuzz.shrink): enough to
# shrink a finding most of the way (measured: a failing 5.7 kB body was under 300 bytes 90 cases
# later), and at most the price of 100 more examples for an operation that has a finding.
DEFAULT_SHRINK_BUDGET = 100
_SCENARIO = pytest.StashKey[Scenario]()
_JUDGEMENT = pytest.StashKey[Judgement]()
# A passing check keeps this many of the answers it judged, as the evidence of its pass.
PASS_EVIDENCE = 3


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mpsd", "MPSD conformance")
    group.addoption("--mpsd-config", metavar="FILE", help="target.toml describing the service under test")
    group.addoption("--mpsd-target", metavar="URL", help="base URL of the target (overrides the file)")
    group.addoption("--mpsd-scid", help="service configuration id (overrides the file)")
    group.addoption("--mpsd-template", help="session template (overrides the file)")
    group.addoption("--mpsd-contract-version", type=int, help="104, 105 or 107 (overrides the file)")
    group.addoption(
        "--mpsd-select",
        action="append",
        default=[],
        metavar="PATTERN",
        help="only requirements matching, e.g. 'COND-*'",
    )
    group.addoption(
        "--mpsd-report-dir", metavar="DIR", help="write report.json, junit.xml, summary.md, report.html"
    )
    group.addoption(
        "--mpsd-baseline", metavar="FILE", help="known failures (YAML: id -> reason) that do not fail the run"
    )
    group.addoption(
        "--mpsd-strict", action="store_true", help="SHOULD warnings and stale baseline entries fail too"
    )
    group.addoption(
        "--mpsd-fuzz-examples", type=int, default=DEFAULT_FUZZ_EXAMPLES, metavar="N",
        help=f"fuzzing examples per operation (default {DEFAULT_FUZZ_EXAMPLES})",
    )  # fmt: skip
    group.addoption(
        "--mpsd-fuzz-shrink-budget", type=int, default=DEFAULT_SHRINK_BUDGET, metavar="N",
        help="generated cases a fuzz item may spend on its findings after the first (searching for "
        f"others, shrinking); then it reports them as found (default {DEFAULT_SHRINK_BUDGET})",
    )  # fmt: skip
    group.addoption(
        "--mpsd-seed", type=seed_choice, metavar="N|random",
        help="fuzzing seed, or 'random' (default: fixed per suite version; the report names it)",
    )  # fmt: skip
    group.addoption(
        "--mpsd-rate-limit", metavar="LIMITS",
        help="the target's limits per caller, e.g. 30/15,300/300, or none (overrides the file)",
    )  # fmt: skip
    group.addoption(
        "--mpsd-time-budget", type=time_budget, metavar="SECONDS",
        help="the run's time budget: no request waits on a rate limit past it (it is blocked instead)",
    )  # fmt: skip
    group.addoption(
        "--mpsd-shard", type=parse_shard, metavar="K/N",
        help="run shard K of N of the fuzz phase (scenarios in shard 1 only); merge the reports after",
    )  # fmt: skip
    group.addoption("--mpsd-run-id", help=argparse.SUPPRESS)
    group.addoption("--mpsd-embedded", action="store_true", help=argparse.SUPPRESS)
    # The faults the embedded reference was started with, so that the report says how to reproduce it.
    group.addoption("--mpsd-embedded-fault", action="append", default=[], help=argparse.SUPPRESS)
    # The self-test's matrix: a JSON object {label: {"config": target.toml path, "checks": [check
    # keys] or null for all}}; each listed check runs once per target.
    group.addoption("--mpsd-matrix", metavar="FILE", help=argparse.SUPPRESS)
    parser.addini("mpsd_config", "default target.toml for the MPSD plugin")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "requirement(*ids): the ledger requirement(s) this check judges")
    path = config.getoption("--mpsd-config") or config.getini("mpsd_config") or None
    matrix = config.getoption("--mpsd-matrix")
    if not (path or matrix or config.getoption("--mpsd-target")):
        return
    overrides = {
        "url": config.getoption("--mpsd-target"),
        "scid": config.getoption("--mpsd-scid"),
        "template": config.getoption("--mpsd-template"),
        "contract_version": config.getoption("--mpsd-contract-version"),
        "rate_limits": config.getoption("--mpsd-rate-limit"),
    }
    try:
        plan: dict[str, frozenset[str] | None] | None = None
        if matrix:
            entries = json.loads(Path(matrix).read_text(encoding="utf-8"))
            targets = {label: load_target(Path(e["config"]), overrides) for label, e in entries.items()}
            plan = {
                label: None if e["checks"] is None else frozenset(e["checks"]) for label, e in entries.items()
            }
        else:
            targets = {"": load_target(Path(path) if path else None, overrides)}
    except ConfigError as exc:
        raise pytest.UsageError(f"mpsd: {exc}") from None
    ledger = load_ledger()
    patterns = config.getoption("--mpsd-select")
    selected = ledger.select(patterns)
    if not selected:
        raise pytest.UsageError(f"mpsd: --mpsd-select {patterns} matches no requirement")
    worker: dict[str, Any] = getattr(config, "workerinput", {})
    run_id = config.getoption("--mpsd-run-id") or new_run_id()
    state = MpsdRun(targets, ledger, selected, run_id, run_id.rsplit("-", 1)[-1] + worker.get("workerid", ""))
    state.plan = plan
    state.unreachable = worker.get("mpsd_unreachable")
    # Drawn once, in the controller: every xdist worker fuzzes with the controller's seed.
    seed = worker.get("mpsd_seed")
    state.seed = seed if seed is not None else resolve_seed(config.getoption("--mpsd-seed"))
    config.stash[STATE] = state
    if not worker:
        config.pluginmanager.register(Collector(config, state), "mpsd-collector")
        _fit_time_budget(config, state)


def _fuzzing(config: pytest.Config) -> bool:
    """Whether this run includes the fuzz phase (``--pyargs conformance.fuzz``, or its folder)."""
    return any(arg.replace("/", ".").split("::")[0].endswith("conformance.fuzz") for arg in config.args)


def _plan(config: pytest.Config, state: MpsdRun) -> Plan:
    examples = config.getoption("--mpsd-fuzz-examples") if _fuzzing(config) else None
    return plan(state.target, len(state.selected) / len(state.ledger), examples)


def _fit_time_budget(config: pytest.Config, state: MpsdRun) -> None:
    """Cut the fuzz examples (in the controller, before xdist copies the options to its workers)
    so that the run's requests fit the time budget under the target's limits."""
    budget = config.getoption("--mpsd-time-budget")
    if budget is None or state.plan is not None or not _fuzzing(config):
        return
    wanted = config.getoption("--mpsd-fuzz-examples")
    fitted = examples_within(state.target, len(state.selected) / len(state.ledger), wanted, budget)
    if fitted < wanted:
        config.option.mpsd_fuzz_examples = fitted
        state.notes.append(
            f"fuzz examples cut from {wanted} to {fitted} per operation to fit the {budget:g} s time budget"
        )
    if _plan(config, state).minimum_s > budget:
        state.notes.append(
            f"the {budget:g} s time budget is shorter than the target's limits allow for these checks: "
            "past it no request is held back or waited out, and a check the target then throttles is "
            "blocked ('throttled'), never failed"
        )


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist: tell each worker what the controller's preflight found."""
    state = node.config.stash.get(STATE, None)
    if state is not None:
        node.workerinput["mpsd_unreachable"] = state.unreachable
        node.workerinput["mpsd_seed"] = state.seed


class FuzzSettings(NamedTuple):
    examples: int  # per operation, in this shard
    seed: int  # this shard's
    shrink_budget: int  # per fuzz item
    shard: Shard


def shard_of(config: pytest.Config) -> Shard:
    return config.getoption("--mpsd-shard") or WHOLE


def fuzz_settings(config: pytest.Config) -> FuzzSettings:
    """This run's fuzz settings, the same in every xdist worker."""
    state, shard = _state(config), shard_of(config)
    examples = shard.examples(max(1, config.getoption("--mpsd-fuzz-examples")))
    budget = max(0, config.getoption("--mpsd-fuzz-shrink-budget"))
    return FuzzSettings(examples, shard.seed(state.seed), budget, shard)


def pytest_sessionstart(session: pytest.Session) -> None:
    state = session.config.stash.get(STATE, None)
    if state is None or hasattr(session.config, "workerinput"):
        return
    found = preflight(state.target)
    if found.refused:
        raise pytest.UsageError(f"mpsd: {found.refused}")
    state.unreachable = found.unreachable
    reporter = session.config.pluginmanager.getplugin("terminalreporter")
    if reporter is not None and state.plan is None and not found.unreachable:
        for line in [_plan(session.config, state).describe(), *state.notes]:
            reporter.write_line(line)


def requirement_ids(item: pytest.Item) -> tuple[str, ...]:
    return tuple(i for marker in item.iter_markers("requirement") for i in marker.args)


def _is_fuzz(item: pytest.Item) -> bool:
    return getattr(item.module, "__name__", "").startswith("conformance.fuzz")  # type: ignore[attr-defined]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    state = config.stash.get(STATE, None)
    if state is None:
        return
    wanted = {r.id for r in state.selected}
    keep, drop = [], []
    for item in items:
        ids = requirement_ids(item)
        unknown = [i for i in ids if i not in state.ledger]
        if not ids or unknown:
            raise pytest.UsageError(f"mpsd: {item.nodeid} cites {unknown or 'no requirement'}")
        planned = state.plan is None or _planned(state.plan[_label(item)], item)
        sharded_out = not shard_of(config).runs_scenarios and not _is_fuzz(item)
        (
            keep
            if wanted.intersection(ids) and planned and not sharded_out and not state.unreachable
            else drop
        ).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


# -- one check's life -----------------------------------------------------------------------------
@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """Every answer the check hands to ``expect`` is judged for its requirements, from setup to
    teardown; the report hook reads what was judged."""
    state = item.config.stash.get(STATE, None)
    ids = requirement_ids(item)
    if state is None or not ids:
        return (yield)
    with judging(tuple(state.ledger.get(i) for i in ids)) as judgement:
        item.stash[_JUDGEMENT] = judgement
        return (yield)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    state = item.config.stash.get(STATE, None)
    if state is None:
        return
    target = _item_target(item, state)
    missing = {c for i in requirement_ids(item) for c in state.ledger.get(i).needs} - target.capabilities
    if missing:
        raise NotApplicable(f"needs {', '.join(sorted(missing))}, which the target does not provide")


def _label(item: pytest.Item) -> str:
    """Which target of a matrix run the item checks ("" in a single-target run)."""
    return item.callspec.params.get("mpsd_target", "") if hasattr(item, "callspec") else ""


def _item_target(item: pytest.Item, state: MpsdRun) -> Target:
    return state.targets.get(_label(item)) or state.target


def check_key(item: pytest.Item) -> str:
    """The check an item runs, the same whichever target of a matrix run it runs against."""
    return check_key_of(item.nodeid, _label(item))


def check_key_of(nodeid: str, label: str) -> str:
    if not label:
        return nodeid
    mark = f"@{label}"
    return nodeid.replace(f"-{mark}", "").replace(f"{mark}-", "").replace(f"[{mark}]", "")


def _checks(listed: list[str] | None) -> frozenset[str] | None:
    return None if listed is None else frozenset(listed)


def _planned(checks: frozenset[str] | None, item: pytest.Item) -> bool:
    return checks is None or check_key(item) in checks


# -- fixtures -------------------------------------------------------------------------------------
def _state(config: pytest.Config) -> MpsdRun:
    state = config.stash.get(STATE, None)
    if state is None:
        raise pytest.UsageError(
            "mpsd: no target configured; pass --mpsd-config target.toml (or --mpsd-target URL)"
        )
    return state


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """In a matrix run, every check that talks to a target runs once per target."""
    state = metafunc.config.stash.get(STATE, None)
    if state is not None and state.plan is not None and "mpsd_target" in metafunc.fixturenames:
        labels = list(state.targets)
        ids = [f"@{label}" for label in labels]  # check_key removes exactly this part of a node id
        metafunc.parametrize("mpsd_target", labels, ids=ids, indirect=True, scope="session")


@pytest.fixture(scope="session")
def mpsd_target(request: pytest.FixtureRequest) -> Target:
    state = _state(request.config)
    return state.targets[getattr(request, "param", next(iter(state.targets)))]


@pytest.fixture(scope="session")
def mpsd_transport(request: pytest.FixtureRequest, mpsd_target: Target) -> Iterator[Transport]:
    """The run's one way to the target: paced under its rate limits (this worker's share), with
    429/503 waited out within the time budget."""
    config, state = request.config, _state(request.config)
    budget = config.getoption("--mpsd-time-budget")
    deadline = None if budget is None else time.monotonic() + budget - (time.time() - state.started)
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    notice = WaitNotice(terminal_line(config))
    pacing = pacing_for(mpsd_target, state.throttle, workers, deadline, notice)
    transport = Transport(mpsd_target.url, Limits(timeout_s=mpsd_target.timeout_s), pacing)
    yield transport
    transport.close()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """An xdist worker hands its throttling counts to the controller (``pytest_testnodedown``)."""
    state = session.config.stash.get(STATE, None)
    output = getattr(session.config, "workeroutput", None)
    if state is not None and output is not None:
        output["mpsd_throttling"] = state.throttle.by_label


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    state = node.config.stash.get(STATE, None)
    if state is not None:
        state.throttle.merge(getattr(node, "workeroutput", {}).get("mpsd_throttling", {}))


@pytest.fixture
def mpsd(
    request: pytest.FixtureRequest, mpsd_target: Target, mpsd_transport: Transport
) -> Iterator[Scenario]:
    """A scenario context: identities, fresh names, arrange helpers; cleans up after the test."""
    tag = f"{_state(request.config).run_tag}-{check_token(request.node)}"
    scenario = Scenario(mpsd_target, mpsd_transport, Redactor(mpsd_target.secrets), tag)
    request.node.stash[_SCENARIO] = scenario
    yield scenario
    leaks = scenario.cleanup()
    if leaks:
        request.node.user_properties.append((LEAKS, leaks))


def check_token(item: pytest.Item) -> str:
    """A short name of the check in its session names: a vendor can tell which check made a
    session, and the self-test which check asked the reference about which fault."""
    return token_of(check_key(item))


def token_of(key: str) -> str:
    return hashlib.sha1(key.encode()).hexdigest()[:8]


# -- outcomes -------------------------------------------------------------------------------------
@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report: pytest.TestReport = yield
    ids = requirement_ids(item)
    decisive = call.when == "call" or (call.when == "setup" and not report.passed)
    if not (ids and decisive and STATE in item.config.stash):
        return report
    label = _label(item)
    error = call.excinfo.value if call.excinfo else None
    if ".fuzz." in item.module.__name__:
        checks = _fuzz_results(item, ids, error)
    else:
        check = _scenario_result(item, report, call)
        checks = {rid: check for rid in ids}
    # As builtins, which is all an xdist worker can send the controller (str for what is not JSON).
    results = [
        (
            label,
            rid,
            msgspec.to_builtins(replace(check, duration_s=report.duration), enc_hook=str, str_keys=True),
        )
        for rid, check in checks.items()
    ]
    report.user_properties = [*report.user_properties, (RESULTS, results)]
    outcomes = {c.outcome for c in checks.values()}
    if report.failed and outcomes <= {"blocked", "not-applicable"}:
        # Transport trouble: pytest's own count should say skipped, as the verdict does.
        reason = next(iter(checks.values())).message.splitlines()[0]
        report.outcome = "skipped"
        report.longrepr = (str(item.path), item.location[1] or 0, f"Skipped: {reason}")
    elif report.failed and "error" not in outcomes:
        # No traceback: the message says what was expected, what came back and how to reproduce it
        # (a harness error keeps its traceback: it is a bug to fix in the suite).
        report.longrepr = "\n".join(c.message for c in checks.values() if c.message)
    return report


def _fuzz_results(
    item: pytest.Item, ids: tuple[str, ...], error: BaseException | None
) -> dict[str, CheckResult]:
    """Fuzz items judge their own answers (imported lazily: most pytest runs never fuzz)."""
    from conformance.fuzz.judging import TALLY, results_for

    fuzz, config = fuzz_settings(item.config), item.config
    replay = f"mpsd-conformance run --seed {_state(config).seed} --fuzz-examples "
    replay += str(config.getoption("--mpsd-fuzz-examples"))
    if fuzz.shrink_budget != DEFAULT_SHRINK_BUDGET:
        replay += f" --fuzz-shrink-budget {fuzz.shrink_budget}"
    if fuzz.shard != WHOLE:
        replay += f" --shard {fuzz.shard}"
    replay += " --select {requirement}"
    return results_for(item, ids, item.stash.get(TALLY, None), _skip_or_error(error), replay)


def _skip_or_error(error: BaseException | None) -> BaseException | None:
    """A transport failure that escaped a fuzz item blocks it, as it blocks a scenario."""
    if isinstance(error, TransportError):
        return Blocked(f"the target gave no usable answer: {error}", _transport_cause(error))
    return error


def _transport_cause(error: TransportError) -> str:
    return "target-stopped" if isinstance(error, TargetStopped) else "transport"


def _scenario_result(
    item: pytest.Item, report: pytest.TestReport, call: pytest.CallInfo[None]
) -> CheckResult:
    judgement = item.stash.get(_JUDGEMENT, None) or Judgement()
    scenario = item.stash.get(_SCENARIO, None)
    error = call.excinfo.value if call.excinfo else None
    outcome, message, cause = _outcome(report, call, judgement)
    if outcome == "passed":
        evidence: tuple[Exchange, ...] = tuple(judgement.judged[-PASS_EVIDENCE:])
    elif outcome == "not-applicable" or scenario is None:
        evidence = tuple(e for e in (getattr(error, "exchange", None),) if e is not None)
    else:
        evidence = tuple(scenario.exchanges)
    return CheckResult(
        check=item.nodeid,
        outcome=outcome,
        message=message,
        observations=dict(judgement.observations),
        evidence=evidence,
        judged=len(judgement.judged),
        cause=cause or None,
    )


def _outcome(
    report: pytest.TestReport, call: pytest.CallInfo[None], judgement: Judgement
) -> tuple[str, str, str]:
    """(outcome, message, cause): typed skips decide blocked and not-applicable; anything else
    that is not a conformance failure is the harness's own error, shown as such."""
    error = call.excinfo.value if call.excinfo else None
    if report.passed:
        if not judgement.judged:
            return "error", "harness error: the check passed without judging any answer", ""
        return "passed", "", ""
    if isinstance(error, NotApplicable):
        return "not-applicable", error.reason, ""
    if isinstance(error, Blocked):
        return "blocked", error.reason, error.cause
    if isinstance(error, TransportError):
        exchange: Exchange | None = getattr(error, "exchange", None)
        suffix = f"\n  reproduce: {exchange.curl}" if exchange else ""
        return "blocked", f"the target gave no usable answer: {error}{suffix}", _transport_cause(error)
    if isinstance(error, ConformanceFailure):
        return "failed", str(error), ""
    if report.skipped:
        reason = str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else str(report.longrepr)
        return "error", f"harness error: an unexpected skip ({reason.removeprefix('Skipped: ')})", ""
    return "error", f"harness error in {call.when}: {type(error).__name__}: {error}", ""
