"""What the benchmarks share: a recording reference on loopback, target files, timed child processes."""

from __future__ import annotations

import dataclasses
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from conformance.config import Target, dump_target
from conformance.embedded import embedded_target
from conformance.reference import ReferenceConfig
from conformance.reference.app import create_app
from conformance.reference.recorder import Recorder
from conformance.reference.server import BackgroundServer


@dataclass(frozen=True)
class Live:
    target: Target
    config_file: Path
    recorder: Recorder


@contextmanager
def recording_reference(folder: Path, faults: tuple[str, ...] = ()) -> Iterator[Live]:
    """The reference in this process (a thread), recording every request, and a target.toml for it."""
    target = embedded_target()
    recorder = Recorder(create_app(ReferenceConfig.from_target(target, faults=frozenset(faults))))
    with BackgroundServer(recorder) as server:
        live = dataclasses.replace(target, url=server.url)
        config = folder / "target.toml"
        config.write_text(dump_target(live))
        config.chmod(0o600)
        yield Live(live, config, recorder)


# A schemathesis test case carries this header; the suite's own arrange and cleanup requests do not.
CASE_HEADER = b"x-schemathesis-testcaseid"


@contextmanager
def case_folder(folder: Path) -> Iterator[None]:
    """The runs started inside keep their stored fuzz cases in ``folder``: never the user's own,
    nor what another measurement stored (a measurement decides what its runs find stored)."""
    from conformance.fuzz.cases import CACHE_ENV  # imports schemathesis: only where cases are kept

    os.environ[CACHE_ENV] = str(folder)
    try:
        yield
    finally:
        os.environ.pop(CACHE_ENV, None)


def count_cases(live: Live) -> int:
    """Test cases the reference received (our arrange and cleanup requests are our cost, not cases)."""
    return sum(any(k == CASE_HEADER for k, _ in r.headers) for r in live.recorder.requests)


@dataclass(frozen=True)
class Finished:
    seconds: float
    peak_rss_mib: float
    returncode: int
    stdout: str
    cpu_s: float = 0.0  # the child's user + system CPU time


def run_child(args: Sequence[str], cwd: Path | None = None) -> Finished:
    """Run ``python <args>``; wall time and the child's peak resident memory."""
    started = time.perf_counter()
    command = [sys.executable, *args]
    child = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = child.stdout.read() if child.stdout else ""
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return Finished(time.perf_counter() - started, usage.ru_maxrss / 1024, child.returncode, output, cpu)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)
