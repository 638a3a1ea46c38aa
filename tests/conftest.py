"""Project-wide test rule: every report.json any test produced holds no pass without evidence, and
every report.ctrf.json is valid CTRF.

Runs when the session ends, over every report written below the session's temporary folder: by
in-process runs, by CLI subprocesses and by the self-test alike. Each xdist worker checks its own
folder when its last test is done (at once, not one after another in the controller: 225 reports
took 6.5 s) and hands the controller what it found; the controller checks the rest, the folder
of a worker that crashed among it. Each report.json must validate against the shipped schema,
which requires a passing requirement to name the answers that judged it; each report.ctrf.json
against CTRF's published schema (tests/data/ctrf).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from support import ctrf_problems

from conformance.fuzz.cases import CACHE_ENV
from conformance.report import ReportError, load_report

pytest_plugins = ["pytester"]
ROOT = Path(__file__).resolve().parent.parent

# The files that take longest, longest first (each file's tests' wall time, summed, in a run of
# `pytest` on 2 cores). xdist hands out whole files (--dist loadfile) in the order they are
# collected (--no-loadscope-reorder: by default it reorders them by their count of tests): a long
# file handed out last keeps one worker busy alone at the end while the others wait, so they go
# first and the short files fill in around them. The files that mostly wait (timeouts, a target
# that hangs) come in the middle, while the others keep both cores busy: at the end, where they
# were handed out, the cores sat half idle for their 25 s of waiting.
SLOW_FIRST = (
    "tests/selfproof/test_mutation_score.py",
    "tests/load/test_command.py",
    "tests/suite/test_ratelimit.py",
    "tests/suite/test_run.py",
    "tests/hostile/test_hostile_targets.py",
    "tests/fuzz/test_fuzz_phase.py",
    "tests/oracle/test_run.py",
    "tests/bench/test_entry_point.py",
    "tests/hostile/test_honest_targets.py",
    "tests/hostile/test_transport.py",
    "tests/traffic/test_proxy.py",
    "tests/reference/test_variants.py",
    "tests/fuzz/test_latitude_walk.py",
    "tests/hostile/test_wire.py",
    "tests/fuzz/test_fuzz_checks.py",
    "tests/suite/test_replay.py",
    "tests/fuzz/test_cases.py",
    "tests/suite/test_shard.py",
    "tests/selfproof/test_oracle_proof.py",
    "tests/hostile/test_load_targets.py",
    "tests/report/test_compare.py",
    "tests/fuzz/test_steps.py",
    "tests/report/test_browser.py",
    "tests/reference/test_schema_agreement.py",
)


# Files whose tests read the same runs (tests/report/test_compare.py's ``cli_runs``, made once per
# process): under --dist loadfile each file goes to whichever worker is free, and each of the three
# workers made the two runs again (5 s of CPU each time). Handed out as one unit, they make them once.
SHARING_RUNS = {
    "tests/report/test_badge.py": "tests/report/test_compare.py",
    "tests/report/test_browser.py": "tests/report/test_compare.py",
}


@pytest.hookimpl(optionalhook=True)  # an xdist hook, unknown without xdist
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """--dist loadfile, with the files of ``SHARING_RUNS`` handed out together; any other --dist
    as xdist makes it."""
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class SharedRunsScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            file = super()._split_scope(nodeid)
            return SHARING_RUNS.get(file, file)

    return SharedRunsScheduling(config, log)


@pytest.hookimpl(optionalhook=True)  # a test's in-process run has no xdist: the hook is unknown there
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """Two workers per CPU: about half of a worker's time is waiting (the timer checks' sleeps in
    every run, pacing under rate limits, hostile targets' timeouts), which the others fill. On 2
    cores, 4 workers took 174 to 197 s and 3 took 199 to 209 s. With the cores that oversubscribed,
    a timer check's halfway read once came back too late to show timers-early; such a read now runs
    its timer again, four times as long (tests/suite/test_timers_seen_halfway.py)."""
    return 2 * (os.cpu_count() or 1)


def pytest_configure(config: pytest.Config) -> None:
    """One folder of stored fuzz cases for the whole session, never the user's own: set before
    xdist starts its workers, which inherit it, as do the runs the tests start in subprocesses.
    Runs with the same seed and budget (many tests make the default run) then generate once.

    With MPSD_TEST_CPU set, every process also records each test's CPU (bench/cpu_per_test.py,
    loaded from its file: ``bench`` here names tests/bench)."""
    if os.environ.get("MPSD_TEST_CPU") and not config.pluginmanager.has_plugin("cpu_per_test"):
        spec = importlib.util.spec_from_file_location("cpu_per_test", ROOT / "bench" / "cpu_per_test.py")
        assert spec is not None
        assert spec.loader is not None
        plugin = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(plugin)
        config.pluginmanager.register(plugin, "cpu_per_test")
    if hasattr(config, "workerinput") or os.environ.get(CACHE_ENV):
        return
    folder = tempfile.mkdtemp(prefix="mpsd-conformance-cases-")
    os.environ[CACHE_ENV] = folder
    config.add_cleanup(lambda: (os.environ.pop(CACHE_ENV, None), shutil.rmtree(folder, ignore_errors=True)))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))


# Worker folder (xdist's popen-gwN under the controller's) -> what its worker found there.
_CHECKED_BY_WORKERS = pytest.StashKey[dict[str, list[str]]]()


def _reports(config: pytest.Config, name: str) -> list[Path]:
    """This process's reports: below its temporary folder, but in no folder a worker checked
    itself (a worker that crashed checked nothing, so the controller checks its folder)."""
    factory = getattr(config, "_tmp_path_factory", None)
    if factory is None:
        return []
    base = factory.getbasetemp()
    checked = config.stash.get(_CHECKED_BY_WORKERS, {})
    return sorted(
        path
        for path in base.rglob(name)
        if path.relative_to(base).parts[0] not in checked
        and path.is_file()
        and not path.is_symlink()  # a test's link to a report that is checked where it lives
    )


def _violations(config: pytest.Config) -> list[str]:
    problems = []
    for path in _reports(config, "report.json"):
        try:
            document = load_report(path)
        except ReportError as exc:
            if path.exists():  # another pytest run sharing the temporary root may have removed it
                problems.append(str(exc))
            continue
        for requirement in document["requirements"]:
            passed = [c for c in requirement["checks"] if c["outcome"] == "passed" and c["judged"]]
            if requirement["verdict"] == "pass" and not any(c["evidence"] for c in passed):
                problems.append(f"{path}: {requirement['id']} passes without a judged exchange")
    for path in _reports(config, "report.ctrf.json"):
        try:
            problems += ctrf_problems(path)
        except FileNotFoundError:  # another pytest run sharing the temporary root removed it
            continue
    return problems


@pytest.hookimpl(optionalhook=True)  # an xdist hook, unknown without xdist
def pytest_testnodedown(node: Any, error: Any) -> None:
    output = getattr(node, "workeroutput", {})
    if "report_problems" in output:
        checked = node.config.stash.setdefault(_CHECKED_BY_WORKERS, {})
        checked[f"popen-{node.gateway.id}"] = output["report_problems"]


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    problems = _violations(session.config)
    if hasattr(session.config, "workerinput"):
        session.config.workeroutput["report_problems"] = problems  # type: ignore[attr-defined]
        return
    problems += [p for found in session.config.stash.get(_CHECKED_BY_WORKERS, {}).values() for p in found]
    if problems:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.section("reports with a pass and no evidence", sep="=", red=True)
            for line in problems:
                reporter.write_line(line)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
