"""A long campaign against a faulty target: fuzz cases per second at 40 and at 1,000 examples.

The target is the reference with ``wrong-types-500``, a defect many cases trip. If a campaign's time
grew with anything but its cases, the rate at 1,000 examples per operation would fall behind the
rate at 40. A case is a request carrying schemathesis's X-Schemathesis-TestCaseId, as in
fuzz_vs_st; the time is the report's fuzz phase (stateless items and stateful sequences).

What this target exercises: the coverage phase finds the defect in both PUT operations, whose items
then stop at their first finding (explicit cases are never shrunk); the GET operation and the
stateful sequences run the whole campaign. A finding that only generated cases reach is shrunk
within its budget (conformance.fuzz.shrink); tests/fuzz/test_shrink_budget.py counts that budget on
the wire.

Each side is its seed and budget's first run, in a case folder of its own with nothing stored: it
generates its cases as it sends them, as every run did when this goal was set. With the coverage
cases stored once for every seed (conformance/fuzz/engine.stored_cases), a shared folder would let
the 40-example side read those an earlier measurement stored and generate only its 40 cases an
operation, while the 1,000-example side generates all of its own: the two would no longer be
measured alike.
"""

from __future__ import annotations

import json
import logging
import tempfile
from pathlib import Path

from bench.harness import case_folder, count_cases, recording_reference, run_child

FAULT = "wrong-types-500"
# Its fuzz items judge SRV-NO-5XX; selecting it keeps the scenario phase short.
SELECT = "SRV-NO-5XX"


def rate(examples: int, seed: int = 1) -> float:
    """Fuzz cases per second of one run against the faulty reference, which must find the fault."""
    # The defect's crashes are expected: the reference's log of each would only drown the table (a
    # level, not ``disabled``: the server's logging setup re-enables loggers it does not configure).
    crashes = logging.getLogger("conformance.reference")
    level = crashes.level
    crashes.setLevel(logging.CRITICAL)
    try:
        with (
            tempfile.TemporaryDirectory() as folder,
            recording_reference(Path(folder), (FAULT,)) as live,
            case_folder(Path(folder) / "cases"),
        ):
            out = Path(folder) / "out"
            command = ["-m", "conformance.cli", "run", "--config", str(live.config_file), "--seed", str(seed)]
            command += ["--select", SELECT, "--fuzz-examples", str(examples), "--report-dir", str(out)]
            done = run_child(command)
            if done.returncode != 1:
                raise RuntimeError(
                    f"the run did not fail on {FAULT} (exit {done.returncode}):\n{done.stdout[-2000:]}"
                )
            seconds = json.loads((out / "report.json").read_text())["run"]["phases"]["fuzz"]
            return count_cases(live) / seconds
    finally:
        crashes.setLevel(level)


def measure(small: int, large: int) -> dict[str, float]:
    small_rate, large_rate = rate(small), rate(large)
    return {
        "faulty_cases_per_s_40": round(small_rate, 1),
        "faulty_cases_per_s_1000": round(large_rate, 1),
        "faulty_1000_over_40": round(large_rate / small_rate, 3),
    }


if __name__ == "__main__":
    print(json.dumps(measure(40, 1000), indent=2))
