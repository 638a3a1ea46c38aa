"""One HTTP exchange on a kept-alive ``http.client`` connection: what the transport sends with.

requests' own adapter sends through urllib3, whose pools, retries and response wrappers cost the
client 0.76 ms of CPU a request through the transport on loopback, against 0.52 ms with this
module and 0.2 ms for bare http.client (``python -m bench.transport_cost``, bench/results.md).
The transport needs little of urllib3: connections kept alive per origin and dropped when the
target closed them, TLS verified as requests verifies it (certifi's bundle), bodies read against a
size cap and decoded as they arrive (so a gzip bomb stops at the cap, not in memory), and a socket
a watchdog can shut down. That is this module; requests still prepares each request and wraps the
answer, so schemathesis and the checks see the objects they saw.
"""

from __future__ import annotations

import http.client
import os
import ssl
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import certifi
from urllib3._collections import HTTPHeaderDict
from urllib3.util import SKIP_HEADER
from urllib3.util.wait import wait_for_read

CHUNK = 64 * 1024
# The content codings a body is decoded from (those requests advertises: gzip, deflate).
_CODINGS = frozenset({"gzip", "x-gzip", "deflate", "identity"})
# Idle connections kept per origin; more in flight at once are closed once answered.
_KEPT = 64

Origin = tuple[str, str, int, Any]


class ConnectFailed(Exception):
    """The connection (TCP, then TLS) could not be made: raised with the error as its cause."""


class BodyTooLarge(Exception):
    """More body than the cap allows: its message says how much."""


class Undecodable(Exception):
    def __init__(self, coding: str) -> None:
        super().__init__(f"sent a body its Content-Encoding ({coding}) does not decode")


@dataclass
class Answer:
    """What requests reads of an answer as its ``raw``: schemathesis the header view and the HTTP
    version, requests the cookies a target sets (from the http.client response, as via urllib3)."""

    status: int
    reason: str
    version: int
    headers: HTTPHeaderDict
    _original_response: http.client.HTTPResponse | None = field(repr=False)

    def close(self) -> None:
        """The body is read and the connection back in the pool: nothing is left to release."""

    def release_conn(self) -> None:
        """As ``close``."""


def headers_of(response: http.client.HTTPResponse) -> HTTPHeaderDict:
    """Every header as sent, a repeated one kept once per line (requests joins them with ", ")."""
    headers = HTTPHeaderDict()
    for name, value in response.getheaders():
        headers.add(name, value)
    return headers


def _context(verify: Any, cert: Any) -> ssl.SSLContext:
    """TLS as requests sets it up: certifi's bundle, another bundle by path, or no verification."""
    if verify is False:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    else:
        where = verify if isinstance(verify, str) else certifi.where()
        bundle = {"capath": where} if os.path.isdir(where) else {"cafile": where}
        context = ssl.create_default_context(**bundle)
    if cert:
        certfile, keyfile = (cert, None) if isinstance(cert, str) else cert
        context.load_cert_chain(certfile, keyfile)
    return context


