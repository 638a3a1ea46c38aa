"""A reverse proxy in front of an MPSD service that judges every exchange as it passes.

A real client is pointed at it. Each request goes to the target as it came, through the suite's
bounded transport (a total time per request, a cap on bodies, only the target's host), and the
answer comes back as the target sent it, byte for byte, content coding and all. Only what belongs
to one connection is not passed on: the hop-by-hop headers and Host (RFC 9110 §7.6.1), and the
framing (Content-Length is that of the body sent). Nothing is retried or waited out: a 429 reaches
the client as it came.

Each exchange becomes a HAR entry with its secrets taken out (``har.entry``) and is judged from
that entry, exactly as ``check-traffic`` judges the HAR the proxy writes when it stops; a line is
printed for each finding as it happens.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from urllib3.util import SKIP_HEADER

from conformance.http.redact import Redactor
from conformance.http.transport import Limits, Transport, TransportError
from conformance.http.wire import decoded
from conformance.ledger import load_ledger
from conformance.traffic import answers, client, har, sessions
from conformance.traffic.record import Headers, Judged, Record, header

HOP_BY_HOP = frozenset(
    {
        "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization",
        "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length", "expect",
    }
)  # fmt: skip
# Sent to the target by default unless the request names them: this marker (urllib3's, which
# ``http.wire`` honours) leaves them out when the client did not send them.
_ADDED_BY_DEFAULT = ("User-Agent", "Accept-Encoding")
CLOCK = "proxy"


def _forwarded(headers: Headers) -> dict[str, str]:
    """The request's end-to-end headers (duplicates joined as HTTP allows), nothing added."""
    named = {v.strip().lower() for k, v in headers if k.lower() == "connection" for v in v.split(",")}
    joined: dict[str, str] = {}
    for name, value in headers:
        if name.lower() in HOP_BY_HOP or name.lower() in named:
            continue
        key = next((k for k in joined if k.lower() == name.lower()), name)
        glue = "; " if name.lower() == "cookie" else ", "
        joined[key] = f"{joined[key]}{glue}{value}" if key in joined else value
    for name in _ADDED_BY_DEFAULT:
        if not any(k.lower() == name.lower() for k in joined):
            joined[name] = SKIP_HEADER
    return joined


