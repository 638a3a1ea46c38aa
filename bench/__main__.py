"""``python -m bench``: every benchmark in one run, a table on the terminal, bench/results.md on disk.

Each ratio is the median over ``--runs`` repetitions, measured against its baseline in the same
run on the same machine. ``--quick`` runs everything once on a tiny budget: CI uses it to show
the entry point works, not to measure.
"""

from __future__ import annotations

import argparse
import platform
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import (
    against_commit,
    fuzz_scaling,
    fuzz_vs_st,
    load_vs_locust,
    oracle_cost,
    reference_rps,
    scenario_floor,
    throttled_run,
    transport_cost,
    whole_run,
)
from bench.harness import median
from conformance import __version__

# metric -> (goal text, test of the value)
GOALS: dict[str, tuple[str, Callable[[float], bool]]] = {
    "peak_rss_mib": ("< 200 MiB", lambda v: v < 200),
    "head_over_base": ("<= 0.5x", lambda v: v <= 0.5),
    "scenario_over_floor": ("<= 1.3x", lambda v: v <= 1.3),
    "fuzz_over_st": (">= 1.5x", lambda v: v >= 1.5),
    "faulty_1000_over_40": (">= 0.9x", lambda v: v >= 0.9),
    "reference_over_bare": (">= 0.7x", lambda v: v >= 0.7),
    "throttled_over_floor": ("<= 1.3x", lambda v: v <= 1.3),
    "throttled_429_share": ("<= 5%", lambda v: v <= 0.05),
    "undeclared_429_share": ("<= 2%", lambda v: v <= 0.02),
    "load_over_plain_locust": (">= 0.8x", lambda v: v >= 0.8),
    "oracle_over_plain": ("<= 2x", lambda v: v <= 2),
}
EXPLAINED = {
    "whole_run_s": "wall time of `mpsd-conformance run` (scenarios + fuzz + stateful), embedded reference; "
    "its default `-n auto` starts a worker per CPU for the fuzz phase",
    "whole_run_n0_s": "the same in one process (`-n 0`), timed alternately with it",
    "default_over_n0": "the default run's time over the one-process run's",
    "peak_rss_mib": "peak resident memory of a run's largest process",
    "base_run_s": f"the default run of commit {against_commit.BASE}, timed alternately with this checkout's "
    "(each side warmed up by one untimed run)",
    "head_run_s": "this checkout's default run in those same minutes",
    "head_over_base": f"this checkout's default run over {against_commit.BASE}'s, same machine, same minutes",
    "scenario_floor_s": "a plain `requests` loop sending the scenario phase's requests",
    "longest_wait_s": "the longest single wait of a check (a timer check waiting for the target's timer)",
    "scenario_over_floor": "scenario phase time over that loop plus the longest single wait",
    "fuzz_over_st": "fuzz-phase test cases per second over `st run` on the same spec, server, budget, seed "
    "(the cases stored by an earlier run, as every run after a user's first sends them)",
    "fuzz_over_st_first_run": "the same for the first run, which generates the cases and stores them",
    "reference_over_bare": "reference requests per second over a bare Starlette endpoint, same traffic",
    "transport_cpu_ms": "the client's CPU a request through the suite's transport (one thread, kept alive)",
    "http_client_cpu_ms": "the same request through bare `http.client`, alternating with it",
    "transport_over_http_client": "what the transport costs the client over the socket work itself",
    "faulty_cases_per_s_40": f"fuzz cases per second, 40 examples per operation, {fuzz_scaling.FAULT} target",
    "faulty_cases_per_s_1000": "the same with 1,000 examples per operation",
    "faulty_1000_over_40": "the 1,000-example rate over the 40-example rate: time grows with cases alone",
    "throttled_run_s": f"the default run, the reference throttling each caller at {throttled_run.LIMITS}",
    "throttled_floor_s": "the least time those limits allow for the requests that run sent, per identity",
    "throttled_over_floor": "the throttled run's time over that least time",
    "throttled_429_share": "the throttled run's requests answered 429 (the pacer should keep it near 0)",
    "undeclared_429_share": "the same reference's 429 share when the run is not told its limits "
    "(learned from the first 429 of each window)",
    "load_rps": "requests per second of `mpsd-conformance load` (24 players, 15 s) against the reference",
    "plain_locust_rps": "the same flows from a plain Locust script (bench/plain_locustfile.py), same server",
    "load_over_plain_locust": "load's requests per second over the plain script's",
    "reference_p50_ms_under_load": "median latency of the answers load's players got, all operations",
    "reference_p99_ms_under_load": "99th-percentile latency of those answers: the reference under load",
    "load_cpu_ms_per_request": "CPU time of the load process (players, judging, reports) per request sent",
    "plain_cpu_ms_per_request": "CPU time of the plain Locust process per request sent",
    "plain_run_s": "the default run (scenarios, fuzz, stateful) against the embedded reference, timed "
    "alternately with",
    "oracle_run_s": "the same run with --oracle: each request also sent to two references and compared",
    "oracle_over_plain": "the --oracle run's time over the plain run's",
}


