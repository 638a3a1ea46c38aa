"""HTTP transport that a hostile target cannot hang, flood, or send elsewhere.

A socket timeout bounds each socket operation, not a whole request: a target that drips one byte a
second never trips a read timeout. Here a watchdog shuts the connection's socket down when the
request's total time is up, bodies are read against a size cap, redirects are never followed
(a 3xx is just an answer), and after a few transport failures in a row the transport stops
sending, so a dead target costs seconds, not one timeout per test.
"""

from __future__ import annotations

import contextlib
import heapq
import http.client
import itertools
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

from conformance.http import wire
from conformance.outcomes import Blocked
from conformance.ratelimit import Pacer, RateLimit, retry_after_seconds

DEFAULT_MAX_BODY = 8 * 1024 * 1024


class TransportError(Exception):
    """The target did not give a usable HTTP answer; the message is one readable line."""

    kind = "transport"

    def blocked(self, detail: str = "") -> Blocked:
        """What it means for the check that sent the request: no verdict, and why."""
        cause = "target-stopped" if isinstance(self, TargetStopped) else "transport"
        return Blocked(f"the target gave no usable answer: {self}{detail}", cause)


class TargetUnreachable(TransportError):
    kind = "unreachable"


class TargetTimeout(TransportError):
    kind = "timeout"


class ResponseTooLarge(TransportError):
    kind = "too-large"


class ProtocolViolation(TransportError):
    kind = "protocol"


class TargetStopped(TransportError):
    kind = "stopped"


class OffTarget(TransportError):
    kind = "off-target"


@dataclass(frozen=True)
class Limits:
    timeout_s: float
    max_body_bytes: int = DEFAULT_MAX_BODY
    # Transport failures in a row after which the target counts as stopped.
    breaker_threshold: int = 3
    # Timeouts in all after which it does too: a target that hangs on one kind of request only
    # (every create, say) never fails three times in a row, but costs a timeout per check.
    max_timeouts: int = 5


class _Watchdog:
    """Shuts down the sockets of one request's connections when its total time is up."""

    def __init__(self, seconds: float, reaper: _Reaper) -> None:
        self.seconds = seconds
        self.fired = False
        self.done = False
        self._connections: list[http.client.HTTPConnection] = []
        reaper.schedule(self, time.monotonic() + seconds)

    def watch(self, connection: http.client.HTTPConnection) -> None:
        self._connections.append(connection)

    def fire(self) -> bool:
        """Interrupt the request; True while a connection is still connecting (try again soon:
        its connect timeout bounds that part)."""
        self.fired = True
        pending = False
        for connection in self._connections:
            sock = getattr(connection, "sock", None)
            if sock is None:
                pending = True
                continue
            with contextlib.suppress(OSError):  # already closed: nothing left to interrupt
                sock.shutdown(socket.SHUT_RDWR)
        return pending

    def cancel(self) -> None:
        """Its entry stays in the reaper's heap until its deadline; the connections need not."""
        self.done = True
        self._connections = []


class _Reaper:
    """One thread keeps the deadlines of every request a transport sends. A timer thread per
    request cost more than the request itself on loopback (about 0.2 ms each, seen profiling the
    fuzz phase for bench/). Each transport owns one, started with its first request and stopped
    when it closes: nothing outlives the run."""

    _RETRY_S = 0.05

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, _Watchdog]] = []
        self._wake = threading.Condition()
        self._order = itertools.count()
        self._thread: threading.Thread | None = None
        self._stopped = False

    def stop(self) -> None:
        with self._wake:
            self._stopped = True
            self._heap.clear()
            self._wake.notify()

    def schedule(self, watchdog: _Watchdog, at: float) -> None:
        """The thread is woken only when this deadline comes before every other. A request that
        ends leaves its entry until the thread meets it at its deadline: waking the thread for
        each request, to sleep again, cost a tenth of the client's time per request on loopback
        (py-spy, the default run's fuzz phase), and most deadlines (one timeout after the send)
        come after the ones already kept."""
        with self._wake:
            self._stopped = False
            entry = (at, next(self._order), watchdog)
            heapq.heappush(self._heap, entry)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="mpsd-deadlines", daemon=True)
                self._thread.start()
            if self._heap[0] is entry:
                self._wake.notify()

    def _run(self) -> None:
        while True:
            with self._wake:
                while True:
                    while self._heap and self._heap[0][2].done:
                        heapq.heappop(self._heap)
                    if self._stopped:
                        self._thread = None
                        return
                    if not self._heap:
                        self._wake.wait()
                        continue
                    delay = self._heap[0][0] - time.monotonic()
                    if delay <= 0:
                        watchdog = heapq.heappop(self._heap)[2]
                        break
                    self._wake.wait(delay)
            if watchdog.fire() and not watchdog.done:
                self.schedule(watchdog, time.monotonic() + self._RETRY_S)


