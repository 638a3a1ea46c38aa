"""Small loopback servers that misbehave at the transport level, for testing the suite's defences."""

from __future__ import annotations

import json
import socket
import socketserver
import threading
import time
from collections.abc import Callable

Handler = Callable[[socket.socket, bytes], None]


def _http(status: str, body: bytes, content_type: str, extra: str = "") -> bytes:
    head = f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n{extra}"
    return head.encode() + b"Connection: close\r\n\r\n" + body


def hang(conn: socket.socket, _: bytes) -> None:
    time.sleep(60)


def garbage(conn: socket.socket, _: bytes) -> None:
    conn.sendall(b"\x00\x17\x03garbage that is not HTTP\r\n\r\n")


def reset(conn: socket.socket, _: bytes) -> None:
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")


def drip(conn: socket.socket, _: bytes) -> None:
    for byte in _http("200 OK", b"{}", "application/json"):
        conn.sendall(bytes([byte]))
        time.sleep(1.0)


def html_500(conn: socket.socket, _: bytes) -> None:
    conn.sendall(_http("500 Internal Server Error", b"<html><body>oops</body></html>", "text/html"))


def huge_json(conn: socket.socket, _: bytes) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n[")
    chunk = b'"x",' * 16384
    for _ in range(50 * 1024 * 1024 // len(chunk)):
        conn.sendall(chunk)


def json_list(conn: socket.socket, _: bytes) -> None:
    conn.sendall(_http("200 OK", json.dumps([1, 2, 3]).encode(), "application/json", "ETag: abc\r\n"))


def redirect_to(location: str) -> Handler:
    def handler(conn: socket.socket, _: bytes) -> None:
        conn.sendall(_http("307 Temporary Redirect", b"", "text/plain", f"Location: {location}\r\n"))

    return handler


class HostileServer:
    """Serves ``handler`` on 127.0.0.1 until closed; counts the requests it saw and keeps them."""

    def __init__(self, handler: Handler) -> None:
        self.requests: list[bytes] = []
        outer = self

        class _Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                data = b""
                self.request.settimeout(5)
                try:
                    while b"\r\n\r\n" not in data:
                        chunk = self.request.recv(65536)
                        if not chunk:
                            return
                        data += chunk
                    outer.requests.append(data)
                    handler(self.request, data)
                except OSError:
                    return

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
