"""Reads and writes of one session: timers, preconditions, merge and commit, in one transaction.

This is where a request becomes an answer, independent of HTTP: the app turns the ``Answer`` into
a response. Every committed change gets a fresh ETag and ``changeNumber + 1``; a write that changes
nothing commits nothing (same ETag, same changeNumber).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from conformance.reference.access import check_read
from conformance.reference.conditions import Conditions, Verdict, entity_tags, etag_matches, evaluate
from conformance.reference.config import Variant
from conformance.reference.faults import FaultSet
from conformance.reference.merge import apply_write
from conformance.reference.model import Doc, Principal, RequestError, SessionKey, WriteContext, same_json
from conformance.reference.store import Key, Store, Stored, Transaction
from conformance.reference.timers import expire

# How long the racy-* faults leave between their read and their write.
RACE_WINDOW_S = 0.02
# How long a write holds the store under contention-500 (an asynchronous driver awaiting its I/O).
BUSY_WINDOW_S = 0.005
# The racy-* faults that only concurrency shows (judged by mpsd-conformance load, not by run):
# the capacity check counts, and changeNumber counts from, the session as read before the window.
_STALE_COUNTS = ("racy-capacity", "racy-change-number")


@dataclass(frozen=True)
class Answer:
    status: int
    session: Doc | None = None
    etag: str | None = None


@dataclass(frozen=True)
class WriteRequest:
    key: SessionKey
    body: Doc
    principal: Principal
    template_constants: Doc
    faults: FaultSet
    conditions: Conditions = field(default_factory=Conditions)
    properties_route: bool = False
    nocommit: bool = False


def _new_etag() -> str:
    return str(uuid.uuid4()).upper()


class SessionService:
    def __init__(self, store: Store, clock: Callable[[], float], variant: Variant | None = None) -> None:
        self._store = store
        self._clock = clock
        self._variant = variant or Variant()
        # The stale-read fault's cache: filled on create, never invalidated.
        self._as_created: dict[Key, Stored] = {}
        # Writes in progress, for the contention-500 fault.
        self._writing = 0

    def read(
        self, key: SessionKey, principal: Principal, if_none_match: str | None, faults: FaultSet
    ) -> Answer:
        with self._store.transaction() as tx:
            current = self._current(tx, key, faults)
        if current is not None and faults.on("stale-read"):
            current = self._as_created.get(key.stored, current)
        if current is None:
            if faults.on("get-absent-404"):
                raise RequestError(404, "session not found")
            return Answer(204)
        check_read(current.document, principal, faults)
        if (
            if_none_match is not None
            and (etag_matches(if_none_match, current.etag) or faults.on("304-for-stale-etag"))
            and not faults.on("if-none-match-get-ignored")
        ):
            return Answer(304, etag=current.etag)
        return Answer(200, current.document, current.etag)

    async def write(self, request: WriteRequest) -> Answer:
        if request.faults.on("contention-500"):
            # The defect: a write that finds the store busy fails instead of waiting its turn.
            if self._writing:
                raise RequestError(500, "database is locked")
            self._writing += 1
            try:
                await asyncio.sleep(BUSY_WINDOW_S)
                return await self._write(request)
            finally:
                self._writing -= 1
        return await self._write(request)

    async def _write(self, request: WriteRequest) -> Answer:
        race = self._race(request)
        snapshot = None
        if race is not None:
            # The defect: what was checked (or read) is no longer what is written.
            with self._store.transaction() as tx:
                snapshot = self._current(tx, request.key, request.faults)
            refusal = self._refusal(request, snapshot)
            if refusal is not None:
                return refusal
            await asyncio.sleep(RACE_WINDOW_S)
        with self._store.transaction() as tx:
            current = self._current(tx, request.key, request.faults)
            # racy-if-match and racy-merge checked the snapshot only; the others check again.
            checked_early = race in ("racy-if-match", "racy-merge")
            refusal = None if checked_early else self._refusal(request, current)
            if refusal is not None:
                stale = refusal.status == 412 and current is not None and request.conditions.if_match
                if stale and request.faults.on("412-after-applying"):  # the defect: refused, but written
                    applied = self._commit(tx, request, current)
                    return Answer(412, applied.session, applied.etag)
                return refusal
            read_early = snapshot if race in _STALE_COUNTS else None
            return self._commit(tx, request, snapshot if race == "racy-merge" else current, read_early)

    @staticmethod
    def _race(request: WriteRequest) -> str | None:
        faults = request.faults
        if request.conditions.if_match is not None and faults.on("racy-if-match"):
            return "racy-if-match"
        if not request.conditions.any and faults.on("racy-merge"):
            return "racy-merge"
        return next((name for name in _STALE_COUNTS if faults.on(name)), None)

    def _current(self, tx: Transaction, key: SessionKey, faults: FaultSet) -> Stored | None:
        """The stored session after its due timers, which are committed on the way."""
        stored = tx.get(key.stored)
        if stored is None:
            return None
        after = expire(stored.document, self._clock(), faults, self._variant.timer_granularity_s)
        if after is stored.document:
            return stored
        if after is None:
            tx.delete(key.stored)
            return None
        fresh = _stamp(after, stored, faults, self._clock())
        tx.put(key.stored, fresh)
        return fresh

    @staticmethod
    def _refusal(request: WriteRequest, current: Stored | None) -> Answer | None:
        verdict = evaluate(
            current.etag if current else None,
            request.conditions,
            request.faults,
            properties_route=request.properties_route,
        )
        if verdict is Verdict.PASS:
            return None
        if (
            verdict is Verdict.FAIL_WITH_SESSION
            and current is not None
            and not request.faults.on("412-without-body")
        ):
            sent = request.conditions.if_match
            if sent is not None and request.faults.on("412-stale-etag-header"):
                return Answer(412, current.document, next(iter(entity_tags(sent))))
            return Answer(412, current.document, current.etag)
        return Answer(412)

    def _commit(
        self, tx: Transaction, request: WriteRequest, base: Stored | None, stale: Stored | None = None
    ) -> Answer:
        """Merge ``request`` into ``base`` and store it; ``stale`` is the session as a racy fault read
        it before its window (racy-capacity counts its members, racy-change-number its changes)."""
        faults, key = request.faults, request.key.stored
        if request.properties_route and base is None and not faults.on("props-missing-creates"):
            if faults.on("props-missing-204"):
                return Answer(204)
            raise RequestError(404, "session not found; PUT .../properties only updates an existing session")
        ctx = WriteContext(
            principal=request.principal,
            now=self._clock(),
            faults=faults,
            template_constants=request.template_constants,
            first_index=self._variant.first_index,
            index_stride=self._variant.index_stride,
            timer_granularity_s=self._variant.timer_granularity_s,
            properties_route=request.properties_route,
            members_seen=len(stale.document["members"]) if stale and faults.on("racy-capacity") else None,
        )
        document = apply_write(base.document if base else None, request.body, ctx)
        commit = not request.nocommit or faults.on("nocommit-ignored")
        if document is None:
            if base is not None and commit:
                tx.delete(key)
            return Answer(204)
        if base is not None and same_json(document, base.document):
            return Answer(200, base.document, base.etag)
        stored = _stamp(document, base, faults, ctx.now, stale)
        if commit:
            tx.put(key, stored)
            if base is None and faults.on("stale-read"):
                self._as_created[key] = stored
        return Answer(_write_status(request, created=base is None), stored.document, stored.etag)


def _write_status(request: WriteRequest, *, created: bool) -> int:
    faults = request.faults
    if created:
        if faults.on("create-200"):
            return 200
        return 200 if request.conditions.if_none_match and faults.on("create-only-200") else 201
    return 201 if request.properties_route and faults.on("props-update-201") else 200


def _stamp(
    document: Doc, previous: Stored | None, faults: FaultSet, now: float, stale: Stored | None = None
) -> Stored:
    """The bookkeeping of a committed change: identity at creation, then changeNumber + 1."""
    stamped = dict(document)
    if previous is None:
        stamped.update(correlationId=str(uuid.uuid4()), branch=str(uuid.uuid4()), changeNumber=1)
    else:
        frozen = faults.on("change-number-frozen")
        counted = stale if stale is not None and faults.on("racy-change-number") else previous
        stamped["changeNumber"] = counted.document["changeNumber"] + (0 if frozen else 1)
        if faults.on("correlation-id-changes"):
            stamped["correlationId"] = str(uuid.uuid4())
        if faults.on("start-time-reset"):
            stamped["startTime"] = now
    etag = previous.etag if previous is not None and faults.on("etag-constant") else _new_etag()
    return Stored(etag, stamped)
