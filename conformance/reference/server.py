"""The reference service on a real socket, in a background thread: for tests, the suite and ``serve``."""

from __future__ import annotations

import socket
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import replace
from types import TracebackType
from typing import Self

import uvicorn
from starlette.types import ASGIApp

from conformance.reference.app import create_app
from conformance.reference.config import ReferenceConfig, Variant, noting_reads
from conformance.reference.faults import FaultLog
from conformance.reference.store import Store

_START_TIMEOUT_S = 5.0


class _Running(ABC):
    """``with server:`` starts it and stops it, whatever happens in between."""

    @abstractmethod
    def start(self) -> Self: ...

    @abstractmethod
    def stop(self) -> None: ...

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def http_protocol(variant: Variant) -> str:
    """uvicorn's protocol for a variant. httptools (C parsing: a third less of the reference's CPU
    than h11) writes header names in lower case; only h11 sends them as the app gave them, which
    is what the header-name-case latitude puts on the wire."""
    return "h11" if variant.title_case_headers else "httptools"


class BackgroundServer(_Running):
    """Any ASGI app under uvicorn in a daemon thread, on a socket bound before uvicorn starts.

    Binding first means port 0 gives a free port with no race, and ``url`` is known as soon as
    ``start`` returns. ``stop`` returns once uvicorn has closed every connection.
    """

    def __init__(
        self, app: ASGIApp, *, host: str = "127.0.0.1", port: int = 0, http: str = "httptools"
    ) -> None:
        self._app, self._host, self._port, self._http = app, host, port, http
        self._socket: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._socket is None:
            raise RuntimeError("the server is not running")
        host, port = self._socket.getsockname()[:2]
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def start(self) -> Self:
        self._socket = _listen(self._host, self._port)
        # The HTTP stack is named, never uvicorn's "auto": a server answers the same wherever it
        # runs, whatever else is installed.
        config = uvicorn.Config(self._app, log_level="warning", lifespan="off", http=self._http)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name="mpsd-reference", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the server did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join()
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None


class ReferenceServer(_Running):
    """``with ReferenceServer(config) as server: requests.get(server.url + ...)``."""

    def __init__(
        self,
        config: ReferenceConfig | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.time,
        fault_log: FaultLog | None = None,
    ) -> None:
        self.config = config or ReferenceConfig()
        self._host, self._port, self._clock = host, port, clock
        self._fault_log = fault_log
        self._store: Store | None = None
        self._server: BackgroundServer | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the reference server is not running")
        return self._server.url

    def start(self) -> Self:
        self._store = Store(self.config.db)
        config = self.config
        if self._fault_log is not None:
            config = replace(config, variant=noting_reads(config.variant, self._fault_log))
        app = create_app(config, clock=self._clock, store=self._store, fault_log=self._fault_log)
        http = http_protocol(config.variant)
        self._server = BackgroundServer(app, host=self._host, port=self._port, http=http)
        try:
            self._server.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
        if self._store is not None:
            self._store.close()
        self._server = self._store = None


def _listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket made with ``proto=IPPROTO_TCP``.

    asyncio sets TCP_NODELAY only on connections whose socket says IPPROTO_TCP; ``create_server``
    leaves proto 0, and Nagle's algorithm then holds each response body back behind the client's
    delayed ACK (about 40 ms per request on a kept-alive connection).
    """
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(socket.SOMAXCONN)
    except OSError:
        sock.close()
        raise
    return sock
