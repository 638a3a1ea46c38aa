"""Whole runs through the CLI: verdicts, exit codes, reports, redaction."""

from __future__ import annotations

import datetime
import gc
import json
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import msgspec
import pytest
import yaml
from hostile.servers import closed_port
from support import ctrf_problems

from conformance import runner
from conformance.cli import main
from conformance.config import dump_target
from conformance.embedded import embedded_reference, embedded_target
from conformance.expect import Judgement
from conformance.ledger import load_ledger
from conformance.profiles import Profile, Profiles, load_profiles
from conformance.reference import FAULTS
from conformance.report import FILES, load_report
from conformance.scenario import Scenario
from conformance.verdicts import this_suite

# The seed page's five scenarios, each with the reference fault that should make exactly it fail.
SEED_FAULTS = {
    "create-200": "PUT-CREATE-201",
    "join-ignored": "JOIN-SECOND-USER",
    "rejoin-duplicates": "PUT-IDEMPOTENT",
    "props-missing-creates": "PROPS-ABSENT-404",
    "412-without-body": "COND-IF-MATCH-STALE-412",
}


def _verdicts(report_dir: Path) -> dict[str, str]:
    report = load_report(report_dir / "report.json")  # validates against the shipped schema
    return {r["id"]: r["verdict"] for r in report["requirements"]}


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory):
    report_dir = tmp_path_factory.mktemp("clean")
    code = main(["run", "--no-fuzz", "--report-dir", str(report_dir)])
    return code, report_dir


def test_the_reference_passes_with_no_failure(clean_run) -> None:
    code, report_dir = clean_run
    verdicts = _verdicts(report_dir)
    assert code == 0
    assert {v for v in verdicts.values()} <= {"pass", "observed", "not-applicable"}
    not_applicable = {k for k, v in verdicts.items() if v == "not-applicable"}
    fuzz_only = {"BODY-VALID-ACCEPTED", "RESPONSE-STATUS-DOCUMENTED"}  # this run has --no-fuzz
    gated = ("LARGE-", "S2S-", "THROTTLE-", "UNAVAILABLE-", "VIS-JOIN-RESTRICTION")
    gated += ("LOAD-",)  # judged by mpsd-conformance load
    assert all(k.startswith(gated) for k in not_applicable - fuzz_only)


def test_every_report_format_is_written(clean_run) -> None:
    _, report_dir = clean_run
    assert {p.name for p in report_dir.iterdir()} == {name for name, _ in FILES.values()}
    assert "PASSED" in (report_dir / "summary.md").read_text()
    assert ctrf_problems(report_dir / "report.ctrf.json") == []


def test_the_report_says_what_the_suites_self_test_proved(clean_run) -> None:
    _, report_dir = clean_run
    proof = load_report(report_dir / "report.json")["suite"]["selftest"]
    assert proof == msgspec.to_builtins(this_suite().selftest)
    scores = f"mutation score {proof['mutation_score']['detected']}/{proof['mutation_score']['faults']}"
    assert scores in (report_dir / "summary.md").read_text()
    assert scores in (report_dir / "report.html").read_text()


@pytest.mark.parametrize(("fault", "requirement"), sorted(SEED_FAULTS.items()))
def test_a_seed_fault_fails_exactly_its_requirement(tmp_path, fault, requirement) -> None:
    code = main(["run", "--no-fuzz", "--fault", fault, "--report-dir", str(tmp_path)])
    failing = {k for k, v in _verdicts(tmp_path).items() if v == "fail"}
    assert requirement in FAULTS[fault].breaks
    assert (code, failing) == (1, set(FAULTS[fault].breaks))


def test_no_credential_reaches_any_artefact_or_the_terminal(tmp_path, capfd) -> None:
    target = embedded_target()
    with embedded_reference(target, faults=["error-bodies-json", "create-200"]) as live:
        config = tmp_path / "target.toml"
        config.write_text(dump_target(live))
        main(["run", "--config", str(config), "--fuzz-examples", "5", "--report-dir", str(tmp_path / "out")])
    out, err = capfd.readouterr()
    texts = [out, err] + [p.read_text(errors="replace") for p in (tmp_path / "out").iterdir()]
    tokens = [s.split(";", 1)[1] for s in live.secrets]
    assert [t for t in tokens if any(t in text for text in texts)] == []
    assert "[redacted]" in (tmp_path / "out" / "report.json").read_text()