# Set around the sends of a block on this thread (``Transport.unpaced``, ``Transport.verbatim``).
_active = threading.local()


class Observer(Protocol):
    """Sees each request go and the final answer the target gave it, or that none came
    (``run --oracle``'s mirror). It is called on the check's own path, so it must only take note:
    never block, never raise."""

    def sending(self, request: requests.PreparedRequest) -> None: ...

    def observe(
        self, request: requests.PreparedRequest, response: requests.Response | None, sent_at: float
    ) -> None: ...


class BoundedAdapter(BaseAdapter):
    """Sends a prepared request over ``wire``'s kept-alive connections, within the limits."""

    def __init__(
        self, limits: Limits, pacing: Pacing | None = None, observer: Observer | None = None
    ) -> None:
        self.limits = limits
        self.pacing = pacing or Pacing()
        self.observer = observer
        self.reaper = _Reaper()
        self.connections = wire.Connections()
        super().__init__()

    def close(self) -> None:
        self.reaper.stop()
        self.connections.close()

    def send(
        self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None, **kwargs: Any
    ):  # type: ignore[no-untyped-def, override]
        """Paced under the caller's rate limits; a 429 or 503 is waited out (Retry-After, within the
        wait budget) and the same request sent again, since MPSD did not process it (G5, C1)."""
        pacing, raw = self.pacing, getattr(_active, "raw", False)
        key = request.headers.get("Authorization") or ""
        label = pacing.labels.get(key, "an unnamed caller")
        if raw:
            pacing.pacer.note(key)
        else:
            pacing.stats.paced(label, pacing.pacer.acquire(key, label, pacing.deadline))
        pacing.stats.sent(label)
        sent_at = time.time()
        self._tell(lambda observer: observer.sending(request))
        try:
            response, sent_at = self._paced(request, raw, key, label, **kwargs)
        except BaseException:
            self._tell(lambda observer: observer.observe(request, None, sent_at))
            raise
        self._tell(lambda observer: observer.observe(request, response, sent_at))
        return response

    def _tell(self, note: Callable[[Observer], None]) -> None:
        if self.observer is not None:
            with contextlib.suppress(Exception):  # an observer never changes what a check gets
                note(self.observer)

    def _paced(
        self, request: requests.PreparedRequest, raw: bool, key: str, label: str, **kwargs: Any
    ) -> tuple[requests.Response, float]:
        """The final answer, each 429 or 503 waited out, and when the request that got it was sent."""
        pacing = self.pacing
        sent_at = time.time()
        response = self._send_once(request, **kwargs)
        waited, resent = 0.0, False
        while response.status_code in (429, 503) and not raw:
            pacing.stats.refused(label, response.status_code)
            wait = pacing.wait_for(key, response, waited, resent)
            if wait is None:
                break  # over the budget: the check sees the 429 or 503 and is blocked by it
            time.sleep(wait)
            waited += wait
            resent = True
            pacing.stats.retried(label, wait)
            pacing.pacer.acquire(key, label, pacing.deadline)
            pacing.stats.sent(label)
            sent_at = time.time()
            response = self._send_once(request, **kwargs)
        pacing.answered(key, response.status_code)
        pacing.pacer.answered(key)
        return response, sent_at

    def _send_once(
        self, request: requests.PreparedRequest, verify: Any = True, cert: Any = None, **_: Any
    ) -> requests.Response:
        seconds = self.limits.timeout_s
        origin, connection = self.connections.take(request.url or "", seconds, verify, cert)
        watchdog = _Watchdog(seconds, self.reaper)
        watchdog.watch(connection)
        decode = not getattr(_active, "verbatim", False)
        try:
            wire.connect(connection)
            wire.send(connection, request.method or "GET", request.path_url, request.headers, request.body)
            answer, body = wire.receive(
                connection, self.limits.max_body_bytes, decode, lambda: watchdog.fired
            )
        except Exception as exc:  # noqa: BLE001 - socket, http.client and zlib errors all mean the same here
            connection.close()
            raise classify(exc, watchdog.fired, seconds) from None
        finally:
            watchdog.cancel()
        if answer.will_close:
            connection.close()
        else:
            self.connections.give_back(origin, connection)
        return self._response(request, answer, body)

    def _response(
        self, request: requests.PreparedRequest, answer: http.client.HTTPResponse, body: bytes
    ) -> requests.Response:
        """The answer as requests' own adapter builds it (``raw`` with urllib3's header view, which
        schemathesis reads); requests' session then keeps the cookies a target sets."""
        headers = wire.headers_of(answer)
        # requests keeps the cookies a target sets from this http.client response; with none set,
        # it has nothing to parse (its cookie jar machinery cost 3 % of a run's client CPU).
        sets = "set-cookie" in headers or "set-cookie2" in headers
        raw = wire.Answer(answer.status, answer.reason, answer.version, headers, answer if sets else None)
        response = requests.Response()
        response.status_code = answer.status
        response.headers = CaseInsensitiveDict(headers)
        response.encoding = get_encoding_from_headers(response.headers)
        response.raw = raw
        response.reason = answer.reason
        response.url = request.url or ""
        response.request = request
        response.connection = self
        response._content = body
        response._content_consumed = True
        return response


