"""proxy: forwards unchanged, within bounds, only to its target, and judges as check-traffic does."""

from __future__ import annotations

import argparse
import contextlib
import gzip
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
import requests

from conformance.embedded import embedded_target
from conformance.http.transport import Limits
from conformance.http.wire import decoded
from conformance.reference import ReferenceConfig, ReferenceServer
from conformance.traffic import command
from conformance.traffic.proxy import Proxy

from .hars import check, failing, verdicts

PATH = "/serviceconfigs/00000000-0000-0000-0000-0000000000ab/sessiontemplates/conformance/sessions"


@pytest.fixture
def reference() -> Iterator[tuple[ReferenceServer, Any]]:
    target = embedded_target()
    with ReferenceServer(ReferenceConfig.from_target(target)) as server:
        yield server, target


def _args(tmp_path: Path, target: str, **more: Any) -> argparse.Namespace:
    defaults = {"gate": "both", "strict": False, "report_dir": tmp_path / "proxy", "timeout": 10.0}
    return argparse.Namespace(target=target, **{**defaults, **more})


def _play(url: str, target: Any) -> None:
    """A short game: create, join, read, a synchronized write, a stale one, conditional reads,
    a leave; and one request without its contract version (the client's mistake)."""
    one, two = target.users[0], target.users[1]
    session = f"{url}{PATH}/game-1"

    def call(method: str, user: Any, body: Any = None, **headers: str) -> requests.Response:
        sent = {"Authorization": user.authorization, "X-Xbl-Contract-Version": "107", **headers}
        return requests.request(method, session, json=body, headers={k: v for k, v in sent.items() if v})

    me = lambda user: {"members": {"me": {"constants": {"system": {"xuid": user.xuid}}}}}  # noqa: E731
    assert call("PUT", one, me(one)).status_code == 201
    assert call("PUT", two, me(two)).status_code == 200
    read = call("GET", one)
    etag = read.headers["ETag"]
    written = call("PUT", one, {"properties": {"custom": {"map": "harbor"}}}, **{"If-Match": etag})
    assert written.status_code == 200
    assert (
        call("PUT", one, {"properties": {"custom": {"map": "dock"}}}, **{"If-Match": etag}).status_code == 412
    )
    assert call("GET", one, **{"If-None-Match": written.headers["ETag"]}).status_code == 304
    assert call("GET", one, **{"If-None-Match": etag}).status_code == 200
    assert call("GET", two, **{"X-Xbl-Contract-Version": ""}).status_code == 400
    assert call("PUT", two, {"members": {"me": None}}).status_code == 200


def test_the_proxy_reports_what_check_traffic_finds_in_its_har(
    tmp_path: Path, reference: tuple[ReferenceServer, Any]
) -> None:
    server, target = reference
    said: list[str] = []
    proxy = Proxy(server.url, ("127.0.0.1", 0), Limits(10.0), say=said.append).start()
    started = time.time()
    try:
        _play(proxy.url, target)
    finally:
        proxy.stop()
    assert command.finish(proxy, _args(tmp_path, server.url), started) == 1
    out = tmp_path / "proxy"
    assert {p.name for p in out.iterdir()} >= {
        "report.json",
        "junit.xml",
        "summary.md",
        "report.html",
        "traffic.har",
    }
    proxied = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert len(said) == 1
    assert said[0].startswith("FAIL client  CLIENT-CONTRACT-VERSION: no X-Xbl-Contract-Version header")
    assert failing(proxied) == set()
    assert failing(proxied, "client") == {"CLIENT-CONTRACT-VERSION"}
    for requirement in ("COND-IF-MATCH-200", "COND-IF-MATCH-STALE-412", "GET-304", "SESSION-CHANGE-NUMBER"):
        assert verdicts(proxied)[requirement] == "pass", requirement
    assert proxied["options"]["command"] == "proxy"
    assert proxied["target"]["url"] == server.url
    assert proxied["target"]["users"] == 2

    code, checked = check(tmp_path, out / "traffic.har")
    assert code == 1
    for side in ("requirements", "client"):
        judged = {v["id"]: (v["verdict"], v["judged"], v["reason"]) for v in proxied[side]}
        assert {v["id"]: (v["verdict"], v["judged"], v["reason"]) for v in checked[side]} == judged


