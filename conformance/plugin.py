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
import json
import secrets
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from conformance.collect import LEAKS, RESULTS, Collector, MpsdRun, new_run_id, preflight
from conformance.config import ConfigError, Target, load_target
from conformance.expect import ConformanceFailure, observations
from conformance.ledger import load_ledger
from conformance.redact import Redactor
from conformance.scenario import BLOCKED, NOT_APPLICABLE, Scenario
from conformance.transport import Limits, Transport, TransportError
from conformance.verdicts import CheckResult, Exchange

STATE = pytest.StashKey[MpsdRun]()
DEFAULT_FUZZ_EXAMPLES = 40
_SCENARIO = pytest.StashKey[Scenario]()


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
        "--mpsd-seed", type=int, metavar="N", help="fuzzing seed (default: random, shown in the report)"
    )
    group.addoption("--mpsd-run-id", help=argparse.SUPPRESS)
    group.addoption("--mpsd-embedded", action="store_true", help=argparse.SUPPRESS)
    # The faults the embedded reference was started with, so that the report says how to reproduce it.
    group.addoption("--mpsd-embedded-fault", action="append", default=[], help=argparse.SUPPRESS)
    # The self-test's matrix: a JSON object {label: target.toml path}; every check runs once per target.
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
    }
    try:
        if matrix:
            files = json.loads(Path(matrix).read_text(encoding="utf-8"))
            targets = {label: load_target(Path(file), overrides) for label, file in files.items()}
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
    state.unreachable = worker.get("mpsd_unreachable")
    state.seed = worker.get("mpsd_seed", config.getoption("--mpsd-seed"))
    if state.seed is None:
        state.seed = secrets.randbelow(2**31)
    config.stash[STATE] = state
    if not worker:
        config.pluginmanager.register(Collector(config, state), "mpsd-collector")


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist: tell each worker what the controller's preflight found."""
    state = node.config.stash.get(STATE, None)
    if state is not None:
        node.workerinput["mpsd_unreachable"] = state.unreachable
        node.workerinput["mpsd_seed"] = state.seed


def fuzz_settings(config: pytest.Config) -> tuple[int, int]:
    """(examples per operation, seed) of this run, the same in every xdist worker."""
    state = _state(config)
    return max(1, config.getoption("--mpsd-fuzz-examples")), state.seed


def pytest_sessionstart(session: pytest.Session) -> None:
    state = session.config.stash.get(STATE, None)
    if state is not None and not hasattr(session.config, "workerinput"):
        state.unreachable = preflight(state.target)


def requirement_ids(item: pytest.Item) -> tuple[str, ...]:
    return tuple(i for marker in item.iter_markers("requirement") for i in marker.args)


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
        (keep if wanted.intersection(ids) and not state.unreachable else drop).append(item)
        missing = {c for i in ids for c in state.ledger.get(i).needs} - state.target.capabilities
        if missing:
            reason = f"needs {', '.join(sorted(missing))}, which the target does not provide"
            item.add_marker(pytest.mark.skip(reason=NOT_APPLICABLE + reason))
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


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
    if state is not None and len(state.targets) > 1 and "mpsd_target" in metafunc.fixturenames:
        labels = list(state.targets)
        metafunc.parametrize("mpsd_target", labels, ids=labels, indirect=True, scope="session")


@pytest.fixture(scope="session")
def mpsd_target(request: pytest.FixtureRequest) -> Target:
    state = _state(request.config)
    return state.targets[getattr(request, "param", next(iter(state.targets)))]


@pytest.fixture(scope="session")
def mpsd_transport(mpsd_target: Target) -> Iterator[Transport]:
    transport = Transport(mpsd_target.url, Limits(timeout_s=mpsd_target.timeout_s))
    yield transport
    transport.close()


@pytest.fixture
def mpsd(
    request: pytest.FixtureRequest, mpsd_target: Target, mpsd_transport: Transport
) -> Iterator[Scenario]:
    """A scenario context: identities, fresh names, arrange helpers; cleans up after the test."""
    scenario = Scenario(
        mpsd_target, mpsd_transport, Redactor(mpsd_target.secrets), _state(request.config).run_tag
    )
    request.node.stash[_SCENARIO] = scenario
    token = observations.set(scenario.observations)
    yield scenario
    observations.reset(token)
    leaks = scenario.cleanup()
    if leaks:
        request.node.user_properties.append((LEAKS, leaks))


