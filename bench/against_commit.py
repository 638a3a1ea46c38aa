"""The default run of this checkout against the default run of an earlier commit, timed alternately.

This machine's speed varies twofold from hour to hour, so a goal is a ratio against a commit run
on the same machine in the same minutes, the two sides alternating: BASE is the commit whose
default run the speed goal halves (#25). Each side first runs once untimed, so that both start
warm: the operating system's file cache for the base, and for this checkout also its stored fuzz
cases (``conformance.fuzz.cases``), which a user's second run finds in place.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from bench.harness import case_folder, median, run_child

ROOT = Path(__file__).resolve().parents[1]
BASE = "6b1eef4"  # the default run the speed goal halves


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
        # This checkout's stored cases live in a folder of this measurement's own.
        try:
            with case_folder(Path(folder) / "cases"):
                times = _alternate(runs, tree, Path(folder))
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False)
    return {
        "base_run_s": round(median(times["base"]), 2),
        "head_run_s": round(median(times["head"]), 2),
        "head_over_base": round(median(times["head"]) / median(times["base"]), 3),
    }


def _alternate(runs: int, tree: Path, folder: Path) -> dict[str, list[float]]:
    """Each side's times, one run of each in turn after a run of each that only warms up."""
    times: dict[str, list[float]] = {"base": [], "head": []}
    for index in range(-1, runs):
        # `python -m` imports the package from its working directory first: BASE's code runs from
        # its tree, this checkout's from a folder of its own (its installed copy).
        for label, cwd in (("base", tree), ("head", folder)):
            out = folder / f"{label}-{index}"
            done = run_child(["-m", "conformance.cli", "run", "--report-dir", str(out)], cwd=cwd)
            if done.returncode != 0:
                raise RuntimeError(f"{label}: the run failed (exit {done.returncode})")
            if index >= 0:  # run -1 only warms up
                times[label].append(done.seconds)
    return times
