"""The fault catalogue: named, realistic defects the reference service can be told to have.

A suite is only as good as the bugs it catches. Each fault here is one small defect a real
implementation could plausibly ship, switched on per scid, so the suite's self-test can prove that
the requirement IDs in ``breaks`` fail when the fault is on (and, with ``collateral``, which other IDs
may fail with it, and why). The code that honours a fault asks ``faults.on("<name>")`` right where
the defect would live, and only there: a request that asks about a fault is one the fault can change
(the self-test runs a check against a fault only if its requests asked about it; see FaultLog).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Fault:
    name: str
    description: str
    breaks: tuple[str, ...]
    collateral: tuple[str, ...] = ()
    why_collateral: str = ""


_NEEDS_SECOND_MEMBER = (
    "GET-READ",
    "MEMBERS-INDEX-NEXT",
    "MEMBERS-CHAIN",
    "LEAVE-200",
    "MEMBERS-INDEX-USER-403",
    "MEMBERS-INDEX-SERVER-REMOVE",
    "MEMBER-PROPERTIES-OWNER-ONLY",
    "ROLES-MAX-ENFORCED",
)
_READS_BACK_WRITES = (
    "CONCURRENCY-NO-LOST-WRITE",
    "GET-304",
    "MEMBERS-INDEX-SERVER-REMOVE",
    "MEMBERS-INDEX-USER-403",
    "MEMBER-PROPERTIES-OWNER-ONLY",
    "PROPS-IF-MATCH-412",
    "SERVERS-SERVER-WRITE",
)
_READS_BACK_ABSENCE = (
    "PUT-CREATE-EMPTY-204",
    "PUT-NOCOMMIT",
    "LEAVE-LAST-204",
    "PROPS-ABSENT-404",
    "CREATE-INITIATORS-CREATOR",
    "INIT-MEMBERS-NEEDED-400",
    "COND-UPDATE-ONLY-ABSENT-412",
    "BODY-UNKNOWN-KEY",
)

_CATALOGUE = (
    # ---------------------------------------------------------------- create
    Fault(
        "create-200",
        "a create answers 200 instead of 201",
        ("PUT-CREATE-201",),
        ("COND-CREATE-ONLY-201",),
        "a create-only write is a create too, so it also answers 200",
    ),
    Fault(
        "no-etag",
        "no ETag header on any response",
        ("ETAG-PRESENT",),
        (
            "COND-ETAG-CHANGES",
            "COND-IF-MATCH-200",
            "COND-IF-MATCH-STALE-412",
            "CONCURRENCY-ONE-WINNER",
            "GET-304",
            "PROPS-IF-MATCH-412",
        ),
        "conditional checks take the ETag from a response; without one they cannot build their request",
    ),
    Fault(
        "timestamps-as-numbers",
        "startTime and joinTime rendered as epoch integers instead of ISO 8601 strings",
        ("SESSION-SCHEMA",),
    ),
    Fault(
        "empty-create-stored",
        "a create that adds no member is stored and answers 201",
        ("PUT-CREATE-EMPTY-204",),
    ),
    Fault(
        "defaults-missing",
        "maxMembersCount and visibility are not filled in when template and creator are silent",
        ("CREATE-DEFAULTS",),
    ),
    Fault(
        "timeout-defaults-wrong",
        "reservedRemovalTimeout defaults to 60000 instead of 30000",
        ("CREATE-TIMEOUT-DEFAULTS",),
    ),
    Fault(
        "max-members-unchecked",
        "maxMembersCount outside 1..100 is accepted on a session without the large capability",
        ("CREATE-MAX-MEMBERS-RANGE",),
    ),
    Fault(
        "initiators-unchecked",
        "a user may create a session whose initiators do not list them",
        ("CREATE-INITIATORS-CREATOR",),
    ),
    Fault(
        "nocommit-ignored",
        "?nocommit=true stores the write anyway",
        ("PUT-NOCOMMIT",),
    ),
    # ---------------------------------------------------------------- update
    Fault(
        "custom-replaced",
        "a properties.custom write replaces the whole custom object instead of merging keys",
        ("PUT-UPDATE-MERGE",),
        ("CONCURRENCY-NO-LOST-WRITE", "PROPS-CUSTOM-NULL-DELETES"),
        "writers of different custom keys replace each other's keys, and deleting one key drops the rest",
    ),
    Fault(
        "empty-put-clears-custom",
        "the zero-delta body {} clears properties.custom",
        ("PUT-UPDATE-EMPTY",),
    ),
    Fault(
        "rejoin-duplicates",
        "a member repeating its join is added a second time",
        ("PUT-IDEMPOTENT",),
    ),
    Fault(
        "correlation-id-changes",
        "every committed change mints a new correlationId",
        ("CORRELATION-ID-STABLE",),
    ),
    # ---------------------------------------------------------------- members
    Fault(
        "join-ignored",
        "a join into an existing session answers 200 but adds nobody",
        ("JOIN-SECOND-USER",),
        _NEEDS_SECOND_MEMBER,
        "every check that needs a second member in the session never gets one",
    ),
    Fault(
        "index-reused",
        "a new member gets index membersInfo.count instead of membersInfo.next",
        ("MEMBERS-INDEX-NEXT",),
        ("MEMBERS-CHAIN",),
        "after a leave, the reused index overwrites a member, so count no longer matches the list",
    ),
    Fault(
        "next-chain-broken",
        "the last member's next points back to the first member",
        ("MEMBERS-CHAIN",),
    ),
    Fault(
        "leave-ignored",
        "members.me: null answers 200 and removes nobody",
        ("LEAVE-200", "LEAVE-LAST-204"),
        ("MEMBERS-INDEX-NEXT",),
        "the check that indices are not reused makes a member leave and come back",
    ),
    Fault(
        "count-not-decremented",
        "membersInfo.count is not decremented when a member is removed",
        ("LEAVE-200", "MEMBERS-CHAIN"),
    ),
    Fault(
        "last-leave-keeps-session",
        "the last member leaving keeps the session (200) although sessionEmptyTimeout is 0",
        ("LEAVE-LAST-204",),
    ),
    Fault(
        "index-writable-by-user",
        "a user principal may write or delete members through their index keys",
        ("MEMBERS-INDEX-USER-403",),
        ("ERR-TEXT-PLAIN",),
        "the 403 that check may inspect never comes",
    ),
    Fault(
        "server-index-delete-ignored",
        "a server principal writing null under a member index removes nobody",
        ("MEMBERS-INDEX-SERVER-REMOVE",),
    ),
    Fault(
        "reservation-overwrites-member",
        "reserve_N naming an existing member overwrites that member's properties",
        ("MEMBER-PROPERTIES-OWNER-ONLY",),
    ),
    Fault(
        "ready-active-allowed",
        "a member may be ready and active at once",
        ("MEMBER-READY-ACTIVE-EXCLUSIVE",),
    ),
    Fault(
        "no-active-title",
        "an active member shows no activeTitleId",
        ("MEMBER-ACTIVE-TITLE",),
    ),
    Fault(
        "sda-without-connectivity",
        "secureDeviceAddress is accepted on a session without the connectivity capability",
        ("MEMBER-SDA-NEEDS-CONNECTIVITY",),
    ),
    Fault(
        "no-device-token",
        "writing secureDeviceAddress gives the member no deviceToken",
        ("MEMBER-SDA-DEVICE-TOKEN",),
        ("MEMBER-MEASUREMENTS-NOT-SELF",),
        "without a device token there is no own-token measurement to refuse",
    ),
    Fault(
        "measurements-self-allowed",
        "measurements may carry an entry for the member's own device token",
        ("MEMBER-MEASUREMENTS-NOT-SELF",),
    ),
    Fault(
        "encounters-echoed",
        "encounters are stored and returned instead of consumed",
        ("MEMBER-ENCOUNTERS-CONSUMED",),
    ),
    Fault(
        "groups-never-cleared",
        "writing groups: [] leaves the old groups in place",
        ("MEMBER-GROUPS-REPLACED",),
    ),
    Fault(
        "member-custom-null-ignored",
        "null for a member custom property leaves the property in place",
        ("MEMBER-CUSTOM-NULL-DELETES",),
    ),
    # ---------------------------------------------------------------- reservations
    Fault(
        "reserved-flag-missing",
        "a reservation is added as an accepted member, without reserved: true",
        ("RESERVE-ADD",),
        ("RESERVE-ACCEPT", "TIMER-EXPIRES-HEADER"),
        "accepting a reservation that was never marked adds nothing to accepted, and no reservation "
        "timer starts, so there is no nextTimer to compare",
    ),
    Fault(
        "reserved-flag-never-cleared",
        "a reserved user's members.me write leaves reserved: true",
        ("RESERVE-ACCEPT",),
        ("VIS-RESERVED-JOIN", "JOIN-CLOSED"),
        "those checks expect the reserved user to become an accepted member",
    ),
    Fault(
        "reservations-reversed",
        "reserve_0, reserve_1, ... are appended in reverse order",
        ("RESERVE-ORDER",),
    ),
    Fault(
        "reserve-gaps-accepted",
        "reservation keys need not start at reserve_0 or be contiguous",
        ("RESERVE-FROM-ZERO",),
    ),
    # ---------------------------------------------------------------- properties sub-resource
    Fault(
        "props-missing-creates",
        "PUT .../properties on a missing session acts as a session PUT instead of answering 404",
        ("PROPS-ABSENT-404",),
        ("ERR-TEXT-PLAIN",),
        "the 404 that check may inspect never comes",
    ),
    Fault(
        "props-replace-system",
        "PUT .../properties replaces properties.system whole instead of field by field",
        ("PROPS-EQUIVALENT",),
    ),
    Fault(
        "props-if-match-ignored",
        "PUT .../properties ignores If-Match",
        ("PROPS-IF-MATCH-412",),
    ),
    Fault(
        "custom-null-ignored",
        "null for a session custom property leaves the property in place",
        ("PROPS-CUSTOM-NULL-DELETES",),
    ),
    Fault(
        "keywords-appended",
        "a keywords write is appended to the stored keywords instead of replacing them",
        ("PROPS-SYSTEM-ARRAY-REPLACED",),
    ),
    Fault(
        "keywords-on-private",
        "keywords are accepted on a private session",
        ("PROPS-KEYWORDS-NOT-PRIVATE",),
    ),
    Fault(
        "host-unchecked",
        "a host that matches no member's device token is kept",
        ("PROPS-HOST-UNKNOWN-DROPPED",),
    ),
    # ---------------------------------------------------------------- constants and initialization
    Fault(
        "constants-mutable",
        "a later write may change a constant",
        ("CONST-IMMUTABLE-409",),
        ("ERR-TEXT-PLAIN",),
        "the 409 that check may inspect never comes",
    ),
    Fault(
        "members-needed-unchecked",
        "memberInitialization creates need no initialize:true members",
        ("INIT-MEMBERS-NEEDED-400",),
    ),
    Fault(
        "no-initializing",
        "a session with memberInitialization shows no initializing stage and no episodes",
        ("INIT-STAGE",),
    ),
    Fault(
        "init-succeeded-accepted",
        "initializationSucceeded is accepted outside the evaluating stage",
        ("INIT-SUCCEEDED-OUTSIDE-EVALUATING",),
    ),
    # ---------------------------------------------------------------- conditional writes
    Fault(
        "if-none-match-ignored",
        "If-None-Match: * on an existing session updates it",
        ("COND-CREATE-ONLY-EXISTS-412",),
    ),
    Fault(
        "create-only-refused",
        "If-None-Match: * on a missing session answers 412",
        ("COND-CREATE-ONLY-201",),
    ),
    Fault(
        "if-match-ignored",
        "a session PUT ignores an If-Match ETag",
        ("COND-IF-MATCH-STALE-412", "CONCURRENCY-ONE-WINNER"),
    ),
    Fault(
        "if-match-current-refused",
        "If-Match with the current ETag answers 412",
        ("COND-IF-MATCH-200",),
        ("CONCURRENCY-ONE-WINNER",),
        "no racer can win when the current ETag is refused",
    ),
    Fault(
        "etag-constant",
        "the ETag never changes after the create",
        (
            "COND-ETAG-CHANGES",
            "COND-IF-MATCH-STALE-412",
            "CONCURRENCY-ONE-WINNER",
            "GET-304",
            "PROPS-IF-MATCH-412",
        ),
    ),
    Fault(
        "412-without-body",
        "a stale If-Match answers 412 without the current session",
        ("COND-IF-MATCH-STALE-412",),
    ),
    Fault(
        "if-match-star-creates",
        "If-Match: * on a missing session creates it",
        ("COND-UPDATE-ONLY-ABSENT-412",),
    ),
    Fault(
        "if-match-star-refused",
        "If-Match: * on an existing session answers 412",
        ("COND-UPDATE-ONLY-200",),
    ),
    Fault(
        "racy-if-match",
        "the If-Match check and the write run in separate transactions",
        ("CONCURRENCY-ONE-WINNER",),
    ),
    Fault(
        "racy-merge",
        "an unconditional write merges into a copy read earlier and stores the whole document",
        ("CONCURRENCY-NO-LOST-WRITE",),
    ),
    # ---------------------------------------------------------------- read
    Fault(
        "legacy-read-lost",
        "a GET in contract 104 does not find the session (its read path looks in the wrong place): 204",
        ("GET-READ",),
    ),
    Fault(
        "stale-read",
        "GET serves the session as it was when created (a read cache never invalidated)",
        ("GET-READ",),
        _READS_BACK_WRITES,
        "checks that confirm a later write by reading the session back see the creation copy (and its ETag)",
    ),
    Fault(
        "get-absent-404",
        "GET of a missing session answers 404 instead of 204",
        ("GET-ABSENT-204",),
        _READS_BACK_ABSENCE,
        "checks that confirm nothing was stored read the session back and expect 204",
    ),
    Fault(
        "if-none-match-get-ignored",
        "GET ignores If-None-Match",
        ("GET-304",),
    ),
    # ---------------------------------------------------------------- errors and transport
    Fault(
        "unknown-keys-accepted",
        "unknown top-level body members are ignored instead of rejected",
        ("BODY-UNKNOWN-KEY",),
    ),
    Fault(
        "malformed-json-500",
        "a body that is not valid JSON crashes the handler (500)",
        ("BODY-MALFORMED-400", "SRV-NO-5XX"),
        ("ERR-TEXT-PLAIN",),
        "the 400 that check may inspect becomes a 500",
    ),
    Fault(
        "error-bodies-json",
        'error answers carry application/json {"error": ...} instead of text/plain',
        ("ERR-TEXT-PLAIN",),
    ),
    Fault(
        "system-types-unchecked",
        'wrongly typed system fields (e.g. closed: "yes") are accepted and stored',
        ("BODY-INVALID-REJECTED",),
    ),
    Fault(
        "wrong-types-500",
        "a wrongly typed system field reaches code that trusts its type (500)",
        ("SRV-NO-5XX",),
        ("BODY-INVALID-REJECTED",),
        "a wrongly typed system field is answered 500, which does not reject it either",
    ),
    Fault(
        "wrong-method-404",
        "a wrong verb on a session URI answers 404 instead of 405",
        ("METHOD-405",),
        ("ERR-TEXT-PLAIN",),
        "the 405 whose body that check inspects never comes",
    ),
    Fault(
        "unknown-template-accepted",
        "a session template that is not configured is served as an empty one",
        ("URI-UNKNOWN-TEMPLATE-404",),
        ("ERR-TEXT-PLAIN",),
        "that check may use the unknown-template 404 as its example",
    ),
    Fault(
        "camelcase-path-404",
        "the official client's /sessionTemplates/ spelling answers 404",
        ("PATH-TEMPLATES-CAMELCASE",),
    ),
    # ---------------------------------------------------------------- visibility and joinability
    Fault(
        "open-write-refused",
        "a non-member may not write an open session without joining",
        ("VIS-OPEN-WRITE",),
    ),
    Fault(
        "private-as-open",
        "a private session is readable and joinable by everyone",
        ("VIS-PRIVATE-403",),
    ),
    Fault(
        "visible-unreadable",
        "a visible session is readable by members only",
        ("VIS-VISIBLE-READ",),
    ),
    Fault(
        "visible-joinable",
        "a visible session may be joined without a reservation",
        ("VIS-VISIBLE-JOIN",),
    ),
    Fault(
        "reservation-not-honoured",
        "a reserved user cannot join a private session",
        ("VIS-RESERVED-JOIN",),
    ),
    Fault(
        "closed-ignored",
        "properties.system.closed does not stop new joins",
        ("JOIN-CLOSED",),
    ),
    Fault(
        "full-joinable",
        "a join into a session at maxMembersCount is accepted",
        ("JOIN-FULL",),
    ),
    Fault(
        "user-auth-style-ignored",
        "userAuthorizationStyle does not make joinRestriction and readRestriction default to local",
        ("CAP-USER-AUTH-STYLE",),
    ),
    # ---------------------------------------------------------------- roles and servers
    Fault(
        "role-max-ignored",
        "a role may hold more members than its max",
        ("ROLES-MAX-ENFORCED",),
    ),
    Fault(
        "servers-writable-by-user",
        "a user principal may write servers",
        ("SERVERS-USER-403",),
    ),
    Fault(
        "server-null-ignored",
        "servers.<name>: null removes nothing",
        ("SERVERS-SERVER-WRITE",),
    ),
    # ---------------------------------------------------------------- contract versions and timers
    Fault(
        "contract-version-ignored",
        "the session is always rendered in contract 107, whatever the request's version",
        ("CV-ECHO", "CV-LEGACY-RENDERING"),
    ),
    Fault(
        "legacy-rendering-missing",
        "a 104/105 request gets its version echoed but the 107 field names",
        ("CV-LEGACY-RENDERING",),
    ),
    Fault(
        "expires-missing",
        "no Expires header while a timer is pending",
        ("TIMER-EXPIRES-HEADER",),
    ),
)

FAULTS: Mapping[str, Fault] = MappingProxyType({fault.name: fault for fault in _CATALOGUE})


@dataclass(frozen=True)
class FaultSet:
    """The faults switched on for one request."""

    names: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        unknown = sorted(self.names - FAULTS.keys())
        if unknown:
            raise ValueError(f"unknown fault(s) {unknown}; see --list-faults")

    @classmethod
    def of(cls, names: Iterable[str]) -> FaultSet:
        return cls(frozenset(names))

    def on(self, name: str) -> bool:
        # A misspelt name at a call site would silently never fire; fail loudly instead.
        if name not in FAULTS:
            raise KeyError(f"no fault named {name!r} in the catalogue")
        asked = _asked.get()
        if asked is not None:
            asked.add(name)
        return name in self.names


NO_FAULTS = FaultSet()

# The faults the current request asked about, while a FaultLog is listening (see FaultLog).
_asked: ContextVar[set[str] | None] = ContextVar("asked_faults", default=None)


class FaultLog:
    """Which faults the requests on each session *asked* about, whether or not they were on.

    A fault can only change an answer where the code asks ``on(name)``. So a check whose requests
    never asked about a fault, served by a clean reference, gets the very same answers with that
    fault on: the self-test need not run it there (it would give the clean verdict). Keyed by the
    session name in the request path ("" when there is none).
    """

    def __init__(self) -> None:
        self.by_session: dict[str, set[str]] = {}
        self._lock = threading.Lock()

    @contextmanager
    def listening(self, session: str) -> Iterator[None]:
        asked: set[str] = set()
        token = _asked.set(asked)
        try:
            yield
        finally:
            _asked.reset(token)
            with self._lock:
                self.by_session.setdefault(session, set()).update(asked)
