"""The whole default run (scenarios + fuzz + stateful) against the embedded reference, as users run it."""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.harness import median, run_child


def measure(
    runs: int,
    examples: int | None = None,
    select: tuple[str, ...] = (),
    serial: bool = True,
    warm_up: bool = True,
) -> dict[str, float]:
    """The default run (``-n auto``: xdist workers when the fuzz phase is long enough to share);
    ``serial``: also ``-n 0``, one process, timed alternately with it. ``warm_up``: first a run of
    each, untimed, so that every timed run finds its fuzz cases stored, as a user's second run
    does (the first after a change to the fuzz phase's code records them)."""
    budget = ["--fuzz-examples", str(examples)] if examples else []
    budget += [arg for pattern in select for arg in ("--select", pattern)]
    results: dict[str, list[float]] = {"default": [], "serial": [], "peak": []}
    modes = (("default", []), ("serial", ["-n", "0"])) if serial else (("default", []),)
    with tempfile.TemporaryDirectory() as folder:
        for index in range(-1 if warm_up else 0, runs):
            for label, workers in modes:
                out = Path(folder) / f"{label}-{index}"
                done = run_child(
                    ["-m", "conformance.cli", "run", *workers, *budget, "--report-dir", str(out)]
                )
                if done.returncode != 0:
                    raise RuntimeError(f"the run failed (exit {done.returncode}):\n{done.stdout[-2000:]}")
                if index >= 0:  # run -1 only warms up
                    results[label].append(done.seconds)
                    results["peak"].append(done.peak_rss_mib)
    default = median(results["default"])
    found = {"whole_run_s": round(default, 2), "peak_rss_mib": round(max(results["peak"]), 1)}
    if serial:
        n0 = median(results["serial"])
        found.update(whole_run_n0_s=round(n0, 2), default_over_n0=round(default / n0, 3))
    return found
