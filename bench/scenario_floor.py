"""The scenario phase against its floor: the same HTTP requests, sent by a plain requests loop.

Both talk to the same reference in this process, so the ratio is what the suite adds on top of
the requests themselves: pytest, fixtures, evidence, checks, cleanup.
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
    return {
        "scenario_requests": len(sent),
        "scenario_phase_s": round(phase, 3),
        "floor_s": round(floor, 3),
        "scenario_over_floor": round(phase / floor, 3),
    }


if __name__ == "__main__":
    print(json.dumps(measure(), indent=2))