# -- outcomes -------------------------------------------------------------------------------------
@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report: pytest.TestReport = yield
    ids = requirement_ids(item)
    decisive = call.when == "call" or (call.when == "setup" and not report.passed)
    if not (ids and decisive and STATE in item.config.stash):
        return report
    label = item.callspec.params.get("mpsd_target", "") if hasattr(item, "callspec") else ""
    error = call.excinfo.value if call.excinfo else None
    findings = _findings(error)
    if findings:
        checks = _fuzz_results(item, report, findings)
    else:
        outcome, message = _outcome(report, call)
        scenario = item.stash.get(_SCENARIO, None)
        observed = dict(scenario.observations) if scenario else {}
        kind = "fuzz" if ".fuzz." in item.module.__name__ else "scenario"
        check = CheckResult(item.nodeid, "", outcome, kind, message, observed, _evidence(scenario, outcome))
        checks = {rid: check for rid in ids}
    results = [
        (label, rid, replace(check, duration_s=report.duration).to_dict()) for rid, check in checks.items()
    ]
    report.user_properties = [*report.user_properties, (RESULTS, results)]
    if findings or isinstance(error, ConformanceFailure | TransportError):
        report.longrepr = "\n".join(c.message for c in checks.values() if c.message)  # no traceback
    return report


def _findings(error: BaseException | None) -> list[BaseException]:
    """Fuzz findings inside a failed test (imported lazily: most pytest runs never fuzz)."""
    if error is None or isinstance(error, ConformanceFailure | TransportError):
        return []
    from conformance.fuzz.classify import failures_in

    return list(failures_in(error))


def _fuzz_results(
    item: pytest.Item, report: pytest.TestReport, findings: list[BaseException]
) -> dict[str, CheckResult]:
    """One verdict per requirement the fuzz item covers: failed where a finding maps to it."""
    from conformance.fuzz.classify import UnmappedFinding, requirement_of

    by_requirement: dict[str, list[BaseException]] = {}
    try:
        for finding in findings:
            rid = requirement_of(finding, getattr(finding, "mpsd_status", None))
            by_requirement.setdefault(rid, []).append(finding)
    except UnmappedFinding as gap:
        return {
            rid: CheckResult(item.nodeid, rid, "error", "fuzz", f"harness error: {gap}")
            for rid in requirement_ids(item)
        }
    examples, seed = fuzz_settings(item.config)
    results = {}
    for rid in requirement_ids(item):
        found = by_requirement.get(rid, [])
        if not found:
            results[rid] = CheckResult(item.nodeid, rid, "passed", "fuzz")
            continue
        evidence = tuple(e for f in found if (e := getattr(f, "mpsd_exchange", None)) is not None)
        distinct = list(dict.fromkeys(_finding_line(f) for f in found))
        lines = [f"fuzzing found: {line}" for line in distinct[:3]]
        if len(distinct) > 3:
            lines.append(f"  (and {len(distinct) - 3} more distinct findings)")
        if evidence:
            lines.append(f"  reproduce: {evidence[0].curl}")
        lines.append(
            f"  replay:    mpsd-conformance run --seed {seed} --fuzz-examples {examples} --select {rid}"
        )
        results[rid] = CheckResult(
            item.nodeid, rid, "failed", "fuzz", "\n".join(lines), {"seed": seed}, evidence[:3]
        )
    return results


def _finding_line(finding: BaseException) -> str:
    title = getattr(finding, "title", type(finding).__name__)
    message = " ".join(str(getattr(finding, "message", finding)).split())
    return f"{title}: {message[:300]}"


def _outcome(report: pytest.TestReport, call: pytest.CallInfo[None]) -> tuple[str, str]:
    if report.passed:
        return "passed", ""
    if report.skipped:
        reason = str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reason = reason.removeprefix("Skipped: ")
        if reason.startswith(BLOCKED):
            return "blocked", reason.removeprefix(BLOCKED)
        return "not-applicable", reason.removeprefix(NOT_APPLICABLE)
    error = call.excinfo.value if call.excinfo else None
    if isinstance(error, ConformanceFailure):
        return "failed", str(error)
    if isinstance(error, TransportError):
        exchange: Exchange | None = getattr(error, "exchange", None)
        suffix = f"\n  reproduce: {exchange.curl}" if exchange else ""
        return "failed", f"the target gave no usable answer: {error}{suffix}"
    return "error", f"harness error in {call.when}: {type(error).__name__}: {error}"


def _evidence(scenario: Scenario | None, outcome: str) -> tuple[Exchange, ...]:
    """Failures, blocks and probes keep their transcript; passes stay small."""
    if scenario is None or (outcome == "passed" and not scenario.observations):
        return ()
    return tuple(scenario.exchanges)
