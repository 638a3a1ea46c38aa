"""A run against the reference throttling every caller: its wall time over the least its limits allow.

The limits are MPSD's windows ten times shorter (30 per 1.5 s, 300 per 30 s), so the run stays
short. The baseline is the minimum the limits allow for the requests the run sent, per identity
(the report counts them); the ratio says what pacing, 429s and our own work add to it.

``undeclared`` measures the other case: the same throttling reference, but the run is not told its
limits (a loopback target gets none by default), so it can only learn them from the 429s it gets.
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
from pathlib import Path

from bench.harness import run_child
from conformance.config import dump_target
from conformance.embedded import embedded_target
from conformance.ratelimit import minimum_seconds, parse_limits
from conformance.reference import ReferenceConfig, ReferenceServer

LIMITS = "30/1.5,300/30"


def measure(
    examples: int | None = None, no_fuzz: bool = False, limits: str = LIMITS, select: tuple[str, ...] = ()
) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "out"
        command = ["-m", "conformance.cli", "run", "--rate-limit", limits, "--report-dir", str(out)]
        command += ["--no-fuzz"] if no_fuzz else []
        command += [arg for pattern in select for arg in ("--select", pattern)]
        command += ["--fuzz-examples", str(examples)] if examples else []
        done = run_child(command)
        if done.returncode != 0:
            raise RuntimeError(f"the throttled run failed (exit {done.returncode}):\n{done.stdout[-2000:]}")
        report = json.loads((out / "report.json").read_text())
    seconds = report["run"]["duration_s"]  # the run itself, not starting Python and the reference
    identities = report["run"]["throttling"]["identities"]
    windows = parse_limits(limits)
    floor = max(minimum_seconds(counts["requests"], windows) for counts in identities.values())
    sent = sum(counts["requests"] for counts in identities.values())
    refused = sum(counts["throttled"] for counts in identities.values())
    return {
        "throttled_run_s": round(seconds, 2),
        "throttled_floor_s": round(floor, 2),
        "throttled_over_floor": round(seconds / floor, 3) if floor else 0.0,
        "throttled_429_share": round(refused / sent, 4) if sent else 0.0,
    }


def undeclared(limits: str = LIMITS, no_fuzz: bool = False, select: tuple[str, ...] = ()) -> dict[str, float]:
    """The share of a run's requests answered 429 by a target that throttles at ``limits`` but
    declared none."""
    target = embedded_target()
    config = ReferenceConfig.from_target(target, rate_limits=parse_limits(limits))
    with tempfile.TemporaryDirectory() as folder, ReferenceServer(config) as server:
        out, config_file = Path(folder) / "out", Path(folder) / "target.toml"
        config_file.write_text(dump_target(dataclasses.replace(target, url=server.url)))
        config_file.chmod(0o600)
        command = ["-m", "conformance.cli", "run", "--config", str(config_file), "--report-dir", str(out)]
        command += ["--no-fuzz"] if no_fuzz else []
        command += [arg for pattern in select for arg in ("--select", pattern)]
        done = run_child(command)
        if done.returncode != 0:
            raise RuntimeError(f"the undeclared run failed (exit {done.returncode}):\n{done.stdout[-2000:]}")
        identities = json.loads((out / "report.json").read_text())["run"]["throttling"]["identities"]
    sent = sum(counts["requests"] for counts in identities.values())
    refused = sum(counts["throttled"] for counts in identities.values())
    return {"undeclared_429_share": round(refused / sent, 4) if sent else 0.0}


if __name__ == "__main__":
    print(json.dumps({**measure(), **undeclared()}, indent=2))
