"""The scenario phase against its floor: the same HTTP requests, sent by a plain requests loop,
plus the longest single wait a check must make.

Both talk to the same reference in this process, so the ratio is what the suite adds on top of
the requests themselves: pytest, fixtures, evidence, checks, cleanup. A timer check must wait for
the target's timer; those waits overlap (conformance.headstart), so the floor adds the longest one
(the report's ``waited_s`` observations), not their sum.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import requests

from bench.harness import recording_reference
from conformance.runner import RunOptions, run


def measure() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder, recording_reference(Path(folder)) as live:
        outcome = run(RunOptions(config=live.config_file, fuzz=False, report_dir=Path(folder) / "out"))
        if outcome.result is None:
            raise RuntimeError(f"the scenario run ended without a result: {outcome.message}")
        phase = outcome.result.run.phases["scenarios"]
        waits = [
            float(check.observations["waited_s"])
            for verdict in outcome.result.verdicts
            for check in verdict.checks
            if "waited_s" in check.observations
        ]
        sent = list(live.recorder.requests)
        with requests.Session() as http:
            started = time.perf_counter()
            for request in sent:
                headers = {
                    k.decode(): v.decode()
                    for k, v in request.headers
                    if k not in (b"host", b"content-length")
                }
                url = live.target.url + request.path + (f"?{request.query.decode()}" if request.query else "")
                http.request(request.method, url, headers=headers, data=request.body or None)
            floor = time.perf_counter() - started
    longest = max(waits, default=0.0)
    return {
        "scenario_requests": len(sent),
        "scenario_phase_s": round(phase, 3),
        "scenario_floor_s": round(floor, 3),
        "longest_wait_s": round(longest, 3),
        "scenario_over_floor": round(phase / (floor + longest), 3),
    }


if __name__ == "__main__":
    print(json.dumps(measure(), indent=2))