class Proxy:
    """Forwards to one target, records and judges what passes; ``say`` prints each finding."""

    def __init__(
        self,
        target: str,
        listen: tuple[str, int],
        limits: Limits,
        say: Callable[[str], None] = print,
    ) -> None:
        self.target = target.rstrip("/")
        self.limits = limits
        self.transport = Transport(target, limits)
        self.transport.session.headers.clear()  # requests' defaults are not the client's
        self.say = say
        self.entries: list[dict[str, Any]] = []
        self._secrets: set[str] = set()
        self._callers = har.Callers()
        self._records: list[Record] = []
        self._said: set[tuple[str, int, str]] = set()
        self._lock = threading.Lock()
        self._busy = threading.Condition(self._lock)
        self._in_flight = 0
        self.server = ThreadingHTTPServer(listen, _handler(self))
        self.server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def redactor(self) -> Redactor:
        with self._lock:
            return Redactor(self._secrets)

    def start(self) -> Proxy:
        self._thread = threading.Thread(target=self.server.serve_forever, name="mpsd-proxy", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop taking requests; let the ones under way finish (within the transport's time)."""
        self.server.shutdown()
        with self._busy:
            self._busy.wait_for(lambda: self._in_flight == 0, timeout=self.limits.timeout_s + 1)
        self.server.server_close()
        self.transport.close()

    def forward(
        self, method: str, path: str, headers: Headers, body: bytes
    ) -> tuple[int, str, Headers, bytes]:
        """Send one request on, record and judge the exchange, and give back what to answer."""
        started = time.time()
        with self._busy:
            self._in_flight += 1
            self._secrets |= har.secrets_in(headers)
        try:
            answer, error = None, None
            try:
                with self.transport.unpaced(), self.transport.verbatim():
                    answer = self.transport.request(
                        method, self.target + path, _forwarded(headers), body or None
                    )
            except TransportError as exc:
                error = f"the target gave no usable answer: {exc}"
            elapsed = time.time() - started
            if answer is None:
                self._record(started, elapsed, method, path, (headers, body), None, error)
                return (
                    502,
                    "Bad Gateway",
                    (("Content-Type", "text/plain"),),
                    f"mpsd-conformance proxy: {error}\n".encode(),
                )
            sent = tuple((str(k), str(v)) for k, v in answer.raw.headers.items())
            wire = answer.content
            readable = decoded(wire, header(sent, "Content-Encoding"), self.limits.max_body_bytes)
            reply = (answer.status_code, answer.reason or "", sent, readable, len(wire))
            self._record(started, elapsed, method, path, (headers, body), reply, None)
            return answer.status_code, answer.reason or "", sent, wire
        finally:
            with self._busy:
                self._in_flight -= 1
                self._busy.notify_all()

    def refuse(self, method: str, path: str, headers: Headers, reason: str) -> None:
        """Record a request the proxy answered itself and did not send on."""
        self._record(time.time(), 0.0, method, path, (headers, None), None, reason)

    def _record(
        self,
        started: float,
        elapsed: float,
        method: str,
        path: str,
        request: tuple[Headers, bytes | None],
        reply: tuple[int, str, Headers, bytes | None, int] | None,
        error: str | None,
    ) -> None:
        with self._lock:
            if reply is not None:
                self._secrets |= har.secrets_in(reply[2])
            redactor = Redactor(self._secrets)
            item = har.entry(
                started=started, elapsed_s=elapsed, method=method, url=self.target + path, request=request,
                response=reply, error=error, redactor=redactor, callers=self._callers,
            )  # fmt: skip
            index = len(self.entries)
            self.entries.append(item)
            where = f"exchange {index + 1}"
            record = har.record_of(
                item, index=index, where=where, clock=CLOCK, redactor=redactor, callers=self._callers
            )
            self._records.append(record)
            found = self._judge(record)
        for line in found:
            self.say(line)

    def _judge(self, record: Record) -> list[str]:
        """The findings of this exchange not printed before: its answer, its request, and what it
        shows with the earlier exchanges of its session and of its caller."""
        if record.route is None:
            return []
        session = [
            r for r in self._records if r.route is not None and r.route.session == record.route.session
        ]
        caller = [r for r in self._records if record.caller is not None and r.caller == record.caller]
        found: list[tuple[str, Judged]] = [
            *(("service", j) for j in answers.judge(record)),
            *(("service", j) for j in sessions.judge(session)),
            *(("client", j) for j in client.requests(record)),
            *(("client", j) for j in client.callers(caller)),
        ]
        lines = []
        for side, judged in found:
            key = (judged.requirement, judged.record.index, judged.problem or "")
            if judged.problem is None or key in self._said:
                continue
            self._said.add(key)
            level = load_ledger().get(judged.requirement).level if side == "service" else "MUST"
            if level == "PROBE":
                continue
            word = "FAIL" if level == "MUST" else "WARN"
            lines.append(f"{word:4} {side:7} {judged.requirement}: {judged.problem} ({judged.record.shown})")
        return lines


def _handler(proxy: Proxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def __getattr__(self, name: str) -> Any:
            if name.startswith("do_"):
                return self._exchange
            raise AttributeError(name)

        def log_message(self, format: str, *args: Any) -> None:
            """Silent: the proxy prints findings, never request lines (or what they carry)."""

        def _exchange(self) -> None:
            headers = tuple((str(k), str(v)) for k, v in self.headers.items())
            parts = urlsplit(self.path)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            if not path.startswith("/"):
                self._answer(400, "Bad Request", (("Content-Type", "text/plain"),), b"not a path\n")
                return
            body = self._body()
            if body is None:
                reason = f"a request body over {proxy.limits.max_body_bytes:,} bytes: not forwarded"
                proxy.refuse(self.command, path, headers, reason)
                self.close_connection = True
                self._answer(
                    413, "Content Too Large", (("Content-Type", "text/plain"),), f"{reason}\n".encode()
                )
                return
            status, reason, sent, content = proxy.forward(self.command, path, headers, body)
            self._answer(status, reason, sent, content)

        def _body(self) -> bytes | None:
            """The request body, or None past the limit (bodies come with Content-Length or chunked)."""
            cap = proxy.limits.max_body_bytes
            if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                chunks, total = [], 0
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        while self.rfile.readline().strip():
                            pass  # trailers
                        return b"".join(chunks)
                    total += size
                    if total > cap:
                        return None
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
            length = int(self.headers.get("Content-Length") or 0)
            return None if length > cap else self.rfile.read(length)

        def _answer(self, status: int, reason: str, headers: Headers, content: bytes) -> None:
            self.send_response_only(status, reason)
            bodiless = self.command == "HEAD" or status in (204, 304) or status < 200
            for name, value in headers:
                lowered = name.lower()
                if lowered in HOP_BY_HOP and not (lowered == "content-length" and bodiless):
                    continue
                self.send_header(name, value)
            if not bodiless:
                self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            if not bodiless:
                self.wfile.write(content)

    return Handler
