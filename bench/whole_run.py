"""The whole default run (scenarios + fuzz + stateful) against the embedded reference, as users run it."""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.harness import median, run_child


def measure(
    runs: int, examples: int | None = None, select: tuple[str, ...] = (), parallel: bool = True
) -> dict[str, float]:
    """``parallel``: also time ``-n 2``, reported beside the default run (not a goal of its own)."""
    budget = ["--fuzz-examples", str(examples)] if examples else []
    budget += [arg for pattern in select for arg in ("--select", pattern)]
    results: dict[str, list[float]] = {"serial": [], "parallel": [], "peak": []}
    modes = (("serial", "0"), ("parallel", "2")) if parallel else (("serial", "0"),)
    with tempfile.TemporaryDirectory() as folder:
        for index in range(runs):
            for label, workers in modes:
                out = Path(folder) / f"{label}-{index}"
                done = run_child(
                    ["-m", "conformance.cli", "run", "-n", workers, *budget, "--report-dir", str(out)]
                )
                if done.returncode != 0:
                    raise RuntimeError(f"the run failed (exit {done.returncode}):\n{done.stdout[-2000:]}")
                results[label].append(done.seconds)
                if label == "serial":
                    results["peak"].append(done.peak_rss_mib)
    serial = median(results["serial"])
    found = {"whole_run_s": round(serial, 2), "peak_rss_mib": round(max(results["peak"]), 1)}
    if parallel:
        n2 = median(results["parallel"])
        found.update(whole_run_n2_s=round(n2, 2), n2_over_n0=round(n2 / serial, 3))
    return found
