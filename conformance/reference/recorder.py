"""An ASGI middleware that keeps every request a client sent: what did the suite (or a game) send?

Benchmarks replay the recording with a plain HTTP loop (the floor the suite is measured against),
and tests compare two recordings to show a seed replays the same cases.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: bytes
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes


class Recorder:
    def __init__(self, app: ASGIApp, keep: Callable[[Scope], bool] = lambda scope: True) -> None:
        self.app = app
        self.keep = keep
        self.requests: list[Recorded] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.keep(scope):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []

        async def remembering() -> Any:
            message = await receive()
            chunks.append(message.get("body", b""))
            return message

        await self.app(scope, remembering, send)
        headers = tuple((bytes(k), bytes(v)) for k, v in scope["headers"])
        self.requests.append(
            Recorded(scope["method"], scope["path"], scope["query_string"], headers, b"".join(chunks))
        )