def test_a_baselined_failure_does_not_fail_the_run_and_a_stale_entry_is_reported(tmp_path) -> None:
    baseline = tmp_path / "known.yaml"
    baseline.write_text(
        yaml.safe_dump(
            {"known-failures": {"PUT-CREATE-201": "t1", "COND-CREATE-ONLY-201": "t1", "GET-READ": "t2"}}
        )
    )
    code = main(
        [
            "run",
            "--no-fuzz",
            "--fault",
            "create-200",
            "--baseline",
            str(baseline),
            "--report-dir",
            str(tmp_path / "a"),
        ]
    )
    report = json.loads((tmp_path / "a" / "report.json").read_text())
    baselines = {r["id"]: r["baseline"] for r in report["requirements"] if r["baseline"]}
    assert code == 0
    assert baselines == {"PUT-CREATE-201": {"reason": "t1", "stale": False},
                         "COND-CREATE-ONLY-201": {"reason": "t1", "stale": False},
                         "GET-READ": {"reason": "t2", "stale": True}}  # fmt: skip
    strict = main(["run", "--no-fuzz", "--fault", "create-200", "--baseline", str(baseline), "--strict",
                   "--report-dir", str(tmp_path / "b")])  # fmt: skip
    assert strict == 1


def test_select_runs_a_subset(tmp_path) -> None:
    assert main(["run", "--no-fuzz", "--select", "COND-*", "--report-dir", str(tmp_path)]) == 0
    assert set(_verdicts(tmp_path)) == {
        "COND-CREATE-ONLY-EXISTS-412", "COND-CREATE-ONLY-201", "COND-IF-MATCH-200", "COND-ETAG-CHANGES",
        "COND-IF-MATCH-STALE-412", "COND-UPDATE-ONLY-ABSENT-412", "COND-UPDATE-ONLY-200",
    }  # fmt: skip


def test_a_run_in_process_hands_back_the_objects_it_froze(tmp_path) -> None:
    """A run tells the garbage collector to skip what its collection built (plugin.py); a process
    that runs the suite again (an IDE, these tests) must get that memory back when it is done."""
    assert main(["run", "--no-fuzz", "--select", "COND-CREATE-ONLY-201", "--report-dir", str(tmp_path)]) == 0
    assert gc.get_freeze_count() == 0


def test_a_check_keeps_nothing_it_sent_once_it_is_reported(tmp_path, monkeypatch) -> None:
    """Each check's scenario (its identities, its sessions, every exchange) goes once the check is
    reported, not when the session ends: a self-test worker runs thousands of checks, and every
    garbage collection walks again what they keep."""
    alive: list[object] = []

    class LastCheckDone:
        @pytest.hookimpl(trylast=True)
        def pytest_sessionfinish(self, session: pytest.Session) -> None:
            gc.collect()
            alive.extend(o for o in gc.get_objects() if isinstance(o, Scenario | Judgement))

    def session(args: list[str], handoff: object) -> int | pytest.ExitCode:
        return pytest.main(args, [handoff, LastCheckDone()])

    monkeypatch.setattr(runner, "_suite_session", session)
    assert main(["run", "--no-fuzz", "-n", "0", "--select", "COND-*", "--report-dir", str(tmp_path)]) == 0
    assert alive == []


def test_the_pytest_set_up_of_the_caller_never_reaches_a_run(tmp_path, monkeypatch) -> None:
    """A vendor runs the suite from their repository, beside their own pytest set-up: the
    conftest.py files where the run starts (loaded when the suite passed its packages as --pyargs
    names: pytest then reads the working directory's, its tests/ folder's and those above) and
    PYTEST_ADDOPTS (here one that would only collect)."""
    project = tmp_path / "project"
    (project / "tests").mkdir(parents=True)
    for conftest in (tmp_path / "conftest.py", project / "conftest.py", project / "tests" / "conftest.py"):
        conftest.write_text("raise RuntimeError('a conftest of the directory the run started in')\n")
    monkeypatch.chdir(project)
    monkeypatch.setenv("PYTEST_ADDOPTS", "--collect-only -x")
    out = tmp_path / "out"
    assert main(["run", "--no-fuzz", "-n", "0", "--select", "PUT-CREATE-201", "--report-dir", str(out)]) == 0
    assert _verdicts(out) == {"PUT-CREATE-201": "pass"}
    assert os.environ["PYTEST_ADDOPTS"] == "--collect-only -x"  # as the caller left it