def classify(exc: BaseException, timed_out: bool, seconds: float) -> TransportError:
    """One readable line for whatever went wrong below HTTP."""
    if timed_out:
        return TargetTimeout(f"no complete answer within {seconds:g} s")
    if isinstance(exc, wire.BodyTooLarge):
        return ResponseTooLarge(str(exc))
    if isinstance(exc, wire.Undecodable):
        return ProtocolViolation(str(exc))
    if isinstance(exc, wire.ConnectFailed):
        cause = exc.__cause__
        if isinstance(cause, TimeoutError):
            return TargetUnreachable(f"no connection within {seconds:g} s")
        return TargetUnreachable(f"cannot connect ({_text(cause)})")
    if isinstance(exc, TimeoutError):
        return TargetTimeout(f"no answer within {seconds:g} s")
    # RemoteDisconnected is also a BadStatusLine: ask about the closed connection first.
    if isinstance(exc, ConnectionError | http.client.RemoteDisconnected):
        return ProtocolViolation("closed or reset the connection without a complete answer")
    if isinstance(exc, http.client.BadStatusLine):
        return ProtocolViolation("answered with bytes that are not HTTP")
    return ProtocolViolation(f"broken HTTP answer ({_text(exc)})")


def _text(exc: BaseException | None) -> str:
    """An error's message on one line, or its type's name when it has none."""
    text = " ".join(str(exc).split())
    return (text or type(exc).__name__)[:160]


class BoundedSession(requests.Session):
    """A requests session that never follows redirects and ignores the environment.

    ``trust_env`` off: no proxy settings and no .netrc credentials can be added behind our back.
    """

    def __init__(
        self, limits: Limits, pacing: Pacing | None = None, observer: Observer | None = None
    ) -> None:
        super().__init__()
        self.trust_env = False
        self.max_redirects = 0
        adapter = BoundedAdapter(limits, pacing, observer)
        self.mount("http://", adapter)
        self.mount("https://", adapter)

    def resolve_redirects(self, *args: Any, **kwargs: Any):  # type: ignore[no-untyped-def, override]
        return iter(())


class Transport:
    """Sends requests to one target host only, and stops once the target has plainly stopped answering."""

    def __init__(
        self, base_url: str, limits: Limits, pacing: Pacing | None = None, observer: Observer | None = None
    ) -> None:
        self.host = urlsplit(base_url).netloc.lower()
        self.limits = limits
        self.pacing = pacing or Pacing()
        self.session = BoundedSession(limits, self.pacing, observer)
        self._failures = 0
        self._timeouts = 0
        self._lock = threading.Lock()
        self.last_failure: TransportError | None = None

    def request(
        self, method: str, url: str, headers: dict[str, str], body: bytes | None
    ) -> requests.Response:
        if urlsplit(url).netloc.lower() != self.host:
            raise OffTarget(f"refused to send a request to {urlsplit(url).netloc}, which is not the target")
        started = time.monotonic()
        with self.guard():
            response = self.session.request(method, url, headers=headers, data=body, allow_redirects=False)
        response.elapsed_s = time.monotonic() - started  # type: ignore[attr-defined]
        return response

    @contextlib.contextmanager
    def guard(self) -> Iterator[None]:
        """Count the transport failures of whatever is sent inside (also schemathesis's calls through
        ``self.session``), and refuse to send once too many came in a row."""
        with self._lock:
            if self._failures >= self.limits.breaker_threshold and self.last_failure is not None:
                raise TargetStopped(
                    f"target stopped answering ({self._failures} transport failures in a row, last: "
                    f"{self.last_failure}); not sending more requests"
                )
            if self._timeouts >= self.limits.max_timeouts:
                raise TargetStopped(
                    f"target stopped answering in time ({self._timeouts} timeouts, last: "
                    f"{self.last_failure}); not sending more requests"
                )
        try:
            yield
        except TransportError as exc:
            with self._lock:
                self._failures += 1
                self._timeouts += isinstance(exc, TargetTimeout)
                self.last_failure = exc
            raise
        with self._lock:
            self._failures = 0

    @contextlib.contextmanager
    def unpaced(self) -> Iterator[None]:
        """Requests sent inside go at once and a 429 comes back as it is (a check that exceeds a
        window on purpose); they still count against the caller's windows."""
        _active.raw = True
        try:
            yield
        finally:
            _active.raw = False

    @contextlib.contextmanager
    def verbatim(self) -> Iterator[None]:
        """Bodies read inside come as the target sent them, still in their content coding (gzip):
        a proxy passes them on byte for byte, with the Content-Encoding that says how to read them."""
        _active.verbatim = True
        try:
            yield
        finally:
            _active.verbatim = False

    def close(self) -> None:
        self.session.close()


