"""What the transport's own connections (``conformance.http.wire``) must do as urllib3 did for it:
keep connections alive and drop those the target closed, read a coded body decoded and within the
size cap, verify TLS against certifi's bundle, and keep the cookies a target sets."""

from __future__ import annotations

import gzip
import socket
import ssl
import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from conformance.http.transport import (
    Limits,
    ProtocolViolation,
    ResponseTooLarge,
    TargetUnreachable,
    Transport,
)

from .servers import HostileServer

TLS = Path(__file__).parent.parent / "data" / "tls"
LIMITS = Limits(timeout_s=2.0, max_body_bytes=100_000)


class _Counting(ThreadingHTTPServer):
    daemon_threads = True
    connections = 0

    def get_request(self) -> tuple[socket.socket, object]:
        self.connections += 1
        return super().get_request()


class _Handler(BaseHTTPRequestHandler):
    """Answers 200 with a body given by the path, on kept-alive HTTP/1.1 connections."""

    protocol_version = "HTTP/1.1"
    BODIES: ClassVar[dict[str, tuple[dict[str, str], bytes]]] = {
        "/plain": ({}, b"plain"),
        "/gzip": ({"Content-Encoding": "gzip"}, gzip.compress(b"inflated", mtime=0)),
        "/deflate": ({"Content-Encoding": "deflate"}, zlib.compress(b"inflated")),
        "/br": ({"Content-Encoding": "br"}, b"\x0b\x01\x80text\x03"),
        "/bomb": ({"Content-Encoding": "gzip"}, gzip.compress(b"0" * 10_000_000, mtime=0)),
        "/broken": ({"Content-Encoding": "gzip"}, b"not gzip at all"),
        "/cookie": ({"Set-Cookie": "affinity=backend-2; Path=/"}, b"set"),
    }

    def do_GET(self) -> None:
        if self.path == "/echo-cookie":
            headers, body = {}, (self.headers.get("Cookie") or "").encode()
        else:
            headers, body = self.BODIES[self.path]
        self.send_response(200)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[_Counting]:
    httpd = _Counting(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _url(httpd: ThreadingHTTPServer, scheme: str = "http") -> str:
    return f"{scheme}://127.0.0.1:{httpd.server_address[1]}"


def test_one_kept_alive_connection_carries_request_after_request(server) -> None:
    transport = Transport(_url(server), LIMITS)
    try:
        answers = [transport.request("GET", _url(server) + "/plain", {}, None).content for _ in range(5)]
    finally:
        transport.close()
    assert answers == [b"plain"] * 5
    assert server.connections == 1


def _answer_then_hang_up(conn: socket.socket, _: bytes) -> None:
    """An answer that says nothing of closing, then the connection closed (an idle timeout)."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")


def test_a_connection_the_target_closed_is_not_reused() -> None:
    with HostileServer(_answer_then_hang_up) as target:
        transport = Transport(target.url, LIMITS)
        try:
            answers = []
            for _ in range(3):
                answers.append(transport.request("GET", target.url + "/x", {}, None).content)
                threading.Event().wait(0.05)  # the close reaches this side
        finally:
            transport.close()
    assert answers == [b"ok"] * 3
    assert len(target.requests) == 3


@pytest.mark.parametrize("path", ["/gzip", "/deflate"])
def test_a_coded_body_is_read_decoded_and_as_sent_when_verbatim(server, path) -> None:
    transport = Transport(_url(server), LIMITS)
    try:
        decoded = transport.request("GET", _url(server) + path, {}, None)
        with transport.verbatim():
            verbatim = transport.request("GET", _url(server) + path, {}, None)
    finally:
        transport.close()
    assert decoded.content == b"inflated"
    assert verbatim.content == _Handler.BODIES[path][1]
    assert decoded.headers["Content-Encoding"] == verbatim.headers["Content-Encoding"]


def test_a_coding_requests_does_not_ask_for_is_left_as_sent(server) -> None:
    transport = Transport(_url(server), LIMITS)
    try:
        assert transport.request("GET", _url(server) + "/br", {}, None).content == _Handler.BODIES["/br"][1]
    finally:
        transport.close()


def test_a_body_that_inflates_past_the_cap_is_refused_at_the_cap(server) -> None:
    transport = Transport(_url(server), LIMITS)
    try:
        with pytest.raises(ResponseTooLarge, match="more than 100,000 bytes"):
            transport.request("GET", _url(server) + "/bomb", {}, None)
        with pytest.raises(ProtocolViolation, match=r"Content-Encoding \(gzip\) does not decode"):
            transport.request("GET", _url(server) + "/broken", {}, None)
    finally:
        transport.close()


def test_the_cookies_a_target_sets_are_sent_back_as_requests_did(server) -> None:
    """A load balancer's affinity cookie keeps a run on one backend."""
    transport = Transport(_url(server), LIMITS)
    try:
        transport.request("GET", _url(server) + "/cookie", {}, None)
        echoed = transport.request("GET", _url(server) + "/echo-cookie", {}, None)
        assert echoed.content == b"affinity=backend-2"
    finally:
        transport.close()


@pytest.fixture
def tls_server() -> Iterator[ThreadingHTTPServer]:
    """The handler behind a self-signed certificate for 127.0.0.1 (tests/data/tls)."""
    httpd = _Counting(("127.0.0.1", 0), _Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(TLS / "cert.pem", TLS / "key.pem")
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def test_tls_is_verified_against_certifi_and_a_bundle_given_instead(tls_server) -> None:
    url = _url(tls_server, "https")
    transport = Transport(url, LIMITS)
    try:
        with pytest.raises(TargetUnreachable, match=r"cannot connect.*CERTIFICATE_VERIFY_FAILED"):
            transport.request("GET", url + "/plain", {}, None)
        trusted = transport.session.request("GET", url + "/plain", verify=str(TLS / "cert.pem"))
        unverified = transport.session.request("GET", url + "/plain", verify=False)
    finally:
        transport.close()
    assert (trusted.status_code, trusted.content) == (200, b"plain")
    assert (unverified.status_code, unverified.content) == (200, b"plain")