def _cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "conformance.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--config", "/nonexistent/target.toml"], "no such file"),
        (["--target", "http://127.0.0.1:1"], "scid"),
        (["--fault", "no-such-fault"], "no-such-fault"),
    ],
)
def test_configuration_errors_exit_2_with_one_line(args, message) -> None:
    done = _cli("run", *args)
    assert done.returncode == 2
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr + done.stdout


def test_an_unreachable_target_exits_3_quickly_and_still_writes_a_report(tmp_path) -> None:
    target = embedded_target()
    config = tmp_path / "target.toml"
    config.write_text(
        dump_target(target).replace('url = "http://127.0.0.1"', f'url = "http://127.0.0.1:{closed_port()}"')
    )
    started = time.monotonic()
    done = _cli("run", "--config", str(config), "--report-dir", str(tmp_path / "out"))
    assert done.returncode == 3
    assert time.monotonic() - started < 20
    assert "unreachable" in done.stdout
    assert set(_verdicts(tmp_path / "out").values()) == {"error"}
    assert "Traceback" not in done.stderr + done.stdout


def test_help_explains_the_run() -> None:
    done = _cli("run", "--help")
    assert done.returncode == 0
    for phrase in ("--config", "--select", "--baseline", "exit codes", "target.toml"):
        assert phrase in done.stdout


# Installed in every Python process of a run (the controller and its xdist workers): records each
# file opened for writing, and leaves the list in $MPSD_TEST_WRITES/<pid> when the process ends.
WRITE_RECORDER = """
import atexit, os, sys
_written = []
def _record(event, args):
    if event == "open" and not isinstance(args[0], int):
        path, mode, flags = args
        if any(c in (mode or "") for c in "wax+") or (mode is None and flags & (os.O_WRONLY | os.O_RDWR)):
            _written.append(os.fsdecode(path))
sys.addaudithook(_record)
def _leave():
    with open(os.path.join(os.environ["MPSD_TEST_WRITES"], str(os.getpid())), "w") as log:
        log.write("\\n".join(_written))
atexit.register(_leave)
"""


def _unexpected_writes(log: Path, out: Path, scratch: Path) -> list[str]:
    """Files written besides the reports and pytest's and tempfile's own bookkeeping: an anonymous
    capture file (a directory opened O_TMPFILE), a basetemp lock, tempfile's writability probe."""
    written = {line for path in log.iterdir() for line in path.read_text().splitlines()}
    return sorted(
        p for p in map(Path, written)
        if not (p.is_relative_to(out) or p.is_relative_to(log) or str(p) == os.devnull or p.is_dir()
                or p.name == ".lock" or (p.parent == scratch and len(p.name) == 8))
    )  # fmt: skip


