"""Whole runs against targets that misbehave at the transport level.

For each: the run ends within a bound derived from the configured timeout, the exit code and
the report say what happened in one readable line, nothing prints a traceback, and on the
redirect no request (and no credential) reaches the other host.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from conformance.config import dump_target
from conformance.embedded import embedded_target

from .servers import HostileServer, drip, garbage, hang, html_500, huge_json, json_list, redirect_to, reset

TIMEOUT_S = 2
BOUND_S = 60  # the promise for timeout_s = 2


def _run(tmp_path, url, options=()):
    target = embedded_target(timeout_s=TIMEOUT_S)
    config = tmp_path / "target.toml"
    config.write_text(dump_target(target).replace('url = "http://127.0.0.1"', f'url = "{url}"'))
    started = time.monotonic()
    command = [sys.executable, "-m", "conformance.cli", "run", "--config", str(config)]
    command += ["--report-dir", str(tmp_path / "out"), *options]
    done = subprocess.run(command, capture_output=True, text=True, timeout=BOUND_S + 30, check=False)
    return done, time.monotonic() - started, target


# No usable HTTP answer at all: every check is blocked, nothing is judged, and the run is a
# harness error (exit 3) that says why. In one process (-n 0): the preflight already finds nothing
# to talk to, and xdist workers would only add their start-up to each case (html-500 below runs
# the default, workers included).
SILENT = {
    "never-answers": (hang, "no complete answer within 2 s"),
    "not-http": (garbage, "not HTTP"),
    "resets": (reset, "reset the connection"),
    "drips": (drip, "no complete answer within 2 s"),
    "50-mb-body": (huge_json, "bytes of body"),
}
# HTTP answers that are wrong: failing verdicts (exit 1) that say what came back.
# The fuzz phase's bound is shown once (every fuzz case fails on html-500, the costliest case for
# it); json-list differs only in what the scenarios read.
WRONG = {
    "html-500": (html_500, "got 500", ()),
    "json-list": (json_list, "a JSON object; got list", ("--no-fuzz",)),
}


def _checked(tmp_path, handler, options=()):
    with HostileServer(handler) as server:
        done, elapsed, target = _run(tmp_path, server.url, options)
    assert elapsed < BOUND_S
    assert "Traceback" not in done.stdout + done.stderr
    assert not any(s.split(";", 1)[1] in done.stdout + done.stderr for s in target.secrets)
    return done, json.loads((tmp_path / "out" / "report.json").read_text())


@pytest.mark.parametrize(("handler", "reason"), SILENT.values(), ids=SILENT.keys())
def test_a_silent_target_is_a_harness_error_in_bounded_time(tmp_path, handler, reason) -> None:
    done, report = _checked(tmp_path, handler, ("-n", "0"))
    assert done.returncode == 3, done.stdout[-2000:] + done.stderr[-2000:]
    assert [r["id"] for r in report["requirements"] if r["verdict"] in ("pass", "fail")] == []
    assert any(reason in error for error in report["errors"]), report["errors"]
    assert reason in done.stdout


@pytest.mark.parametrize(("handler", "reason", "options"), WRONG.values(), ids=WRONG.keys())
def test_a_wrong_target_fails_in_bounded_time_with_a_readable_reason(
    tmp_path, handler, reason, options
) -> None:
    done, report = _checked(tmp_path, handler, options)
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    failing = [r for r in report["requirements"] if r["verdict"] == "fail"]
    assert failing
    assert any(reason in r["reason"].splitlines()[0] for r in failing)
    assert reason in done.stdout


def test_a_redirect_elsewhere_is_not_followed_and_leaks_nothing(tmp_path) -> None:
    with HostileServer(html_500) as elsewhere:
        with HostileServer(redirect_to(elsewhere.url + "/collect")) as server:
            done, elapsed, _ = _run(tmp_path, server.url, ("--fuzz-examples", "3"))
        assert elsewhere.requests == []
    assert elapsed < BOUND_S
    assert done.returncode == 1
    assert "got 307" in done.stdout