class _Echo(BaseHTTPRequestHandler):
    """A target that answers with what it received, gzip-encoded when asked, slowly on /slow."""

    protocol_version = "HTTP/1.1"
    seen: ClassVar[list[dict[str, Any]]] = []

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _any(self) -> None:
        if self.path.endswith("/slow"):
            time.sleep(1.5)
        length = int(self.headers.get("Content-Length") or 0)
        received = {
            "method": self.command,
            "path": self.path,
            "headers": list(self.headers.items()),
            "body": self.rfile.read(length).decode(),
        }
        self.seen.append(received)
        body = gzip.compress(json.dumps(received).encode(), mtime=0)
        # On /slow the proxy may have given up and closed the connection by now: that is the test,
        # not an error to print on the test run's terminal.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.send_response_only(200, "Fine")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("x-dup", "1")
            self.send_header("x-dup", "2")
            self.send_header("Set-Cookie", "sid=echo-cookie-value; Path=/")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    do_GET = do_PUT = do_POST = _any


@pytest.fixture
def echo() -> Iterator[str]:
    _Echo.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _raw(proxy: Proxy, method: str, target: str, headers: list[tuple[str, str]], body: bytes = b"") -> Any:
    """A request exactly as given: http.client adds only Host (and Content-Length for a body)."""
    host, port = proxy.server.server_address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=10)
    connection.putrequest(method, target, skip_accept_encoding=True)
    for name, value in headers:
        connection.putheader(name, value)
    if body:
        connection.putheader("Content-Length", str(len(body)))
    connection.endheaders(body or None)
    response = connection.getresponse()
    answer = (response.status, response.reason, response.getheaders(), response.read())
    connection.close()
    return answer


def test_what_passes_through_is_not_changed(tmp_path: Path, echo: str) -> None:
    proxy = Proxy(echo, ("127.0.0.1", 0), Limits(5.0)).start()
    try:
        sent = [
            ("x-xbl-contract-version", "107"),
            ("Authorization", "XBL3.0 x=1;forwarded-token"),
            ("Accept-Encoding", "gzip"),
            ("X-Custom", "a"),
            ("X-Custom", "b"),
            ("Connection", "keep-alive"),
        ]
        status, reason, headers, body = _raw(proxy, "PUT", f"{PATH}/s?nocommit=true", sent, b'{"a": 1}')
    finally:
        proxy.stop()
    (received,) = _Echo.seen
    names = [name for name, _ in received["headers"]]
    # Every end-to-end header as sent, nothing added but the target's Host and the body's length.
    assert [h for h in received["headers"] if h[0] not in ("Host", "Content-Length")] == [
        ("x-xbl-contract-version", "107"),
        ("Authorization", "XBL3.0 x=1;forwarded-token"),
        ("Accept-Encoding", "gzip"),
        ("X-Custom", "a, b"),
    ]
    assert "User-Agent" not in names
    assert "Connection" not in names
    assert dict(received["headers"])["Host"] == echo.removeprefix("http://")
    assert (received["method"], received["path"], received["body"]) == (
        "PUT",
        f"{PATH}/s?nocommit=true",
        '{"a": 1}',
    )
    # The answer as the target sent it: its status line, its headers, its gzip bytes.
    assert (status, reason) == (200, "Fine")
    assert gzip.decompress(body) == json.dumps(received).encode()
    assert [v for k, v in headers if k == "x-dup"] == ["1", "2"]
    assert ("Content-Encoding", "gzip") in headers
    assert not any(k.lower() in ("server", "date") for k, _ in headers)
    # Judged on the body its coding says to read.
    assert decoded(body, "gzip", 10_000) == json.dumps(received).encode()