@pytest.mark.parametrize("via", ["cli", "pytest"])
def test_xdist_workers_get_the_target_without_a_secret_touching_the_disk(tmp_path, via) -> None:
    """The credentials come from the environment only; the run (the CLI, or pytest itself, with
    two workers) writes nothing but its reports, not even a private temporary target.toml."""
    target = embedded_target()
    out, scratch, log, site = (tmp_path / name for name in ("out", "tmp", "writes", "site"))
    for folder in (scratch, log, site):
        folder.mkdir()
    (site / "sitecustomize.py").write_text(WRITE_RECORDER)
    with embedded_reference(target) as live:
        config = tmp_path / "target.toml"
        config.write_text("\n".join(s for s in dump_target(live).splitlines() if "authorization" not in s))
        env = {f"MPSD_USER_{n}_AUTHORIZATION": u.authorization for n, u in enumerate(live.users, start=1)}
        env |= {"MPSD_SERVER_AUTHORIZATION": str(live.server_authorization), "TMPDIR": str(scratch),
                "MPSD_TEST_WRITES": str(log), "PYTHONDONTWRITEBYTECODE": "1",
                "PYTHONPATH": os.pathsep.join([str(site), *sys.path])}  # fmt: skip
        if via == "cli":
            command = ["-m", "conformance.cli", "run", "--config", str(config), "--no-fuzz",
                       "--select", "COND-*", "-n", "2", "--report-dir", str(out)]  # fmt: skip
        else:
            command = ["-m", "pytest", "-p", "no:cacheprovider", "-c", os.devnull, "--rootdir", str(tmp_path),
                       "--pyargs", "conformance.scenarios", "--mpsd-config", str(config),
                       "--mpsd-select", "COND-*", "-n", "2", "--mpsd-report-dir", str(out)]  # fmt: skip
        done = subprocess.run(
            [sys.executable, *command], capture_output=True, text=True, timeout=120, check=False,
            cwd=tmp_path, env={**os.environ, **env},
        )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert set(_verdicts(out).values()) == {"pass"}
    assert len(list(log.iterdir())) == 3  # the controller and both workers recorded their writes
    assert _unexpected_writes(log, out, scratch) == []
    written = [p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()]
    assert [s for s in live.secrets if any(s.encode() in data for data in written)] == []


BROKEN_RUN = """
import sys
import conformance.runner
conformance.runner.SCENARIOS = sys.argv[3]
from conformance.cli import main
sys.exit(main(["run", "--no-fuzz", "-n", sys.argv[1], "--report-dir", sys.argv[2]]))
"""


def _broken_run(
    tmp_path: Path, files: dict[str, str], workers: str = "0"
) -> tuple[subprocess.CompletedProcess[str], Path]:
    """A run of the checks in package ``broken`` (these files), or of the suite's own when none."""
    package = tmp_path / "broken"
    package.mkdir()
    for name, text in {"__init__.py": "", **files}.items():
        (package / name).write_text(text)
    report_dir = tmp_path / "out"
    checks = "broken" if files else "conformance.scenarios"
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])}
    command = [sys.executable, "-c", BROKEN_RUN, workers, str(report_dir), checks]
    done = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=120, check=False)
    return done, report_dir


def _harness_error(report_dir: Path) -> tuple[str, dict[str, int], str]:
    """What the CI files say: junit.xml's one harness error, CTRF's counts and its harness test."""
    suite = ET.parse(report_dir / "junit.xml").getroot().find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert (cases[0].get("name"), int(suite.get("errors", 0))) == ("harness error", 1)
    assert suite.find("testcase/failure") is None
    assert ctrf_problems(report_dir / "report.ctrf.json") == []
    ctrf = json.loads((report_dir / "report.ctrf.json").read_text())
    harness = ctrf["results"]["tests"][0]
    assert (harness["name"], harness["status"]) == ("harness error", "failed")
    return cases[0].findtext("error") or "", ctrf["results"]["summary"], harness["message"]


@pytest.mark.parametrize("workers", ["0", "2"])
def test_a_check_module_that_cannot_be_imported_is_a_harness_error(tmp_path, workers) -> None:
    """A broken check module leaves its requirements unjudged; the run must not pass for that,
    in one process or with xdist workers (whose collection errors reach the controller)."""
    done, report_dir = _broken_run(
        tmp_path, {"test_broken.py": "raise ImportError('a check module that does not import')\n"}, workers
    )
    report = load_report(report_dir / "report.json")
    assert done.returncode == 3, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert any("test_broken.py could not be collected: ImportError" in e for e in report["errors"])
    error, summary, message = _harness_error(report_dir)
    assert "test_broken.py could not be collected: ImportError" in error
    assert "test_broken.py could not be collected: ImportError" in message
    assert (summary["passed"], summary["failed"]) == (0, 1)


HOOK = "def pytest_collection_modifyitems(items):\n    raise RuntimeError('a hook that breaks')\n"
INTERRUPT = """
import pytest

@pytest.mark.requirement("PUT-CREATE-201")
def test_stop():
    raise KeyboardInterrupt
"""


