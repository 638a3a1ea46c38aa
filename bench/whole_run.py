"""The whole default run (scenarios + fuzz + stateful) against the embedded reference, as users run it."""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.harness import median, run_child


def measure(runs: int, examples: int | None = None) -> dict[str, float]:
    budget = ["--fuzz-examples", str(examples)] if examples else []
    results: dict[str, list[float]] = {"serial": [], "parallel": [], "peak": []}
    with tempfile.TemporaryDirectory() as folder:
        for index in range(runs):
            for label, workers in (("serial", "0"), ("parallel", "2")):
                out = Path(folder) / f"{label}-{index}"
                done = run_child(
                    ["-m", "conformance.cli", "run", "-n", workers, *budget, "--report-dir", str(out)]
                )
                if done.returncode != 0:
                    raise RuntimeError(f"the run failed (exit {done.returncode}):\n{done.stdout[-2000:]}")
                results[label].append(done.seconds)
                if label == "serial":
                    results["peak"].append(done.peak_rss_mib)
    serial, parallel = median(results["serial"]), median(results["parallel"])
    return {
        "whole_run_s": round(serial, 2),
        "whole_run_n2_s": round(parallel, 2),
        "n2_over_n0": round(parallel / serial, 3),
        "peak_rss_mib": round(max(results["peak"]), 1),
    }