@dataclass
class ThrottleStats:
    """Per identity: requests sent (resends included), time waited for the pacer, 429/503
    answers, and time spent waiting them out. One per process; xdist workers' are merged."""

    by_label: dict[str, dict[str, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _add(self, label: str, key: str, amount: float) -> None:
        if not amount:
            return
        with self._lock:
            counts = self.by_label.setdefault(label, dict.fromkeys(_STAT_KEYS, 0.0))
            counts[key] += amount

    def sent(self, label: str) -> None:
        self._add(label, "requests", 1)

    def paced(self, label: str, seconds: float) -> None:
        self._add(label, "paced_s", seconds)

    def refused(self, label: str, status: int) -> None:
        self._add(label, "throttled" if status == 429 else "unavailable", 1)

    def retried(self, label: str, seconds: float) -> None:
        self._add(label, "retry_wait_s", seconds)

    def merge(self, other: Mapping[str, Mapping[str, float]]) -> None:
        for label, counts in other.items():
            for key, amount in counts.items():
                self._add(label, key, amount)


_STAT_KEYS = ("requests", "paced_s", "throttled", "unavailable", "retry_wait_s")


@dataclass
class Pacing:
    """The rate limits a transport keeps to, and how long it may wait out a 429 or 503.

    ``labels`` name the identities (Authorization value -> "user 1") for progress and the report;
    ``deadline`` (monotonic seconds) is the run's time budget, past which nothing is waited for.
    """

    pacer: Pacer = field(default_factory=lambda: Pacer(()))
    labels: Mapping[str, str] = field(default_factory=dict)
    # The longest one request waits in all (MPSD's sustain window is 300 s, G5).
    max_wait_s: float = 300.0
    deadline: float | None = None
    stats: ThrottleStats = field(default_factory=ThrottleStats)
    # Processes sending as the same identities (xdist workers): a learned limit is shared, as the
    # configured ones are (paced.pacing_for).
    workers: int = 1
    # Refusals in a row, per identity, that came after waiting as told: past GIVE_UP the target is
    # not honouring its own Retry-After (or someone else uses the identity), so no more waiting.
    _refused_after_waiting: dict[str, int] = field(default_factory=dict, repr=False)

    GIVE_UP = 3

    def answered(self, key: str, status: int) -> None:
        if status not in (429, 503):
            self._refused_after_waiting.pop(key, None)

    def wait_for(self, key: str, response: requests.Response, waited: float, resent: bool) -> float | None:
        """How long to wait before sending again, or None when that would go past the budget.

        ``resent``: this refusal answered a request sent again after waiting; counted whatever the
        wait was, so a target that says ``Retry-After: 0`` forever still ends the waiting."""
        if resent:
            self._refused_after_waiting[key] = self._refused_after_waiting.get(key, 0) + 1
        if self._refused_after_waiting.get(key, 0) >= self.GIVE_UP:
            return None
        if response.status_code == 429:
            self._learn(key, response)
        wait = retry_after_seconds(response.headers.get("Retry-After"))
        wait = 1.0 if wait is None else wait  # no Retry-After (a defect, judged elsewhere): a short pause
        if waited + wait > self.max_wait_s:
            return None
        if self.deadline is not None and time.monotonic() + wait > self.deadline:
            return None
        return wait

    def _learn(self, key: str, response: requests.Response) -> None:
        try:
            body = json.loads(response.content)
            limit = RateLimit(int(body["maxRequests"]), float(body["periodInSeconds"]))
        except (ValueError, TypeError, KeyError):
            return
        if limit.calls > 0 and limit.seconds > 0:
            self.pacer.windows.learn(key, limit.share(self.workers))