@pytest.mark.parametrize(
    ("files", "error"),
    [
        (
            {"conftest.py": HOOK, "test_x.py": "def test_x():\n    pass\n"},
            "pytest internal error: RuntimeError: a hook that breaks",
        ),
        ({"test_stop.py": INTERRUPT}, "the run was interrupted: KeyboardInterrupt"),
    ],
    ids=["internal error", "interrupt"],
)
def test_a_run_pytest_stopped_is_a_harness_error_not_a_clean_run(tmp_path, files, error) -> None:
    """pytest stops at an internal error or an interrupt before every check ran; the requirements
    it never reached read "no check ran", which once made a clean run (exit 0, PASSED) of it."""
    done, report_dir = _broken_run(tmp_path, files)
    report = load_report(report_dir / "report.json")
    assert (done.returncode, report["run"]["exit_code"]) == (3, 3), done.stdout + done.stderr
    assert report["errors"] == [f"harness error: {error}"]
    junit_error, summary, _ = _harness_error(report_dir)
    assert junit_error == report["errors"][0]
    assert (summary["passed"], summary["failed"]) == (0, 1)


def test_a_check_that_cites_no_requirement_is_refused_not_passed(tmp_path) -> None:
    """pytest refuses the run as it collects; the verdicts the plugin would still make of it (every
    requirement "no check ran") once made it a clean run."""
    done, report_dir = _broken_run(tmp_path, {"test_x.py": "def test_x():\n    pass\n"})
    assert done.returncode == 2, done.stdout + done.stderr
    assert "test_x.py::test_x cites no requirement" in done.stdout + done.stderr
    assert not report_dir.exists()


def test_a_run_that_ends_before_any_verdict_still_says_why_in_every_report(tmp_path) -> None:
    """A broken pytest plugin installed on the machine (pytest loads it through its entry point)
    stops pytest before the plugin's session starts, so no verdict is ever made: the reports still
    exist, and say so."""
    (tmp_path / "brokenplugin.py").write_text(
        "def pytest_sessionstart(session):\n    raise RuntimeError('a plugin that breaks')\n"
    )
    installed = tmp_path / "brokenplugin-1.0.dist-info"
    installed.mkdir()
    (installed / "METADATA").write_text("Metadata-Version: 2.1\nName: brokenplugin\nVersion: 1.0\n")
    (installed / "entry_points.txt").write_text("[pytest11]\nbroken = brokenplugin\n")
    done, report_dir = _broken_run(tmp_path, {})
    assert done.returncode == 3, done.stdout + done.stderr
    assert "the run ended before any verdict (pytest exit 3)" in done.stdout
    assert {p.name for p in report_dir.iterdir()} == {name for name, _ in FILES.values()}
    report = load_report(report_dir / "report.json")
    assert (report["run"]["exit_code"], report["requirements"]) == (3, [])
    cause = "harness error: pytest internal error: RuntimeError: a plugin that breaks"
    assert report["errors"] == ["the run ended before any verdict (pytest exit 3)", cause]
    error, summary, message = _harness_error(report_dir)
    assert error == message == "\n".join(report["errors"])
    assert {k: summary[k] for k in ("tests", "passed", "failed")} == {"tests": 1, "passed": 0, "failed": 1}
    assert "ERROR" in (report_dir / "summary.md").read_text()


# A profile released before PUT-CREATE-201 was written, when COND-CREATE-ONLY-201 was a SHOULD,
# and which scores a requirement the ledger has since lost. The create-200 fault breaks both.
OLD_PROFILE = "mpsd-2025.06"
PROFILE_SELECTION = ["--select", "PUT-CREATE-201", "--select", "COND-CREATE-ONLY-201", "--select", "OLD-*"]


@pytest.fixture
def old_profile(monkeypatch):
    ledger = load_ledger()
    levels = {r.id: r.level for r in ledger if r.id != "PUT-CREATE-201"}
    levels |= {"COND-CREATE-ONLY-201": "SHOULD", "OLD-RETIRED": "MUST"}
    old = Profile(OLD_PROFILE, datetime.date(2025, 6, 1), "0.0.9", levels)
    profiles = Profiles((old, *load_profiles().profiles))
    monkeypatch.setattr("conformance.plugin.load_profiles", lambda: profiles)


