"""What --oracle costs: the default run with it over the same run without, timed alternately.

Each request then also goes to two reference instances (the second measures the reference's own
nondeterminism) on the mirror's thread, and is compared there; the goal is that this at most
doubles a run. The target is the embedded reference, the case that costs the oracle most: the
target answers as fast as the references do, so nothing hides their work. Each side first runs
once untimed, so that both find the stored fuzz cases in place (``conformance.fuzz.cases``).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.harness import median, run_child


def measure(
    runs: int, examples: int | None = None, select: tuple[str, ...] = (), warm_up: bool = True
) -> dict[str, float]:
    budget = ["--fuzz-examples", str(examples)] if examples else []
    budget += [arg for pattern in select for arg in ("--select", pattern)]
    times: dict[str, list[float]] = {"plain": [], "oracle": []}
    with tempfile.TemporaryDirectory() as folder:
        for index in range(-1 if warm_up else 0, runs):
            # Alternating, and each pair in the other order the next time: the machine's speed drifts.
            sides = [("plain", []), ("oracle", ["--oracle"])]
            for label, flags in sides if index % 2 else reversed(sides):
                out = Path(folder) / f"{label}-{index}"
                done = run_child(["-m", "conformance.cli", "run", *flags, *budget, "--report-dir", str(out)])
                if done.returncode != 0:
                    raise RuntimeError(
                        f"{label}: the run failed (exit {done.returncode}):\n{done.stdout[-2000:]}"
                    )
                if index >= 0:  # run -1 only warms up
                    times[label].append(done.seconds)
    plain, oracle = median(times["plain"]), median(times["oracle"])
    return {
        "plain_run_s": round(plain, 2),
        "oracle_run_s": round(oracle, 2),
        "oracle_over_plain": round(oracle / plain, 3),
    }
