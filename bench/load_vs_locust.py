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


def measure(seconds: float = 15.0, users: int = 24) -> dict[str, float]:
    with (
        tempfile.TemporaryDirectory(prefix="bench-load-") as folder,
        reference_process(with_more_identities(embedded_target()), ()) as live,
    ):
        config = Path(folder) / "target.toml"
        config.write_text(dump_target(live))
        config.chmod(0o600)
        profile = ["--users", str(users), "--spawn-rate", str(users)]
        ours = run_child(
            ["-m", "conformance.cli", "load", "--config", str(config), *profile, "--duration", str(seconds),
             "--report-dir", folder]
        )  # fmt: skip
        if ours.returncode != 0:
            raise RuntimeError(f"load failed:\n{ours.stdout[-2000:]}")
        load = json.loads((Path(folder) / "report.json").read_text())["run"]["load"]
        os.environ["MPSD_BENCH_TARGET"] = str(config)
        plain = run_child(
            ["-m", "locust", "-f", str(PLAIN), "--headless", *profile, "--run-time", f"{seconds:g}s",
             "--host", live.url, "--csv", f"{folder}/plain", "--only-summary", "--loglevel", "WARNING"]
        )  # fmt: skip
        with open(f"{folder}/plain_stats.csv", encoding="utf-8") as handle:
            total = next(row for row in csv.DictReader(handle) if row["Name"] == "Aggregated")
    load_rps = load["operations"]["all"]["requests"] / load["duration_s"]
    plain_rps = int(total["Request Count"]) / seconds
    if plain.returncode not in (0, 1):  # locust exits 1 when some request failed (a 400 on a full session)
        raise RuntimeError(f"the plain Locust script failed:\n{plain.stdout[-2000:]}")
    return {
        "load_rps": round(load_rps, 1),
        "plain_locust_rps": round(plain_rps, 1),
        "load_over_plain_locust": round(load_rps / plain_rps, 3),
    }


if __name__ == "__main__":
    print(json.dumps(measure(), indent=2))
