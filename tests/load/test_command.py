"""``mpsd-conformance load`` end to end, each run in a process of its own (Locust patches the process
with gevent): the reference keeps every invariant under the default profile, each fault that breaks
a load requirement is caught on exactly those, and a master with two workers gives one result."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.ledger import LOAD_AREA, load_ledger
from conformance.reference import FAULTS
from conformance.report import FILES, load_report

LOAD = [sys.executable, "-m", "conformance.cli", "load"]
LOAD_REQUIREMENTS = {r.id for r in load_ledger() if r.area == LOAD_AREA}
# Faults that break a load requirement, and which ones.
LOAD_FAULTS = {
    name: LOAD_REQUIREMENTS & set(fault.breaks)
    for name, fault in FAULTS.items()
    if LOAD_REQUIREMENTS & set(fault.breaks)
}
TIMEOUT_S = 240


def _load(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*LOAD, *args], capture_output=True, text=True, timeout=TIMEOUT_S)


def _verdicts(report_dir: Path) -> dict[str, str]:
    report = load_report(report_dir / "report.json")  # validates against the shipped schema
    return {r["id"]: r["verdict"] for r in report["requirements"]}


def test_the_reference_keeps_every_invariant_under_the_default_profile(tmp_path) -> None:
    """The default players, spawn rate and mix of operations; 3 s of play, not the default 15 s:
    all 24 players start within the first second, and every invariant is judged on thousands of
    requests within it (each a pass with evidence), while each second more costs a second of both
    cores."""
    done = _load("--duration", "3", "--report-dir", str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert _verdicts(tmp_path) == dict.fromkeys(LOAD_REQUIREMENTS, "pass")
    report = json.loads((tmp_path / "report.json").read_text())
    operations = report["run"]["load"]["operations"]
    assert {"join", "read", "write", "leave", "all"} <= set(operations)
    assert operations["all"]["requests"] > 0
    assert operations["all"]["failures"] == 0
    assert "<svg" in (tmp_path / "report.html").read_text()
    assert "Throughput and latency" in (tmp_path / "summary.md").read_text()
    assert {p.name for p in tmp_path.iterdir()} == {name for name, _ in FILES.values()}


def test_faults_that_show_only_under_load_exist() -> None:
    only_load = {name for name, fault in FAULTS.items() if set(fault.breaks) <= LOAD_REQUIREMENTS}
    assert {"racy-capacity", "racy-change-number", "contention-500"} <= only_load
    assert set().union(*LOAD_FAULTS.values()) == LOAD_REQUIREMENTS  # each invariant has a fault


@pytest.fixture(scope="module")
def fault_run(tmp_path_factory):
    """One short load per fault, shared by the tests that read its report. 2 s each: every fault
    showed on exactly its requirements in each of 28 runs of 2 s, 14 of them seven at once on 2
    cores; each second more costs a second of both cores."""
    done: dict[str, tuple[subprocess.CompletedProcess[str], Path]] = {}

    def run(fault: str) -> tuple[subprocess.CompletedProcess[str], Path]:
        if fault not in done:
            folder = tmp_path_factory.mktemp(fault)
            done[fault] = (_load("--fault", fault, "--duration", "2", "--report-dir", str(folder)), folder)
        return done[fault]

    return run


@pytest.mark.parametrize("fault", sorted(LOAD_FAULTS))
def test_each_fault_is_caught_on_exactly_its_load_requirements(fault_run, fault) -> None:
    done, folder = fault_run(fault)
    failing = {k for k, v in _verdicts(folder).items() if v == "fail"}
    assert (done.returncode, failing) == (1, LOAD_FAULTS[fault]), done.stdout + done.stderr


def test_a_violation_carries_the_requests_that_show_it(fault_run) -> None:
    _, folder = fault_run("racy-if-match")
    report = load_report(folder / "report.json")
    check = next(r for r in report["requirements"] if r["id"] == "LOAD-ONE-WINNER-PER-ETAG")["checks"][0]
    winners = [e for e in check["evidence"] if e["response"]["status"] == 200]
    assert len(winners) >= 2
    assert len({e["request"]["headers"]["If-Match"] for e in winners[:2]}) == 1
    assert all(e["request"]["headers"]["Authorization"] == "[redacted]" for e in check["evidence"])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_master_with_two_workers_gives_one_merged_result(tmp_path) -> None:
    port = str(_free_port())
    master = subprocess.Popen(
        [*LOAD, "--master", "--master-bind-host", "127.0.0.1", "--master-port", port, "--expect-workers", "2",
         "--users", "12", "--duration", "3", "--report-dir", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    workers = [
        subprocess.Popen(
            [*LOAD, "--worker", "--master-host", "127.0.0.1", "--master-port", port],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(2)
    ]
    try:
        output, _ = master.communicate(timeout=TIMEOUT_S)
        for worker in workers:
            assert worker.wait(timeout=60) == 0
    finally:
        for process in (master, *workers):
            if process.poll() is None:
                process.kill()
    assert master.returncode == 0, output
    assert _verdicts(tmp_path) == dict.fromkeys(LOAD_REQUIREMENTS, "pass")
    report = json.loads((tmp_path / "report.json").read_text())
    assert sorted(report["options"]["processes"]) == ["w0", "w1"]
    assert all(n > 0 for n in report["options"]["processes"].values())
    assert report["run"]["load"]["operations"]["all"]["requests"] > 0


def test_a_target_that_answers_nothing_exits_3(tmp_path) -> None:
    config = tmp_path / "target.toml"
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # bound, never listening: every connection is refused
        config.write_text(
            f'[target]\nurl = "http://127.0.0.1:{port}"\nscid = "00000000-0000-0000-0000-0000000000ab"\n'
            'template = "conformance"\n[[users]]\nxuid = "1"\nauthorization = "XBL3.0 x=-;one"\n'
            '[[users]]\nxuid = "2"\nauthorization = "XBL3.0 x=-;two"\n'
        )
        done = _load("--config", str(config), "--duration", "1", "--report-dir", str(tmp_path / "out"))
    assert done.returncode == 3, done.stdout + done.stderr
    assert "nothing could be judged" in done.stdout


def test_help_names_the_profile_and_the_distributed_mode() -> None:
    done = subprocess.run([*LOAD, "--help"], capture_output=True, text=True, check=True)
    for flag in ("--users", "--spawn-rate", "--duration", "--master", "--worker", "--master-host", "LOAD-*"):
        assert flag in done.stdout
