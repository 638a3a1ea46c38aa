"""Where the project's tests spend CPU: a pytest plugin that writes each test's CPU time, and a summary.

The test suite is bound by CPU on 2 cores (its wall time is about its CPU time over 1.7), so the
tests to shorten are those with the most CPU, not the longest: a test that waits on a timeout
costs wall time on one worker and nothing on the cores. Each test's CPU is its process's own (the
in-process runs, the reference threads it starts) plus that of the subprocesses it waited for (CLI
runs, their xdist workers), from ``getrusage`` around setup, call and teardown.

    MPSD_TEST_CPU=/tmp/cpu pytest          # tests/conftest.py loads this file as a plugin
    python -m bench.cpu_per_test /tmp/cpu
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from collections import Counter
from pathlib import Path

import pytest

FOLDER_ENV = "MPSD_TEST_CPU"
# The root of the test session measured, as its first process sets it (its xdist workers inherit
# it): the suite runs that tests start in their own pytest sessions are part of those tests' CPU,
# never rows of their own.
ROOT_ENV = "MPSD_TEST_CPU_ROOT"
_started: dict[str, tuple[float, float, float]] = {}


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault(ROOT_ENV, str(config.rootpath))


def _cpu() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    waited = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, waited.ru_utime + waited.ru_stime


def pytest_runtest_setup(item: pytest.Item) -> None:
    if str(item.config.rootpath) == os.environ.get(ROOT_ENV):
        _started[item.nodeid] = (*_cpu(), time.monotonic())


def pytest_runtest_logfinish(nodeid: str, location: tuple[str, int | None, str]) -> None:
    folder = os.environ.get(FOLDER_ENV)
    if folder is None or nodeid not in _started:
        return
    own_at, waited_at, started = _started.pop(nodeid)
    own, waited = _cpu()
    row = {"id": nodeid, "own_s": own - own_at, "waited_s": waited - waited_at}
    row["wall_s"] = time.monotonic() - started
    Path(folder).mkdir(parents=True, exist_ok=True)
    with (Path(folder) / f"{os.getpid()}.jsonl").open("a", encoding="utf-8") as out:
        out.write(json.dumps(row) + "\n")


def summary(folder: Path, most: int = 25) -> list[str]:
    """The total, the costliest tests and files, as lines."""
    rows = [json.loads(line) for path in sorted(folder.glob("*.jsonl")) for line in path.open()]
    cpu = {row["id"]: row["own_s"] + row["waited_s"] for row in rows}
    files: Counter[str] = Counter()
    for test, seconds in cpu.items():
        files[test.split("::", 1)[0]] += seconds
    waited = sum(row["waited_s"] for row in rows)
    costliest = sorted(cpu.items(), key=lambda item: -item[1])[:most]
    lines = [f"{len(rows)} tests, {sum(cpu.values()):.0f} s of CPU ({waited:.0f} s in subprocesses)", ""]
    lines += ["CPU s  test", *(f"{seconds:6.1f}  {test}" for test, seconds in costliest), ""]
    lines += ["CPU s  file", *(f"{seconds:6.0f}  {file}" for file, seconds in files.most_common(most))]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.cpu_per_test", description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help=f"the folder {FOLDER_ENV} named for the test run")
    parser.add_argument("--most", type=int, default=25, help="how many tests and files to list")
    args = parser.parse_args()
    print("\n".join(summary(args.folder, args.most)))


if __name__ == "__main__":
    main()
