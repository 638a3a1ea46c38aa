"""Targets that implement MPSD correctly but are hard to test: throttled, flaky, half-hung.

Each wraps the reference service, so whatever the suite can judge through the trouble is judged
against a correct implementation: a failing verdict from any of them is a false one.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import socket
import socketserver
import struct
import threading
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class AlwaysThrottled:
    """Answers every request 429 with MPSD's throttle body and a Retry-After (G5). The body names
    a roomy window, so the suite's pacing (which learns it) does not slow the test down."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = json.dumps(
            {
                "version": 1,
                "currentRequests": 1001,
                "maxRequests": 1000,
                "periodInSeconds": 1,
                "limitType": "Rate",
            }
        ).encode()
        headers = [(b"content-type", b"application/json"), (b"retry-after", b"1")]
        await send({"type": "http.response.start", "status": 429, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class HangOnCreate:
    """Serves the reference, but answers no write that joins a session into being within
    ``seconds`` (longer than the suite waits; short enough for the server to stop soon after)."""

    def __init__(self, app: ASGIApp, seconds: float = 3.0) -> None:
        self._app, self._seconds = app, seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "PUT" or scope["path"].endswith("/properties"):
            await self._app(scope, receive, send)
            return
        messages: list[Message] = []
        body = b""
        while True:
            message = await receive()
            messages.append(message)
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if b'"me": {' in body:
            await asyncio.sleep(self._seconds)  # the suite's own timeout ends the request first
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else {"type": "http.disconnect"}

        await self._app(scope, replay, send)


class ResettingProxy:
    """Forwards the first ``allowed`` requests to ``upstream``, then resets every connection."""

    def __init__(self, upstream: str, allowed: int) -> None:
        self.seen = 0
        parts = urlsplit(upstream)
        outer, lock = self, threading.Lock()

        class _Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                upstream_connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
                try:
                    while True:
                        request = _read_request(self.rfile)
                        if request is None:
                            return
                        with lock:
                            outer.seen += 1
                            over = outer.seen > allowed
                        if over:
                            _reset(self.connection)
                            return
                        method, path, headers, body = request
                        upstream_connection.request(method, path, body=body, headers=headers)
                        answer = upstream_connection.getresponse()
                        payload = answer.read()
                        head = [f"HTTP/1.1 {answer.status} {answer.reason}"]
                        head += [
                            f"{k}: {v}" for k, v in answer.getheaders() if k.lower() != "transfer-encoding"
                        ]
                        if not any(k.lower() == "content-length" for k, _ in answer.getheaders()):
                            head.append(f"Content-Length: {len(payload)}")
                        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + payload)
                except OSError:
                    return
                finally:
                    upstream_connection.close()

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> ResettingProxy:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def _read_request(stream) -> tuple[str, str, dict[str, str], bytes] | None:  # type: ignore[no-untyped-def]
    line = stream.readline()
    if not line.strip():
        return None
    method, path, _ = line.decode("latin-1").split(" ", 2)
    headers = {}
    while (header := stream.readline().decode("latin-1").rstrip("\r\n")) != "":
        name, _, value = header.partition(":")
        headers[name.strip()] = value.strip()
    length = int(next((v for k, v in headers.items() if k.lower() == "content-length"), "0"))
    return method, path, headers, stream.read(length) if length else b""


def _reset(connection: socket.socket) -> None:
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    connection.close()
