"""The benchmark entry point runs (on a tiny budget); the figures themselves are measured on demand."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_python_m_bench_quick_writes_a_results_table(tmp_path) -> None:
    out = tmp_path / "results.md"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    text = out.read_text()
    for metric in (
        "whole_run_s",
        "scenario_over_floor",
        "fuzz_over_st",
        "reference_over_bare",
        "faulty_1000_over_40",
        "peak_rss_mib",
    ):
        assert f"| {metric} |" in text
