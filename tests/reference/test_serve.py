"""The serve command, the server's lifecycle, configuration from a target file, and durability."""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from conformance.config import Target, User
from conformance.reference import FAULTS, ReferenceConfig, ReferenceServer, serve
from conformance.reference.config import DEFAULT_SCID

from .client import Mpsd, fresh

TARGET_TOML = """
[target]
url = "http://127.0.0.1:{port}"
scid = "5f1b0c9e-0000-4000-8000-00000000abcd"
template = "MyTemplate"

[[users]]
xuid = "2533274800000001"
authorization = "XBL3.0 x=1;secret-one"

[[users]]
xuid = "2533274800000002"
authorization = "XBL3.0 x=2;secret-two"

[server]
authorization = "XBL3.0 x=-;secret-server"
"""


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    serve.add_arguments(parser)
    return parser.parse_args(argv)


def test_list_faults_names_every_fault(capsys: pytest.CaptureFixture[str]) -> None:
    assert serve.run(parse("--list-faults")) == 0
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert listed == list(FAULTS)


def test_an_unknown_fault_exits_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert serve.run(parse("--fault", "create-200", "--fault", "no-such-fault")) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert "no-such-fault" in error
    assert "--list-faults" in error


def test_a_bad_config_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert serve.run(parse("--config", str(tmp_path / "missing.toml"))) == 2
    assert "no such file" in capsys.readouterr().err


def test_a_target_file_drives_both_sides(tmp_path: Path) -> None:
    path = tmp_path / "target.toml"
    path.write_text(TARGET_TOML.format(port=8123), encoding="utf-8")
    config, port = serve._configure(parse("--config", str(path), "--fault", "create-200"))
    assert port == 8123
    assert serve._configure(parse("--config", str(path), "--port", "0"))[1] == 0
    assert config.serves("5F1B0C9E-0000-4000-8000-00000000ABCD")
    assert not config.serves(DEFAULT_SCID)
    assert config.template("mytemplate") is not None
    assert config.template("quick") is not None
    assert config.faults_for("5f1b0c9e-0000-4000-8000-00000000abcd").on("create-200")
    assert config.identities["XBL3.0 x=1;secret-one"].xuid == "2533274800000001"
    assert config.identities["XBL3.0 x=-;secret-server"].is_server


def test_from_target_keeps_the_builtin_templates() -> None:
    users = (User("1", "a"), User("2", "b"))
    config = ReferenceConfig.from_target(Target("http://h", "S", "quick", users))
    assert config.template("quick").constants["system"]["maxMembersCount"] == 8  # type: ignore[union-attr]
    assert config.server_authorization is None
    assert len(config.identities) == 2


def test_the_config_refuses_unknown_faults_and_bad_title_ids() -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        ReferenceConfig(scid_faults={"s": frozenset({"nope"})})
    with pytest.raises(ValueError, match="title_id"):
        ReferenceConfig(title_id="abc")


def test_the_server_starts_and_stops_quickly_and_leaves_no_thread() -> None:
    before = set(threading.enumerate())
    started = time.monotonic()
    with requests.Session() as idle, ReferenceServer() as server:
        assert idle.get(server.url + "/", timeout=5).status_code == 404  # kept alive across the stop
        stopping = time.monotonic()
        server.stop()
        stopped = time.monotonic()
    assert stopped - started < 1.0
    assert stopped - stopping < 1.0
    # No thread of its own is left; one an earlier test left running may have ended meanwhile
    # (test_mirror's mirror closed before it had compared everything).
    assert set(threading.enumerate()) <= before
    with pytest.raises(RuntimeError):
        _ = server.url


@contextmanager
def serving(*argv: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``python -m conformance.reference`` in a subprocess; yields it and the URL it announced."""
    command = [sys.executable, "-m", "conformance.reference", "--port", "0", *argv]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert "listening on http://" in first, process.stderr.read() if process.stderr else first
        yield process, first.split("listening on ", 1)[1].strip()
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


def test_serve_throttles_each_caller_when_asked() -> None:
    with serving("--rate-limit", "2/30") as (_, url):
        client = Mpsd(url, DEFAULT_SCID, ReferenceConfig())
        name = fresh()
        statuses = [client.get(name).status_code for _ in range(3)]
    assert statuses == [204, 204, 429]


def test_a_bad_rate_limit_exits_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert serve.run(parse("--rate-limit", "lots")) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert "--rate-limit" in error


def test_an_acknowledged_write_survives_kill_9_and_sigterm_exits_cleanly(tmp_path: Path) -> None:
    db, name = tmp_path / "sessions.db", fresh()
    with serving("--db", str(db)) as (process, url):
        client = Mpsd(url, DEFAULT_SCID, ReferenceConfig())
        assert client.join(name).status_code == 201
        written = client.put(name, {"properties": {"custom": {"acknowledged": True}}})
        assert written.status_code == 200
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    with serving("--db", str(db)) as (process, url):
        client = Mpsd(url, DEFAULT_SCID, ReferenceConfig())
        read = client.get(name)
        assert read.status_code == 200
        assert read.json() == written.json()
        assert read.headers["ETag"] == written.headers["ETag"]
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=10)
        assert process.returncode == 0, err
        assert "stopped" in out
        assert "Traceback" not in err
