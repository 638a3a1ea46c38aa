"""The per-test CPU plugin records each test's own and waited-for CPU, and its summary ranks them.

Run as a user runs it, from the repository (``bench`` is not installed with the package).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORK = """
import subprocess, sys

def test_spins():
    sum(i * i for i in range(8_000_000))

def test_waits_for_a_child():
    subprocess.run([sys.executable, "-c", "sum(i * i for i in range(8_000_000))"], check=True)

def test_idles():
    pass

def test_runs_a_session_of_its_own(tmp_path):
    import pytest
    (tmp_path / "test_inner.py").write_text("def test_inner(): pass")
    args = [str(tmp_path), "--rootdir", str(tmp_path), "-p", "bench.cpu_per_test", "-p", "no:cacheprovider"]
    assert pytest.main(args) == 0
"""


def test_each_test_gets_its_cpu_and_the_summary_ranks_the_costliest(tmp_path) -> None:
    (tmp_path / "test_work.py").write_text(WORK)
    folder = tmp_path / "cpu"
    # A session of its own, even when this one is measured: its root is the one recorded.
    env = {k: v for k, v in os.environ.items() if k != "MPSD_TEST_CPU_ROOT"}
    env |= {"MPSD_TEST_CPU": str(folder), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "bench.cpu_per_test", "-p", "no:cacheprovider",
         "-p", "no:xdist", "-c", os.devnull, "test_work.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    lines = [line for path in folder.glob("*.jsonl") for line in path.open()]
    rows = {row["id"].split("::")[1]: row for row in map(json.loads, lines)}
    # The inner session's test is part of the outer test's CPU, never a row of its own.
    assert len(lines) == len(rows) == 4
    assert set(rows) == {
        "test_spins",
        "test_waits_for_a_child",
        "test_idles",
        "test_runs_a_session_of_its_own",
    }
    assert rows["test_spins"]["own_s"] > rows["test_idles"]["own_s"]
    assert rows["test_waits_for_a_child"]["waited_s"] > 0.05
    shown = subprocess.run(
        [sys.executable, "-m", "bench.cpu_per_test", str(folder), "--most", "2"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.splitlines()  # fmt: skip
    assert shown[0].startswith("4 tests, ")
    ranked = shown[shown.index("CPU s  test") + 1 :][:2]
    assert {line.split("::")[1] for line in ranked} == {"test_spins", "test_waits_for_a_child"}
