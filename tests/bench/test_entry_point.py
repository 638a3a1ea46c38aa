"""The benchmark entry point runs (on a tiny budget); the figures themselves are measured on demand.

The two fuzz-engine measurements (fuzz_vs_st, fuzz_scaling) are left out here: each pays the
coverage phase twice (about a minute on 2 cores) and the whole run already exercises the fuzz
phase; ``python -m bench --quick`` runs them too.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MEASURED = (
    "whole_run", "scenario_floor", "reference_rps", "transport_cost", "throttled_run", "load_vs_locust",
    "oracle_cost",
)  # fmt: skip


def test_python_m_bench_quick_writes_a_results_table(tmp_path) -> None:
    out = tmp_path / "results.md"
    only = [f"--only={name}" for name in MEASURED]
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", *only, "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    text = out.read_text()
    for metric in (
        "whole_run_s",
        "scenario_over_floor",
        "reference_over_bare",
        "transport_over_http_client",
        "peak_rss_mib",
        "throttled_over_floor",
        "throttled_429_share",
        "undeclared_429_share",
        "load_over_plain_locust",
        "oracle_over_plain",
    ):
        assert f"| {metric} |" in text
