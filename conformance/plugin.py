"""The pytest plugin (entry point ``pytest11: mpsd``): options, fixtures, requirement markers.

Any pytest user can run the suite directly:
``pytest --pyargs conformance.scenarios --mpsd-config target.toml [--mpsd-report-dir DIR]``;
the ``mpsd-conformance`` CLI and the self-test drive exactly this plugin, handing it their resolved
targets and options as objects (``conformance.handoff``). Each check carries
``@pytest.mark.requirement("ID", ...)``. After each test its outcome becomes ``CheckResult``s in
the report's ``user_properties`` (so pytest-xdist ships them to the controller), where
``conformance.collect.Collector`` judges every selected requirement and writes the reports.
The plugin stays inert in pytest runs that configure no MPSD target.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec
import pytest
from msgspec.structs import replace

from conformance.collect import LEAKS, RESULTS, Collector, MpsdRun, new_run_id
from conformance.config import ConfigError, Target, load_target
from conformance.expect import ConformanceFailure, Judgement, judging
from conformance.fuzz.settings import FuzzSettings
from conformance.fuzz.settings import fuzz_settings as settings_for
from conformance.handoff import HANDOFF, Handoff, RunSetup
from conformance.headstart import MARK, run_steps
from conformance.http.exchange import Exchange
from conformance.http.redact import Redactor
from conformance.http.transport import Limits, Transport, TransportError
from conformance.ledger import load_ledger
from conformance.options import add_pytest_options, options_from_pytest
from conformance.outcomes import Blocked, NotApplicable
from conformance.paced import WaitNotice, pacing_for, terminal_line
from conformance.plan import Plan, examples_within, plan
from conformance.preflight import preflight
from conformance.profiles import ProfileError, load_profiles
from conformance.scenario import Scenario
from conformance.seed import resolve_seed
from conformance.shard import WHOLE, Shard
from conformance.verdicts import CheckResult

if TYPE_CHECKING:
    from conformance.oracle.mirror import Mirror

STATE = pytest.StashKey[MpsdRun]()
_SCENARIO = pytest.StashKey[Scenario]()
_JUDGEMENT = pytest.StashKey[Judgement]()
# A passing check keeps this many of the answers it judged, as the evidence of its pass.
PASS_EVIDENCE = 3


def pytest_addoption(parser: pytest.Parser) -> None:
    add_pytest_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "requirement(*ids): the ledger requirement(s) this check judges")
    config.addinivalue_line("markers", f"{MARK}(step): the check's arrange step, run with every other one's")
    handoff = config.stash.get(HANDOFF, None)
    try:
        setup = _setup(config, handoff)
    except ConfigError as exc:
        raise pytest.UsageError(f"mpsd: {exc}") from None
    if setup is None:
        return
    ledger = load_ledger()
    selected = ledger.select(setup.options.select)
    if not selected:
        raise pytest.UsageError(f"mpsd: --mpsd-select {list(setup.options.select)} matches no requirement")
    try:
        profile = load_profiles().get(setup.options.profile)
    except ProfileError as exc:
        raise pytest.UsageError(f"mpsd: {exc}") from None
    worker: dict[str, Any] = getattr(config, "workerinput", {})
    # The seed is drawn once, in the controller; its workers receive it pinned in the options.
    options = dataclasses.replace(setup.options, seed=resolve_seed(setup.options.seed))
    tag = setup.run_id.rsplit("-", 1)[-1] + worker.get("workerid", "")
    references = _start_references(config, setup) if options.oracle else ()
    state = MpsdRun(
        dict(setup.targets),
        ledger,
        selected,
        setup.run_id,
        tag,
        options,
        plan=setup.plan,
        seed=options.seed,
        cleanup=setup.cleanup,
        profile=profile,
        references=references,
    )
    state.unreachable = worker.get("mpsd_unreachable")
    config.stash[STATE] = state
    if handoff is not None:
        handoff.run = state
    if not worker:
        config.pluginmanager.register(Collector(config, state), "mpsd-collector")
        _fit_time_budget(state)


def _start_references(config: pytest.Config, setup: RunSetup) -> tuple[Any, ...]:
    """run --oracle: the reference instances every request of this process is also sent to, made
    by each process for itself (its checks' sessions are its own) and closed when pytest is done."""
    from conformance.embedded import oracle_references

    stack = ExitStack()
    config.add_cleanup(stack.close)
    try:
        return stack.enter_context(oracle_references(setup.targets.values()))
    except (OSError, RuntimeError, ValueError) as exc:
        raise pytest.UsageError(f"mpsd: cannot start the oracle's reference: {exc}") from None


def _setup(config: pytest.Config, handoff: Handoff | None) -> RunSetup | None:
    """The run this pytest process takes part in: its controller's (an xdist worker), the one
    handed in as objects (``conformance.handoff``), or the one its ``--mpsd-*`` options describe;
    None when nothing configures a target (the plugin stays inert)."""
    worker = getattr(config, "workerinput", None)
    if worker is not None:
        wire = worker.get("mpsd_setup")
        return None if wire is None else RunSetup.from_wire(wire)
    if handoff is not None:
        return handoff.setup
    options = options_from_pytest(config, fuzz=_fuzzing(config))
    if options.embedded:
        return None
    return RunSetup({"": load_target(options.config, options.target_overrides)}, options, new_run_id())


def _fuzzing(config: pytest.Config) -> bool:
    """Whether this run includes the fuzz phase (``--pyargs conformance.fuzz``, or its folder)."""
    return any(
        arg.replace(os.sep, ".").replace("/", ".").split("::")[0].endswith("conformance.fuzz")
        for arg in config.args
    )


def _plan(state: MpsdRun) -> Plan:
    examples = state.options.fuzz_examples if state.options.fuzz else None
    return plan(state.target, len(state.selected) / len(state.ledger), examples)


def _fit_time_budget(state: MpsdRun) -> None:
    """Cut the fuzz examples (in the controller, before its workers receive the options) so that
    the run's requests fit the time budget under the target's limits."""
    budget = state.options.time_budget_s
    if budget is None or state.plan is not None or not state.options.fuzz:
        return
    wanted = state.options.fuzz_examples
    fitted = examples_within(state.target, len(state.selected) / len(state.ledger), wanted, budget)
    if fitted < wanted:
        state.options = dataclasses.replace(state.options, fuzz_examples=fitted)
        state.notes.append(
            f"fuzz examples cut from {wanted} to {fitted} per operation to fit the {budget:g} s time budget"
        )
    if _plan(state).minimum_s > budget:
        state.notes.append(
            f"the {budget:g} s time budget is shorter than the target's limits allow for these checks: "
            "past it no request is held back or waited out, and a check the target then throttles is "
            "blocked ('throttled'), never failed"
        )


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist: hand each worker the run, and what the controller's preflight found."""
    state = node.config.stash.get(STATE, None)
    if state is not None:
        setup = RunSetup(state.targets, state.options, state.run_id, state.plan, state.cleanup)
        node.workerinput["mpsd_setup"] = setup.to_wire()
        node.workerinput["mpsd_unreachable"] = state.unreachable
        if state.pacing_dir is None:
            state.pacing_dir = tempfile.mkdtemp(prefix="mpsd-conformance-pacing-")
            node.config.add_cleanup(partial(shutil.rmtree, state.pacing_dir, ignore_errors=True))
        node.workerinput["mpsd_pacing"] = state.pacing_dir


def shard_of(config: pytest.Config) -> Shard:
    return _state(config).options.shard or WHOLE


def fuzz_settings(config: pytest.Config) -> FuzzSettings:
    """This run's fuzz settings, the same in every xdist worker."""
    state = _state(config)
    return settings_for(state.options, state.seed)


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
        for line in [_plan(state).describe(), *state.notes]:
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


_FROZE = pytest.StashKey[bool]()


def pytest_collection_finish(session: pytest.Session) -> None:
    """What collection built (the modules, the OpenAPI schema, thousands of items in a self-test)
    lives as long as the session, so the collector is told not to walk it again at each full
    collection: that walk was a tenth of a fuzz worker's time (measured with gc.callbacks in the
    default run: 0.3 to 0.4 s of 3 s). ``pytest_unconfigure`` hands it back, so a process that runs
    the suite more than once (the project's tests) frees each run's garbage as before."""
    if session.config.stash.get(STATE, None) is not None:
        gc.freeze()
        session.config.stash[_FROZE] = True


def pytest_unconfigure(config: pytest.Config) -> None:
    # An xdist worker's process ends with its session: thawing would only make the collections
    # pytest runs at its end walk everything again. A process that never froze (an xdist
    # controller collects nothing) leaves alone whatever its host froze.
    if config.stash.get(_FROZE, False) and not hasattr(config, "workerinput"):
        gc.unfreeze()


# -- one check's life -----------------------------------------------------------------------------
@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """Every answer the check hands to ``expect`` is judged for its requirements, from setup to
    teardown; the report hook reads what was judged."""
    state = item.config.stash.get(STATE, None)
    ids = requirement_ids(item)
    try:
        if state is None or not ids:
            return (yield)
        state.current_check = item.nodeid  # what the oracle names as a divergence's sender
        with judging(tuple(state.ledger.get(i) for i in ids)) as judgement:
            item.stash[_JUDGEMENT] = judgement
            return (yield)
    finally:
        # Reported and cleaned up: what the check judged and sent is not kept until the session
        # ends, with the item. A self-test worker held 4,000 checks' scenarios, their identities
        # and exchanges, which each full garbage collection walked again (a tenth of its time).
        for key in (_JUDGEMENT, _SCENARIO):
            if key in item.stash:
                del item.stash[key]


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
    budget = state.options.time_budget_s
    deadline = None if budget is None else time.monotonic() + budget - (time.time() - state.started)
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    notice = WaitNotice(terminal_line(config))
    shared = getattr(config, "workerinput", {}).get("mpsd_pacing")
    pacing = pacing_for(mpsd_target, state.throttle, workers, deadline, notice, shared and Path(shared))
    mirror = _mirror(state, mpsd_target)
    transport = Transport(mpsd_target.url, Limits(timeout_s=mpsd_target.timeout_s), pacing, mirror)
    yield transport
    transport.close()
    if mirror is not None:
        mirror.close()


def _mirror(state: MpsdRun, target: Target) -> Mirror | None:
    """run --oracle: what sends the target's exchanges on to the references, one per target."""
    if not state.references:
        return None
    from conformance.oracle.log import OracleLog  # the oracle's modules load only where it runs
    from conformance.oracle.mirror import Mirror

    label = next(k for k, t in state.targets.items() if t is target)
    log = state.oracle.setdefault(label, OracleLog())
    return Mirror(target, state.references, log, lambda: state.current_check)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """An xdist worker hands its throttling counts to the controller (``pytest_testnodedown``)."""
    state = session.config.stash.get(STATE, None)
    output = getattr(session.config, "workeroutput", None)
    if state is not None and output is not None:
        output["mpsd_throttling"] = state.throttle.by_label
        output["mpsd_oracle"] = {label: log.to_wire() for label, log in state.oracle.items()}


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    state = node.config.stash.get(STATE, None)
    if state is not None:
        output = getattr(node, "workeroutput", {})
        state.throttle.merge(output.get("mpsd_throttling", {}))
        if output.get("mpsd_oracle"):
            from conformance.oracle.log import OracleLog

            for label, wire in output["mpsd_oracle"].items():
                state.oracle.setdefault(label, OracleLog()).merge(wire)


def _scenario_of(item: pytest.Item, target: Target, transport: Transport) -> Scenario:
    """The check's scenario context, made once: a head start (``mpsd_head_starts``) may have made
    it before the check runs."""
    scenario = item.stash.get(_SCENARIO, None)
    if scenario is None:
        tag = f"{_state(item.config).run_tag}-{check_token(item)}"
        scenario = item.stash[_SCENARIO] = Scenario(target, transport, Redactor(target.secrets), tag)
    return scenario


@pytest.fixture(scope="session")
def mpsd_head_starts(
    request: pytest.FixtureRequest, mpsd_target: Target, mpsd_transport: Transport
) -> Iterator[None]:
    """The arrange steps of every selected ``@head_start`` check of this target, run together when
    the first of them runs (``conformance.headstart``), so their waits overlap; a check that
    another worker runs instead has its sessions left again here."""
    state = _state(request.config)
    items = _head_start_items(request.session).get(
        next(k for k, t in state.targets.items() if t is mpsd_target), []
    )
    scenarios = {item: _scenario_of(item, mpsd_target, mpsd_transport) for item in items}
    steps = {item: partial(_marked_step(item), scenario) for item, scenario in scenarios.items()}
    for item, started in run_steps(steps).items():
        scenarios[item].head_start = started
    yield
    if _cleans_up(state):
        for scenario in scenarios.values():
            scenario.cleanup()


_HEAD_STARTS = pytest.StashKey[dict[str, list[pytest.Item]]]()


def _head_start_items(session: pytest.Session) -> dict[str, list[pytest.Item]]:
    """Target label -> its selected ``@head_start`` checks, found once per session (a self-test
    has thousands of items and a target per tenant)."""
    found = session.stash.get(_HEAD_STARTS, None)
    if found is None:
        found = session.stash[_HEAD_STARTS] = {}
        for item in session.items:
            if item.get_closest_marker(MARK):
                found.setdefault(_label(item), []).append(item)
    return found


def _marked_step(item: pytest.Item) -> Any:
    marker = item.get_closest_marker(MARK)
    assert marker is not None
    return marker.args[0]


@pytest.fixture
def mpsd(
    request: pytest.FixtureRequest, mpsd_target: Target, mpsd_transport: Transport
) -> Iterator[Scenario]:
    """A scenario context: identities, fresh names, arrange helpers; cleans up after the test."""
    if request.node.get_closest_marker(MARK):
        request.getfixturevalue("mpsd_head_starts")
    scenario = _scenario_of(request.node, mpsd_target, mpsd_transport)
    yield scenario
    leaks = scenario.cleanup() if _cleans_up(_state(request.config)) else []
    if leaks:
        request.node.user_properties.append((LEAKS, leaks))


def _cleans_up(state: MpsdRun) -> bool:
    """Whether checks leave their sessions again: not in the self-test, whose references are
    stopped afterwards and which reads verdicts, never leaks (leaving and reading back every
    session was a quarter of its time)."""
    return state.cleanup


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
    # As JSON, one bytes object (str for what is not JSON): an xdist worker sends the controller
    # only builtins, and execnet writes a nested structure one field at a time in Python, 40 fields
    # a report, both ways; bytes go whole.
    results = [(label, rid, replace(check, duration_s=report.duration)) for rid, check in checks.items()]
    report.user_properties = [*report.user_properties, (RESULTS, msgspec.json.encode(results, enc_hook=str))]
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

    return results_for(item, ids, item.stash.get(TALLY, None), error, fuzz_settings(item.config).replay)


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
        blocked = error.blocked(f"\n  reproduce: {exchange.curl}" if exchange else "")
        return "blocked", blocked.reason, blocked.cause
    if isinstance(error, ConformanceFailure):
        return "failed", str(error), ""
    if report.skipped:
        reason = str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else str(report.longrepr)
        return "error", f"harness error: an unexpected skip ({reason.removeprefix('Skipped: ')})", ""
    return "error", f"harness error in {call.when}: {type(error).__name__}: {error}", ""
