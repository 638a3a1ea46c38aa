"""Requests per second reached by ``mpsd-conformance load`` against a plain Locust script sending the
same flows (bench/plain_locustfile.py) to the same reference server, one after the other.

The ratio says what load's own work costs (an observation per request, pacing, the If-Match
bookkeeping, judging afterwards): both use the same Locust, players, profile and server. The server
is the reference in a process of its own, as ``load`` starts it; each side runs in its own process.

    python -m bench.load_vs_locust
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from pathlib import Path

from bench.harness import run_child
from conformance.config import dump_target
from conformance.embedded import embedded_target
from conformance.load.command import reference_process, with_more_identities

PLAIN = Path(__file__).with_name("plain_locustfile.py")


def measure(seconds: float = 15.0, users: int = 24, plain_first: bool = False) -> dict[str, float]:
    """Both sides against one server, in ``plain_first`` order (alternate it over runs: the second
    side meets a server holding the first side's sessions). Also each side's CPU per request: on a
    busy machine a steadier measure of what load adds than the requests per second."""
    with (
        tempfile.TemporaryDirectory(prefix="bench-load-") as folder,
        reference_process(with_more_identities(embedded_target()), ()) as live,
    ):
        config = Path(folder) / "target.toml"
        config.write_text(dump_target(live))
        config.chmod(0o600)
        profile = ["--users", str(users), "--spawn-rate", str(users)]
        ours_command = [
            "-m", "conformance.cli", "load", "--config", str(config), *profile, "--duration", str(seconds),
            "--report-dir", folder,
        ]  # fmt: skip
        plain_command = [
            "-m", "locust", "-f", str(PLAIN), "--headless", *profile, "--run-time", f"{seconds:g}s",
            "--host", live.url, "--csv", f"{folder}/plain", "--only-summary", "--loglevel", "WARNING",
        ]  # fmt: skip
        os.environ["MPSD_BENCH_TARGET"] = str(config)
        if plain_first:
            plain, ours = run_child(plain_command), run_child(ours_command)
        else:
            ours, plain = run_child(ours_command), run_child(plain_command)
        if ours.returncode != 0:
            raise RuntimeError(f"load failed:\n{ours.stdout[-2000:]}")
        load = json.loads((Path(folder) / "report.json").read_text())["run"]["load"]
        with open(f"{folder}/plain_stats.csv", encoding="utf-8") as handle:
            total = next(row for row in csv.DictReader(handle) if row["Name"] == "Aggregated")
    load_rps = load["operations"]["all"]["requests"] / load["duration_s"]
    plain_rps = int(total["Request Count"]) / seconds
    if plain.returncode not in (0, 1):  # locust exits 1 when some request failed (a 400 on a full session)
        raise RuntimeError(f"the plain Locust script failed:\n{plain.stdout[-2000:]}")
    ours_requests, plain_requests = load["operations"]["all"]["requests"], int(total["Request Count"])
    if not (ours_requests and plain_requests):
        raise RuntimeError(
            f"a side sent no request in {seconds:g} s (load {ours_requests}, plain {plain_requests}): "
            "the machine is too busy for this measurement"
        )
    return {
        "load_rps": round(load_rps, 1),
        "plain_locust_rps": round(plain_rps, 1),
        "load_over_plain_locust": round(load_rps / plain_rps, 3),
        "reference_p50_ms_under_load": load["operations"]["all"]["p50_ms"],
        "reference_p99_ms_under_load": load["operations"]["all"]["p99_ms"],
        "load_cpu_ms_per_request": round(1000 * ours.cpu_s / ours_requests, 2),
        "plain_cpu_ms_per_request": round(1000 * plain.cpu_s / plain_requests, 2),
    }


if __name__ == "__main__":
    print(json.dumps(measure(), indent=2))