class Connections:
    """Kept-alive connections per origin, shared by every thread of one transport."""

    def __init__(self) -> None:
        self._idle: dict[Origin, list[http.client.HTTPConnection]] = {}
        self._contexts: dict[tuple[Any, Any], ssl.SSLContext] = {}
        self._lock = threading.Lock()

    def take(
        self, url: str, timeout_s: float, verify: Any, cert: Any
    ) -> tuple[Origin, http.client.HTTPConnection]:
        """An idle connection to the URL's origin the target has not closed, or a new one (not yet
        connected: ``connect`` makes it)."""
        parts = urlsplit(url)
        scheme, host = parts.scheme.lower(), parts.hostname or ""
        port = parts.port or (443 if scheme == "https" else 80)
        tls = (verify, cert if cert is None or isinstance(cert, str) else tuple(cert))
        origin = (scheme, host, port, tls if scheme == "https" else None)
        with self._lock:
            idle = self._idle.get(origin, [])
            while idle:
                connection = idle.pop()
                if connection.sock is not None and not wait_for_read(connection.sock, timeout=0.0):
                    return origin, connection
                connection.close()  # closed by the target (or it sent what nobody asked for)
            if scheme == "https":
                context = self._contexts.get(tls)
                if context is None:
                    context = self._contexts[tls] = _context(verify, cert)
                return origin, http.client.HTTPSConnection(host, port, timeout=timeout_s, context=context)
        return origin, http.client.HTTPConnection(host, port, timeout=timeout_s)

    def give_back(self, origin: Origin, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            idle = self._idle.setdefault(origin, [])
            if len(idle) < _KEPT:
                idle.append(connection)
                return
        connection.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.close()


def connect(connection: http.client.HTTPConnection) -> None:
    """Open a new connection; what fails here failed before any byte of the request was sent."""
    if connection.sock is None:
        try:
            connection.connect()
        except Exception as exc:  # socket, DNS and TLS errors all mean "cannot connect"
            connection.close()
            raise ConnectFailed() from exc


def send(connection: http.client.HTTPConnection, method: str, path: str, headers: Any, body: Any) -> None:
    """The request as urllib3 put it on the wire: Host first unless given, the headers in order
    (one whose value is urllib3's ``SKIP_HEADER`` left out, and not added by default either), a
    text body as UTF-8, an iterable body chunked when the headers say so."""
    names = {name.lower() for name in headers}
    skip = {"skip_host": "host" in names, "skip_accept_encoding": "accept-encoding" in names}
    connection.putrequest(method, path, **skip)
    for name, value in headers.items():
        if value is not SKIP_HEADER:
            connection.putheader(name, value)
    chunked = "chunked" in str(headers.get("Transfer-Encoding", "")).lower()
    connection.endheaders(body.encode() if isinstance(body, str) else body, encode_chunked=chunked)


def receive(
    connection: http.client.HTTPConnection, cap: int, decode: bool, interrupted: Callable[[], bool]
) -> tuple[http.client.HTTPResponse, bytes]:
    """The answer and its body (decoded unless ``decode`` is off), at most ``cap`` bytes of it.
    ``interrupted`` says the watchdog ended the request: a short read is then its doing."""
    response = connection.getresponse()
    declared = response.getheader("Content-Length", "") or ""
    if declared.isdigit() and int(declared) > cap:
        raise BodyTooLarge(f"declared a {int(declared):,}-byte body, over the {cap:,}-byte limit")
    coding = (response.getheader("Content-Encoding", "") or "").lower() if decode else ""
    decoder = _Decoder.of(coding)
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = response.read(CHUNK)
        if interrupted():
            raise TimeoutError("interrupted")
        if decoder is not None:
            chunk = decoder.feed(chunk, cap - total + 1, last=not chunk)
        if not chunk and response.isclosed():
            return response, b"".join(chunks)
        total += len(chunk)
        if total > cap:
            raise BodyTooLarge(f"sent more than {cap:,} bytes of body")
        chunks.append(chunk)


def codings(value: str | None) -> list[str] | None:
    """A Content-Encoding's codings, in the order they were applied; None when one is not gzip,
    deflate or identity (those requests asks for), so the body cannot be read here."""
    names = [c.strip().lower() for c in (value or "").split(",") if c.strip()]
    return names if all(n in _CODINGS for n in names) else None


def decoded(body: bytes, coding: str | None, limit: int) -> bytes | None:
    """A whole body as its content coding says to read it, at most ``limit`` bytes; None when it
    cannot be read (another coding, a broken or cut stream, a body that inflates past it)."""
    names = codings(coding)
    if names is None:
        return None
    decoder = _Decoder(coding or "", names)
    try:
        out = decoder.feed(body, limit + 1, last=True)
    except Undecodable:
        return None
    return out if decoder.complete and len(out) <= limit else None


class _Decoder:
    """gzip and deflate undone as the bytes arrive, never writing more than the room left."""

    def __init__(self, coding: str, names: list[str]) -> None:
        self.coding = coding
        self._steps = [_Inflater(n) for n in reversed(names) if n != "identity"]

    @classmethod
    def of(cls, coding: str) -> _Decoder | None:
        """A decoder, or None to leave the body as sent: no coding, or one requests does not ask
        for (as urllib3 left it)."""
        names = codings(coding)
        return cls(coding, names) if names else None

    @property
    def complete(self) -> bool:
        return all(step.eof for step in self._steps)

    def feed(self, data: bytes, room: int, last: bool) -> bytes:
        try:
            for step in self._steps:
                data = step.feed(data, room, last)
        except zlib.error:
            raise Undecodable(self.coding) from None
        return data


class _Inflater:
    def __init__(self, name: str) -> None:
        self.gzip = name in ("gzip", "x-gzip")
        self._started = False
        self._wbits = 16 + zlib.MAX_WBITS if self.gzip else zlib.MAX_WBITS
        self._inflate = zlib.decompressobj(self._wbits)

    @property
    def eof(self) -> bool:
        return self._inflate.eof

    def feed(self, data: bytes, room: int, last: bool) -> bytes:
        out = b""
        while data:
            try:
                part = self._inflate.decompress(data, max(room - len(out), 1))
            except zlib.error:
                if self.gzip or self._started:
                    raise
                # deflate sent raw, without its zlib wrapper (as some servers send it)
                self._wbits = -zlib.MAX_WBITS
                self._inflate = zlib.decompressobj(self._wbits)
                self._started = True
                continue
            self._started = True
            out += part
            if len(out) >= room:
                return out  # over the cap: the caller stops here
            data = self._inflate.unconsumed_tail
            if self.gzip and self._inflate.eof and self._inflate.unused_data:
                data = self._inflate.unused_data  # another gzip member follows
                self._inflate = zlib.decompressobj(self._wbits)
        if last:
            out += self._inflate.flush()
        return out
