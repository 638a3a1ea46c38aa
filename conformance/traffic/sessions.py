"""What a session's exchanges show together, in the order the capture holds them.

Each session's answers are compared within one clock (a capture file, one check's transcript),
and only where the order is certain: an answer compared with an earlier one began after that one
had ended. A capture sees one client's traffic, not the whole world: other clients and the
service's timers change the session between two exchanges of it. So no rule here expects a
session to stay as the capture last saw it. What they hold a service to is what no one else's
doing excuses:

- within one branch, changeNumber never goes down (SESSION-CHANGE-NUMBER);
- a version with a higher changeNumber has another ETag (COND-ETAG-CHANGES), and keeps the
  session's correlationId and startTime (CORRELATION-ID-STABLE, SESSION-START-TIME);
- an If-Match the capture had already seen replaced by a newer version is refused
  (COND-IF-MATCH-STALE-412, PROPS-IF-MATCH-412), one it had not is honoured unless the answer
  shows the session changed (COND-IF-MATCH-200), and If-None-Match likewise (GET-304);
- a read that finds nothing answers 204, also under a template the capture saw serve sessions
  (GET-ABSENT-204).

A session the capture saw deleted (a 204 to a PUT, a read finding nothing) starts afresh.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby

from conformance.ledger import NOT_A_VERDICT
from conformance.session import get, timestamp
from conformance.traffic.record import Judged, Record

JUDGES = frozenset(
    {
        "SESSION-CHANGE-NUMBER",
        "COND-ETAG-CHANGES",
        "CORRELATION-ID-STABLE",
        "SESSION-START-TIME",
        "COND-IF-MATCH-STALE-412",
        "PROPS-IF-MATCH-412",
        "COND-IF-MATCH-200",
        "GET-304",
        "GET-ABSENT-204",
    }
)
# Times in a session document may be written to the second (latitude.yaml: time-precision-none).
_SAME_TIME_S = 1.0
# A name a session could have: anything else may be refused as a name before it is looked up.
_PLAIN_NAME = re.compile(r"^[A-Za-z0-9_.~-]{1,100}$")


@dataclass(frozen=True)
class Version:
    """An answer that shows a version of the session: its branch, changeNumber and ETag."""

    record: Record
    branch: str
    number: int
    etag: str | None

    def before(self, other: Record) -> bool:
        return self.record.end <= other.start

    def newer_than(self, other: Version) -> bool:
        """Whether this version came after ``other``: a new branch, or a higher number in its branch."""
        return self.branch != other.branch or self.number > other.number


def _version(record: Record) -> Version | None:
    route, session = record.route, record.session
    if route is None or route.nocommit or session is None or record.method not in ("GET", "PUT"):
        return None  # a nocommit answer shows a version that was never stored
    if record.status not in (200, 201, 412):
        return None
    branch, number = session.get("branch"), session.get("changeNumber")
    if not isinstance(branch, str) or not isinstance(number, int) or isinstance(number, bool):
        return None
    tag = record.response_header("ETag") or None
    if record.status == 412 and tag == record.request_header("If-Match"):
        tag = None  # a 412 naming the tag it refused: its ETag says nothing of this version
    return Version(record, branch, number, tag)


def _gone(record: Record) -> bool:
    """The exchange says the session is no longer there."""
    if record.method == "PUT":
        return record.status == 204
    return record.method == "GET" and record.status in (204, 404)


class _Session:
    """One session's exchanges within one clock, in order."""

    def __init__(self, records: list[Record]) -> None:
        self.records = records
        self.versions = [v for r in records if (v := _version(r)) is not None]
        self.deletions = [r for r in records if _gone(r)]

    def deleted_between(self, first: Record, then: Record) -> bool:
        return any(first.end <= d.start and d.end <= then.start for d in self.deletions)

    def earlier(self, record: Record) -> list[Version]:
        """The versions shown before ``record`` was sent, since the session last went away."""
        return [v for v in self.versions if v.before(record) and not self.deleted_between(v.record, record)]

    def judge(self) -> Iterator[Judged]:
        for version in self.versions:
            yield from self._versions(version)
        for record in self.records:
            if record.status is not None and record.status not in NOT_A_VERDICT:
                yield from self._condition(record)

    def _versions(self, version: Version) -> Iterator[Judged]:
        record = version.record
        earlier = [v for v in self.earlier(record) if v.branch == version.branch]
        if not earlier:
            return
        back = [v for v in earlier if v.number > version.number]
        if back:
            top = max(back, key=lambda v: v.number)
            problem = f"changeNumber {version.number} after {top.number} in branch {version.branch}"
            yield Judged("SESSION-CHANGE-NUMBER", record, problem, (top.record,))
        else:
            yield Judged("SESSION-CHANGE-NUMBER", record, shown=(earlier[-1].record,))
        older = [v for v in earlier if v.number < version.number]
        if older and version.etag:
            tagged = [v for v in older if v.etag]
            same = [v for v in tagged if v.etag == version.etag]
            if same:
                problem = f"changeNumber {same[-1].number} -> {version.number} kept the ETag {version.etag}"
                yield Judged("COND-ETAG-CHANGES", record, problem, (same[-1].record,))
            elif tagged:
                yield Judged("COND-ETAG-CHANGES", record, shown=(tagged[-1].record,))
        since = [v for v in earlier if v.number <= version.number]
        if since:
            yield from _kept_values(version, since[-1])

    def _condition(self, record: Record) -> Iterator[Judged]:
        """An If-Match or If-None-Match answer against the ETags the capture had shown before it."""
        header = {"PUT": "If-Match", "GET": "If-None-Match"}.get(record.method)
        tag = record.request_header(header) if header else None
        if not tag or tag == "*" or "," in tag:
            return
        shown = [v for v in self.earlier(record) if v.etag == tag]
        last = max(shown, key=lambda v: v.record.end) if shown else None
        if record.method == "PUT" and record.status == 412 and record.response_header("ETag") == tag:
            yield from self._refused_naming(record, tag, last)
            return
        if last is None:
            return  # a tag the capture never showed: nothing to compare with
        newer = [v for v in self.earlier(record) if v.record.start >= last.record.end and v.newer_than(last)]
        status, where = record.status or 0, f"changeNumber {last.number}"
        if record.method == "GET":
            if newer and status == 304:
                problem = f"304 for If-None-Match {tag}, although a newer version had been shown"
                yield Judged("GET-304", record, problem, (last.record, newer[-1].record))
            elif (newer and status == 200) or (not newer and status == 304):
                yield Judged("GET-304", record, shown=(last.record,))
            return
        assert record.route is not None
        stale = "PROPS-IF-MATCH-412" if record.route.properties else "COND-IF-MATCH-STALE-412"
        if newer and 200 <= status < 300:
            problem = (
                f"accepted If-Match {tag} ({where}), although changeNumber {newer[-1].number} had been shown"
            )
            yield Judged(stale, record, problem, (last.record, newer[-1].record))
        elif newer and status == 412:
            yield Judged(stale, record, shown=(last.record, newer[-1].record))
        elif not newer and 200 <= status < 300:
            yield Judged("COND-IF-MATCH-200", record, shown=(last.record,))
        elif not newer and status == 412 and self._refused_its_own(record, last):
            problem = f"412 to If-Match {tag}, while its answer shows that same version ({where})"
            yield Judged("COND-IF-MATCH-200", record, problem, (last.record,))

    @staticmethod
    def _refused_naming(record: Record, tag: str, last: Version | None) -> Iterator[Judged]:
        """A 412 whose ETag is the very tag it refused contradicts itself: either it refused the
        current ETag, or it names a stale one as current. The capture tells which, when it showed
        the tag with an older version than the 412 carries; a weak tag never matches If-Match."""
        refused = _version(record)
        assert record.route is not None
        if last is not None and refused is not None and refused.newer_than(last):
            if not record.route.properties:
                problem = f"412 names the refused tag {tag} as the ETag of changeNumber {refused.number}"
                yield Judged("COND-IF-MATCH-STALE-412", record, problem, (last.record,))
        elif not tag.startswith("W/"):
            shown = (last.record,) if last is not None else ()
            yield Judged(
                "COND-IF-MATCH-200", record, f"412 to If-Match {tag}, which it names as current", shown
            )

    @staticmethod
    def _refused_its_own(record: Record, last: Version) -> bool:
        """A 412 whose session is the very version the If-Match tag was shown with, asked in the
        same contract version (a service may tag each rendering of a version apart)."""
        refused = _version(record)
        return (
            refused is not None
            and (refused.branch, refused.number) == (last.branch, last.number)
            and record.request_header("X-Xbl-Contract-Version")
            == last.record.request_header("X-Xbl-Contract-Version")
        )