def test_bodies_and_time_are_bounded_and_only_the_target_is_asked(tmp_path: Path, echo: str) -> None:
    proxy = Proxy(echo, ("127.0.0.1", 0), Limits(0.5, max_body_bytes=1000)).start()
    try:
        refused = _raw(proxy, "PUT", f"{PATH}/big", [], b"x" * 1001)
        began = time.monotonic()
        slow = _raw(proxy, "GET", f"{PATH}/slow", [])
        took = time.monotonic() - began
        elsewhere = _raw(proxy, "GET", f"http://elsewhere.invalid{PATH}/away", [])
    finally:
        proxy.stop()
    assert refused[0] == 413
    assert slow[0] == 502
    assert b"no complete answer within 0.5 s" in slow[3] or b"no answer within 0.5 s" in slow[3]
    assert took < 1.4
    assert elsewhere[0] == 200  # an absolute-form request line still goes to the target only
    assert [s["path"] for s in _Echo.seen if not s["path"].endswith("/slow")] == [f"{PATH}/away"]
    errors = [e.get("_error") for e in proxy.entries]
    assert errors[0] == "a request body over 1,000 bytes: not forwarded"
    assert "postData" not in proxy.entries[0]["request"]
    assert "the target gave no usable answer" in errors[1]


@pytest.mark.parametrize(
    ("coding", "body", "read"),
    [
        ("gzip", gzip.compress(b"text", mtime=0), b"text"),
        ("deflate", zlib.compress(b"text"), b"text"),
        ("br", b"\x0b\x01\x80text\x03", None),
        ("gzip", gzip.compress(b"0" * 5000, mtime=0), None),  # inflates past the limit
        ("gzip", b"not gzip", None),
        (None, b"plain", b"plain"),
    ],
    ids=["gzip", "deflate", "br-unread", "gzip-bomb", "gzip-garbage", "identity"],
)
def test_a_body_is_read_as_its_coding_says_within_the_limit(
    coding: str | None, body: bytes, read: bytes | None
) -> None:
    assert decoded(body, coding, 1000) == read


def test_proxy_stops_after_its_duration_with_nothing_judged(tmp_path: Path, echo: str) -> None:
    args = argparse.Namespace(
        target=echo, listen="127.0.0.1:0", duration=0.2, timeout=1.0, max_body=1000,
        gate="both", strict=False, report_dir=tmp_path / "idle",
    )  # fmt: skip
    assert command.proxy(args) == 3
    report = json.loads((tmp_path / "idle" / "report.json").read_text(encoding="utf-8"))
    assert report["errors"] == ["nothing could be judged: no MPSD session exchange passed"]
    assert json.loads((tmp_path / "idle" / "traffic.har").read_text(encoding="utf-8"))["log"]["entries"] == []


def test_the_command_stops_at_sigterm_and_writes_its_reports(
    tmp_path: Path, reference: tuple[ReferenceServer, Any]
) -> None:
    server, target = reference
    out = tmp_path / "reports"
    process = subprocess.Popen(
        [sys.executable, "-m", "conformance.cli", "proxy", "--target", server.url, "--listen", "127.0.0.1:0",
         "--report-dir", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("proxy listening on http://127.0.0.1:"), first
        url = first.split()[3].rstrip(",")
        headers = {"Authorization": target.users[0].authorization, "X-Xbl-Contract-Version": "107"}
        assert requests.get(f"{url}{PATH}/nobody-here", headers=headers, timeout=10).status_code == 204
        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0, rest
    assert f"har: {out / 'traffic.har'}" in rest
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert verdicts(report)["GET-ABSENT-204"] == "pass"
    assert target.users[0].authorization.split(";")[1] not in (out / "traffic.har").read_text(
        encoding="utf-8"
    )
