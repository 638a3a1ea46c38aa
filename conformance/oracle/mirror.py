"""The mirror: each exchange the target answered, sent again to the references and compared.

The transport hands the mirror every request and the target's final answer (after any 429 or 503
was waited out) where that answer comes back; the mirror only queues them. Its own thread sends
them on, in the order the target got them, to two reference instances with the same identities,
and compares: the target with the first reference, the first with the second (what the two
references disagree on is nondeterminism, subtracted). So the checks never wait for a reference,
and a reference that errors or is slow changes no verdict: it only leaves exchanges not compared.

Each check arranges its own fresh sessions, so the references stay in step with the target; where
a write diverged, the two sessions no longer hold the same thing, and what follows in that session
is counted as that divergence's consequence rather than reported again.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests

from conformance.config import Target
from conformance.http.client import HOUSEKEEPING, TRANSPORT_HEADERS, make_exchange
from conformance.http.redact import Redactor
from conformance.oracle.allow import allowing, next_timer, timer_latitude, timer_may_have_acted
from conformance.oracle.asgi import App, InProcess
from conformance.oracle.compare import Diff, differences
from conformance.oracle.document import Operation, operation_of
from conformance.oracle.log import OracleLog
from conformance.oracle.normalize import Memory, normalize, opaque_etag
from conformance.oracle.signature import features
from conformance.oracle.translate import Translation
from conformance.oracle.wire import Answer, Request
from conformance.verdicts import DivergenceExample

# Where the references are said to listen: mpsd-conformance serve's default address, so that the
# reference side's curl line works against ``mpsd-conformance serve --config target.toml``.
REFERENCE_URL = "http://127.0.0.1:8080"
# Reference failures in a row after which the mirror stops sending (the rest is not compared).
_GIVE_UP = 3
NOT_PROCESSED = "the target did not process it (429 or 503)"
NO_TARGET_ANSWER = "the target gave no answer (what it did is unknown)"
CONCURRENT = (
    "sent while another request to the session was in flight (the order the target took them in is unknown)"
)
NO_ANSWER = "the reference gave no usable answer"
STOPPED = "the reference stopped answering"
UNFINISHED = "the run ended before the reference answered"


@dataclass(frozen=True)
class _Seen:
    """One exchange as the target answered it, or ``answer`` None: no answer came (the transport's
    error), so what the target did is unknown."""

    request: Request
    answer: Answer | None
    elapsed_ms: float
    sent_at: float
    check: str
    # Another request to the same session was in flight at the same time: the order the target
    # took them in is unknown, so the reference cannot be sent them in it.
    concurrent: bool = False


@dataclass(frozen=True)
class _Got:
    """What one reference was sent, and its answer (None: it gave none)."""

    request: Request
    answer: Answer | None
    elapsed_ms: float = 0.0


@dataclass(frozen=True)
class _Turn:
    """One exchange the target and the first reference both answered."""

    seen: _Seen
    operation: Operation
    target: Answer
    sent: Request  # what the reference was sent
    reference: Answer
    elapsed_ms: float


@dataclass
class _Side:
    client: InProcess
    memory: Memory = field(default_factory=Memory)
    translation: Translation = field(default_factory=Translation)


@dataclass
class _Session:
    """What the mirror knows of one session."""

    due: float | None = None
    # Why the two sides may hold different things now: ("latitude", its name), ("divergence", its
    # signature), or ("unknown", why nothing more is compared).
    parted: tuple[str, str] | None = None
    etags: set[str] = field(default_factory=set)
    current: str | None = None


class Mirror:
    """Compares a target's answers with those of ``references`` (two ASGI applications, each a
    reference instance of this process's own)."""

    def __init__(
        self,
        target: Target,
        references: Sequence[App],
        log: OracleLog,
        check: Callable[[], str] = lambda: "",
        timeout_s: float = 10.0,
    ) -> None:
        self.log = log
        self._check = check
        self._timeout_s = timeout_s
        self._redactor = Redactor(target.secrets)
        self._callers = {u.authorization: "user" for u in target.users}
        if target.server_authorization:
            self._callers[target.server_authorization] = "server"
        self._sides = [_Side(InProcess(app)) for app in references]
        self._memory = Memory()
        self._sessions: dict[str, _Session] = {}
        self._failures = 0
        # Per session, the requests in flight (by id) and whether each overlapped another.
        self._flying: dict[str, dict[int, bool]] = {}
        self._lock = threading.Lock()
        self._queue: queue.Queue[_Seen | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="mpsd-oracle", daemon=True)
        self._thread.start()

    # -- in the check's thread --------------------------------------------------------------------
    def sending(self, request: requests.PreparedRequest) -> None:
        """Note a request in flight, so that two to one session at once are known to be."""
        if _housekeeping(request):
            return
        session = operation_of(str(request.method), str(request.url)).session
        with self._lock:
            flying = self._flying.setdefault(session, {})
            for other in flying:
                flying[other] = True
            flying[id(request)] = bool(flying)

    def observe(
        self, request: requests.PreparedRequest, response: requests.Response | None, sent_at: float
    ) -> None:
        """Queue one exchange; the check goes on at once."""
        if _housekeeping(request):
            return  # the suite's own upkeep: no check judges it, and no later case depends on it
        session = operation_of(str(request.method), str(request.url)).session
        with self._lock:
            concurrent = self._flying.get(session, {}).pop(id(request), False)
        body = request.body.encode() if isinstance(request.body, str) else request.body
        sent = Request(str(request.method), str(request.url), tuple(request.headers.items()), body or None)
        answer = None
        if response is not None:
            answer = Answer(response.status_code, tuple(response.headers.items()), response.content)
        elapsed_ms = (time.time() - sent_at) * 1000
        self._queue.put(_Seen(sent, answer, elapsed_ms, sent_at, self._check(), concurrent))

    def close(self, wait_s: float = 60.0) -> None:
        """Let the thread finish what is queued (at most ``wait_s``); what is left is not compared."""
        self._queue.put(None)
        self._thread.join(wait_s)
        left = self._queue.qsize() - 1  # what is still queued before the end marker
        if self._thread.is_alive() and left > 0:
            self.log.tally("not_compared", UNFINISHED, left)
        if not self._thread.is_alive():
            for side in self._sides:
                side.client.close()

    # -- in the mirror's thread -------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            seen = self._queue.get()
            if seen is None:
                return
            try:
                self._compare(seen)
            except Exception as exc:  # noqa: BLE001 - the oracle must never break a run
                self.log.tally("not_compared", f"the oracle failed ({type(exc).__name__}: {exc})"[:200])

    def _compare(self, seen: _Seen) -> None:
        operation = operation_of(seen.request.method, seen.request.url)
        state = self._sessions.setdefault(operation.session, _Session())
        if seen.answer is None or seen.concurrent:
            # What the target holds now is unknown: nothing more in the session can be compared.
            state.parted = ("unknown", NO_TARGET_ANSWER if seen.answer is None else CONCURRENT)
        skipped = self._skipped(seen.answer, state)
        if skipped or seen.answer is None:
            self.log.tally("not_compared", skipped)
            return
        got = [
            self._send(side, side.translation.request(operation.session, seen.request))
            for side in self._sides
        ]
        when = time.time()
        primary, second = got
        if primary.answer is None:
            self._failures += 1
            self.log.tally("not_compared", NO_ANSWER)
            return
        self._failures = 0
        for side, answer in zip(self._sides, got, strict=True):
            if answer.answer is not None:
                side.translation.learn(operation.session, seen.answer, answer.answer)
        turn = _Turn(seen, operation, seen.answer, primary.request, primary.answer, primary.elapsed_ms)
        diffs = self._differences(turn, second.answer)
        due = state.due
        announced = (t for t in (due, next_timer((turn.target, turn.reference))) if t is not None)
        state.due = min(announced, default=None)
        sent = features(seen.request, self._callers, state.current, state.etags)
        etag = turn.target.header("ETag")
        if etag is not None and not seen.request.nocommit:
            state.current = opaque_etag(etag)
            state.etags.add(state.current)
        if state.parted is None and diffs and timer_may_have_acted(due, when):
            state.parted = ("latitude", timer_latitude())
        if diffs:
            self._judge(turn, state, diffs, sent)

    def _skipped(self, answer: Answer | None, state: _Session) -> str:
        """Why an exchange is not compared; empty when it is."""
        if state.parted is not None and state.parted[0] == "unknown":
            return state.parted[1]
        if answer is not None and answer.status in (429, 503):
            return NOT_PROCESSED
        return STOPPED if self._failures >= _GIVE_UP else ""

    def _differences(self, turn: _Turn, second: Answer | None) -> list[Diff]:
        """The target's differences from the first reference, less the references' own."""
        nocommit, operation = turn.seen.request.nocommit, turn.operation
        target = normalize(turn.target, operation, self._memory, nocommit=nocommit)
        reference = normalize(turn.reference, operation, self._sides[0].memory, nocommit=nocommit)
        diffs = differences(target, reference)
        noisy = set()
        if second is not None:
            other = normalize(second, operation, self._sides[1].memory, nocommit=nocommit)
            noisy = {d.where for d in differences(reference, other)}
            self.log.saw_noise({(operation.name, *where) for where in noisy})
        self.log.count("compared")
        kept = [
            d for d in diffs if d.where not in noisy and not self.log.is_noisy((operation.name, *d.where))
        ]
        if len(kept) < len(diffs):
            self.log.count("noise", len(diffs) - len(kept))
        return kept

    def _judge(self, turn: _Turn, state: _Session, diffs: list[Diff], sent: dict[str, str]) -> None:
        """Allowed by a latitude, a consequence of an earlier divergence, or a divergence."""
        if state.parted is not None:
            why, key = state.parted
            if why == "latitude":
                self.log.tally("allowed", key, len(diffs))
            else:
                self.log.consequence(key, len(diffs))
            return
        left = []
        for diff in diffs:
            found = allowing(diff, turn.seen.request, turn.target, turn.reference)
            if found is None:
                left.append(diff)
                continue
            latitude, parts = found
            self.log.tally("allowed", latitude)
            if parts:
                state.parted = ("latitude", latitude)
        if not left:
            return
        key = self.log.add(turn.operation, sent, left, turn.seen.check, lambda: self._example(turn))
        if turn.operation.write and state.parted is None:
            state.parted = ("divergence", key)

    def _send(self, side: _Side, request: Request) -> _Got:
        sent = Request(request.method, REFERENCE_URL + _path(request.url), request.headers, request.body)
        started = time.monotonic()
        try:
            answer = side.client.send(sent)
        except Exception:  # noqa: BLE001 - a reference that breaks leaves the exchange not compared
            return _Got(sent, None)
        return _Got(sent, answer, (time.monotonic() - started) * 1000)

    def _example(self, turn: _Turn) -> DivergenceExample:
        """Both transcripts, redacted as every transcript is; the reference's at serve's address."""
        target, reference = turn.target, turn.reference
        request = turn.seen.request
        return DivergenceExample(
            check=turn.seen.check or "(no check)",
            target=make_exchange(
                self._redactor,
                _sent(request),
                (target.status, target.headers, target.body),
                turn.seen.elapsed_ms,
            ),
            reference=make_exchange(
                self._redactor,
                _sent(turn.sent),
                (reference.status, reference.headers, reference.body),
                turn.elapsed_ms,
            ),
        )


def _housekeeping(request: requests.PreparedRequest) -> bool:
    return request.headers.get(HOUSEKEEPING[0]) == HOUSEKEEPING[1]


def _sent(request: Request) -> tuple[str, str, tuple[tuple[str, str], ...], bytes | None]:
    """A request as its transcript shows it: without what the HTTP library adds to every request."""
    headers = tuple((k, v) for k, v in request.headers if k.lower() not in TRANSPORT_HEADERS | {"host"})
    return (request.method, request.url, headers, request.body)


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
