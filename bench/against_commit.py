"""The default run of this checkout against the default run of an earlier commit, timed alternately.

A goal written in seconds (``whole_run_s``: about 20 s) was met once, at BASE, on a machine whose
speed varies twofold from hour to hour: the same commit's run took 14.8 s then and over 30 s on a
later day. Timing this checkout and BASE alternately, on the same machine in the same minutes,
turns the figure into a ratio: this checkout's run takes the ratio times what BASE took, so on the
machine as it was when BASE measured it, the ratio times BASE_SECONDS.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from bench.harness import median, run_child

ROOT = Path(__file__).resolve().parents[1]
BASE = "21dcdd4"  # bench/results.md as that commit wrote it: whole_run_s 14.82, goal met
BASE_SECONDS = 14.82


def measure(runs: int, base: str = BASE) -> dict[str, float]:
    """Needs the repository's history (a clone, not an unpacked archive) to check BASE out."""
    with tempfile.TemporaryDirectory() as folder:
        tree = Path(folder) / "base"
        added = subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), base],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if added.returncode != 0:
            raise RuntimeError(f"cannot check out {base} beside this checkout: {added.stderr.strip()}")
        try:
            times: dict[str, list[float]] = {"base": [], "head": []}
            for index in range(runs):
                # `python -m` imports the package from its working directory first: BASE's code
                # runs from its tree, this checkout's from a folder of its own (its installed copy).
                for label, cwd in (("base", tree), ("head", Path(folder))):
                    out = Path(folder) / f"{label}-{index}"
                    done = run_child(["-m", "conformance.cli", "run", "--report-dir", str(out)], cwd=cwd)
                    if done.returncode != 0:
                        raise RuntimeError(f"{label}: the run failed (exit {done.returncode})")
                    times[label].append(done.seconds)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False)
    ratio = median(times["head"]) / median(times["base"])
    return {
        "base_run_s": round(median(times["base"]), 2),
        "head_over_base": round(ratio, 3),
        "whole_run_at_base_s": round(ratio * BASE_SECONDS, 2),
    }
