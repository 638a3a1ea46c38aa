"""``mpsd-conformance load`` against targets that misbehave at the transport level.

Each ends in bounded time with exit 3 (nothing could be judged), says so in a line, writes its
report and prints no traceback. requests' own timeout bounds each read of the socket, so before
every exchange had a deadline of its own a target dripping a byte a second held the players and
the final reads for ever.
"""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from conformance.config import dump_target
from conformance.embedded import embedded_target

from .servers import HostileServer, drip, garbage, hang

TIMEOUT_S = 1
DURATION_S = 2
BOUND_S = 30  # the players' duration, one timeout per player and per final read, and start-up


@pytest.mark.parametrize("handler", [hang, drip, garbage], ids=["never-answers", "drips", "not-http"])
def test_load_against_a_target_with_no_usable_answer_ends_in_bounded_time(tmp_path, handler) -> None:
    target = embedded_target(timeout_s=TIMEOUT_S)
    config = tmp_path / "target.toml"
    out = tmp_path / "out"
    with HostileServer(handler) as server:
        config.write_text(dump_target(target).replace('url = "http://127.0.0.1"', f'url = "{server.url}"'))
        started = time.monotonic()
        command = [sys.executable, "-m", "conformance.cli", "load", "--config", str(config)]
        command += ["--duration", str(DURATION_S), "--users", "2", "--report-dir", str(out)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=BOUND_S + 60, check=False)
        elapsed = time.monotonic() - started
    output = done.stdout + done.stderr
    assert elapsed < BOUND_S, output
    assert done.returncode == 3, output
    assert "nothing could be judged" in output
    assert "Traceback" not in output
    assert (out / "report.json").is_file()
    assert not any(secret.split(";", 1)[1] in output for secret in target.secrets)