def _kept_values(version: Version, before: Version) -> Iterator[Judged]:
    """correlationId and startTime stay what the session had before (J1)."""
    now, then = version.record.session, before.record.session
    ids = (get(now, "correlationId"), get(then, "correlationId"))
    if all(isinstance(i, str) and i for i in ids):
        problem = None if ids[0] == ids[1] else f"correlationId {ids[1]} became {ids[0]}"
        yield Judged("CORRELATION-ID-STABLE", version.record, problem, (before.record,))
    times = (timestamp(get(now, "startTime")), timestamp(get(then, "startTime")))
    if times[0] is not None and times[1] is not None:
        moved = abs(times[0] - times[1]) > _SAME_TIME_S
        problem = f"startTime {get(then, 'startTime')} became {get(now, 'startTime')}" if moved else None
        yield Judged("SESSION-START-TIME", version.record, problem, (before.record,))


def _absent(records: list[Record]) -> Iterator[Judged]:
    """A read answered 404 under a template the capture saw serve sessions: the session is simply
    not there, and C1 and S2 say 204 for that."""
    serving = {r.route.template_key for r in records if r.route and r.status in (200, 201) and r.session}
    for record in records:
        route = record.route
        if (
            route is not None
            and record.method == "GET"
            and record.status == 404
            and not route.properties
            and route.template_key in serving
            and _PLAIN_NAME.match(route.name)
        ):
            problem = (
                f"404 for a session that is not there, under template {route.template} that serves others"
            )
            yield Judged("GET-ABSENT-204", record, problem)


def judge(records: list[Record]) -> list[Judged]:
    """Every requirement the capture's sessions keep or break over time."""
    mpsd = sorted((r for r in records if r.route is not None), key=lambda r: (r.clock, r.route.session))
    found: list[Judged] = []
    for _, session in groupby(mpsd, key=lambda r: (r.clock, r.route.session)):  # type: ignore[union-attr]
        found.extend(_Session(sorted(session, key=lambda r: (r.start, r.index))).judge())
    found.extend(_absent(records))
    return found