def _medians(samples: list[dict[str, Any]]) -> dict[str, float]:
    return {key: median([s[key] for s in samples]) for key in samples[0]}


# --quick: only the checks of two requirements (one scenario, and the fuzz items that judge the
# other), enough to show every measurement works end to end in seconds.
QUICK_SELECT = ("PUT-CREATE-201", "SRV-NO-5XX")


def _reference_rps(runs: int, quick: bool) -> dict[str, float]:
    rps = _medians([reference_rps.measure(0.5 if quick else 3.0) for _ in range(runs)])
    return {
        "reference_rps": rps["reference_rps"],
        "bare_rps": rps["baseline_rps"],
        "reference_over_bare": rps["ratio"],
    }


# name -> measure(runs, quick). --quick: the fuzz pair on one example per operation and
# QUICK_SELECT; the whole and throttled runs on the scenario requirement alone (no fuzz item); load
# for three seconds a side (Locust's start can take a second on a busy machine); the whole run and
# the oracle's pair without their warm-up.
MEASUREMENTS: dict[str, Callable[[int, bool], dict[str, float]]] = {
    "whole_run": lambda runs, quick: whole_run.measure(
        runs, 1 if quick else None, QUICK_SELECT[:1] if quick else (), serial=not quick, warm_up=not quick
    ),
    # Three alternating runs a side at least: the machine's speed drifts within minutes.
    "against_commit": lambda runs, quick: against_commit.measure(1 if quick else max(runs, 3)),
    "scenario_floor": lambda runs, quick: _medians([scenario_floor.measure() for _ in range(runs)]),
    "fuzz_vs_st": lambda runs, quick: _medians(
        [fuzz_vs_st.measure(1 if quick else 40, select=QUICK_SELECT if quick else ()) for _ in range(runs)]
    ),
    "fuzz_scaling": lambda runs, quick: _medians(
        [fuzz_scaling.measure(*((1, 2) if quick else (40, 1000))) for _ in range(runs)]
    ),
    "reference_rps": _reference_rps,
    "transport_cost": lambda runs, quick: _medians(
        [transport_cost.measure(200 if quick else 2000) for _ in range(runs)]
    ),
    "load_vs_locust": lambda runs, quick: _medians(
        [load_vs_locust.measure(3.0 if quick else 15.0, plain_first=run % 2 == 1) for run in range(runs)]
    ),
    "oracle_cost": lambda runs, quick: oracle_cost.measure(
        runs, 1 if quick else None, QUICK_SELECT[:1] if quick else (), warm_up=not quick
    ),
    "throttled_run": lambda runs, quick: _medians(
        [
            {
                **throttled_run.measure(no_fuzz=quick, select=QUICK_SELECT if quick else ()),
                **throttled_run.undeclared(no_fuzz=quick, select=QUICK_SELECT if quick else ()),
            }
            for _ in range(runs)
        ]
    ),
}


def measure(runs: int, quick: bool, only: list[str] | None = None) -> dict[str, float]:
    results: dict[str, float] = {}
    for name in only or MEASUREMENTS:
        results.update(MEASUREMENTS[name](runs, quick))
    return results


def table(results: dict[str, float]) -> list[str]:
    rows = ["| metric | value | goal | met | what it is |", "| --- | ---: | --- | --- | --- |"]
    for key, value in results.items():
        goal, test = GOALS.get(key, ("", None))
        met = "" if test is None else ("yes" if test(value) else "no")
        rows.append(f"| {key} | {value:g} | {goal} | {met} | {EXPLAINED.get(key, '')} |")
    return rows


RESULTS = Path(__file__).with_name("results.md")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="repetitions per measurement (median); default 3")
    parser.add_argument(
        "--quick", action="store_true", help="one run on a tiny budget (does it work at all?)"
    )
    parser.add_argument(
        "--only", action="append", choices=list(MEASUREMENTS), metavar="NAME",
        help=f"only this measurement (repeatable): {', '.join(MEASUREMENTS)}",
    )  # fmt: skip
    parser.add_argument(
        "--out", type=Path, help="results file (default bench/results.md, for a full run only)"
    )
    args = parser.parse_args()
    runs = 1 if args.quick else args.runs
    results = measure(runs, args.quick, args.only)
    lines = table(results)
    print("\n".join(lines))
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    header = [
        "# Benchmark results",
        "",
        f"`python -m bench{' --quick' if args.quick else ''} --runs {runs}`, {when}, mpsd-conformance "
        f"{__version__}, Python {platform.python_version()} on {platform.machine()} ({_cpus()} CPUs).",
        "Ratios are medians of runs measured against their baseline in the same run on the same machine.",
        "",
    ]
    out = args.out or (None if args.quick or args.only else RESULTS)
    if out is None:
        # A partial run would replace the full table and its notes with a fragment.
        print(f"not written: {RESULTS} is for full runs; pass --out FILE to keep a partial one")
        return 0
    out.write_text("\n".join(header + lines) + "\n", encoding="utf-8")
    print(f"written: {out}")
    return 0


def _cpus() -> int:
    import os

    return os.cpu_count() or 1


if __name__ == "__main__":
    raise SystemExit(main())
