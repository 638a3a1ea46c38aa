"""A reference answered in process: one request handed to an ASGI application, as a server would.

The oracle's references run inside each process that sends requests, on the mirror's thread, with
no socket, no HTTP server and no HTTP client between them: on loopback those cost more than the
reference's own work (about three quarters of a request's time, bench/results.md's
reference_over_bare), and the oracle sends every request twice. The application sees what
uvicorn would hand it: the method, the percent-decoded path and the raw one, the query string and
the headers as sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import unquote, urlsplit

from conformance.oracle.wire import Answer, Request

Message = MutableMapping[str, Any]
App = Callable[
    [MutableMapping[str, Any], Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
    Awaitable[None],
]
# Where the application is told it listens and who calls it.
_SERVER = ("127.0.0.1", 8080)
_CLIENT = ("127.0.0.1", 50000)


class InProcess:
    """Sends requests to one ASGI application; its event loop belongs to the thread that calls."""

    def __init__(self, app: App) -> None:
        self._app = app
        self._loop: asyncio.AbstractEventLoop | None = None

    def send(self, request: Request) -> Answer:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        return self._loop.run_until_complete(self._call(request))

    def close(self) -> None:
        if self._loop is not None:
            self._loop.close()
            self._loop = None

    async def _call(self, request: Request) -> Answer:
        url = urlsplit(request.url)
        raw_path = url.path or "/"
        scope: dict[str, Any] = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": request.method.upper(),
            "scheme": "http",
            "path": unquote(raw_path),
            "raw_path": raw_path.encode("latin-1", "replace"),
            "query_string": url.query.encode("latin-1", "replace"),
            "root_path": "",
            "headers": [
                (name.lower().encode("latin-1", "replace"), value.encode("latin-1", "replace"))
                for name, value in (("host", f"{_SERVER[0]}:{_SERVER[1]}"), *_forwarded(request))
            ],
            "server": _SERVER,
            "client": _CLIENT,
        }
        answered = asyncio.Event()
        body = [request.body or b""]
        status = 500
        headers: list[tuple[str, str]] = []
        chunks: list[bytes] = []

        async def receive() -> Message:
            if body:
                return {"type": "http.request", "body": body.pop(), "more_body": False}
            await answered.wait()  # as a client that stays connected until the answer is complete
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers.extend(
                    (k.decode("latin-1"), v.decode("latin-1")) for k, v in message.get("headers", ())
                )
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    answered.set()

        await self._app(scope, receive, send)
        answered.set()
        return Answer(status, tuple(headers), b"".join(chunks))


def _forwarded(request: Request) -> list[tuple[str, str]]:
    """The request's headers but Host, which names where the application listens."""
    return [(name, value) for name, value in request.headers if name.lower() != "host"]