def _profile_run(tmp_path: Path, name: str, *extra: str) -> tuple[int, dict]:
    code = main(["run", "--no-fuzz", "--fault", "create-200", *PROFILE_SELECTION, *extra,
                 "--report-dir", str(tmp_path / name)])  # fmt: skip
    return code, load_report(tmp_path / name / "report.json")


def test_a_run_scores_the_newest_profile_unless_told_otherwise(tmp_path, old_profile, capsys) -> None:
    code, report = _profile_run(tmp_path, "newest")
    newest = load_profiles().newest.name
    assert (code, report["run"]["profile"]) == (1, {"name": newest, "retired": []})
    assert all(r["not_scored"] is None for r in report["requirements"])
    assert f"profile: {newest}" in capsys.readouterr().out


def test_a_requirement_added_after_the_profile_runs_but_does_not_fail_it(
    tmp_path, old_profile, capsys
) -> None:
    code, report = _profile_run(tmp_path, "old", "--profile", OLD_PROFILE)
    out = capsys.readouterr().out
    requirements = {r["id"]: r for r in report["requirements"]}
    added, raised = requirements["PUT-CREATE-201"], requirements["COND-CREATE-ONLY-201"]
    assert code == report["run"]["exit_code"] == 0
    assert report["run"]["profile"] == {"name": OLD_PROFILE, "retired": ["OLD-RETIRED"]}
    assert (added["verdict"], added["not_scored"]) == ("fail", f"added after the profile {OLD_PROFILE}")
    assert (raised["verdict"], raised["level"], raised["ledger_level"]) == ("warn", "SHOULD", "MUST")
    assert report["summary"]["MUST"]["fail"] == 0
    assert f"(not scored: added after the profile {OLD_PROFILE})" in out
    assert "not run: OLD-RETIRED" in out
    junit = ET.parse(tmp_path / "old" / "junit.xml").getroot()
    assert junit.get("failures") == "0"
    case = next(c for c in junit.iter("testcase") if c.get("name", "").startswith("PUT-CREATE-201 "))
    assert [child.tag for child in case] == ["skipped"], "the not-scored failure is a skipped test case"
    assert "not scored" in (tmp_path / "old" / "summary.md").read_text()


def test_strict_and_a_baseline_judge_what_the_profile_scores(tmp_path, old_profile) -> None:
    """COND-CREATE-ONLY-201 warns at the profile's SHOULD, which --strict fails and the baseline
    excuses; PUT-CREATE-201's failure stays out of it either way, baselined or not."""
    assert _profile_run(tmp_path, "strict", "--profile", OLD_PROFILE, "--strict")[0] == 1
    baseline = tmp_path / "known.yaml"
    known = {"COND-CREATE-ONLY-201": "t1", "PUT-CREATE-201": "t2"}
    baseline.write_text(yaml.safe_dump({"known-failures": known}))
    code, report = _profile_run(
        tmp_path, "both", "--profile", OLD_PROFILE, "--strict", "--baseline", str(baseline)
    )
    assert code == 0
    assert {r["id"]: r["baseline"]["reason"] for r in report["requirements"]} == known


def test_an_unknown_profile_exits_2_naming_the_known_ones() -> None:
    done = _cli("run", "--no-fuzz", "--select", "PUT-CREATE-201", "--profile", "mpsd-1999.01")
    assert done.returncode == 2
    assert "unknown profile 'mpsd-1999.01'" in done.stderr
    assert "mpsd-2026.12" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr + done.stdout


def test_requirements_lists_the_profiles(capsys) -> None:
    assert main(["requirements", "--profiles"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(load_profiles().profiles)
    assert lines[-1].startswith("mpsd-2026.12")
    for part in ("released 2026-12-06", "suite 0.1.0", "127 requirements (112 MUST, 6 SHOULD, 9 PROBE)"):
        assert part in lines[0]
    assert lines[-1].endswith("the default")
