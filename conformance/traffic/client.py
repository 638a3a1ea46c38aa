"""The client side: the rules a request to MPSD must keep, and which requests of a capture break them.

The ledger states what a service must do, many of its entries by saying what it must refuse. A
game team needs the other half: which of its own requests the documents forbid. Each rule here is
that half of a documented statement, in the client's words, with the same sources; its ``why``
names the ledger requirement that holds the service to refusing such a request. A report lists
these apart from the ledger's (``RunResult.client``): a vendor fixes the service, a game team
its client.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator

from conformance.ledger import Requirement
from conformance.traffic import breaches
from conformance.traffic.record import Judged, Record

AREA = "client"


def _rule(rule_id: str, statement: str, expected: str, source: tuple[str, ...], why: str) -> Requirement:
    return Requirement(rule_id, "MUST", AREA, statement, expected, source, why=why)


VERSION = _rule(
    "CLIENT-CONTRACT-VERSION",
    "Every request to MPSD names its contract version, 104 or later, in X-Xbl-Contract-Version.",
    "an X-Xbl-Contract-Version header with a number of at least 104 on every request",
    ("S1", "G1"),
    "S1 and G1 require the header on every request; the service refuses a request without it (CV-REQUIRED).",
)
BODY = _rule(
    "CLIENT-BODY-SCHEMA",
    "A session PUT sends a JSON object made of the documented members only ({} for a write that "
    "changes nothing).",
    "a JSON object valid against SessionRequest (SessionPropertiesRequest for .../properties)",
    ("S1", "J2", "C2"),
    "S1 and J2 document the body and prohibit other members; the service refuses one that breaks them "
    "(BODY-MALFORMED-400, BODY-UNKNOWN-KEY, BODY-INVALID-REJECTED).",
)
ME_IS_SELF = _rule(
    "CLIENT-ME-IS-SELF",
    "A caller names only itself under members.me: one credential never writes two xuids there.",
    "every members.me write of one caller names the same xuid",
    ("C4", "C9", "J2"),
    "C4 and C9: joining on behalf of another user is not allowed (JOIN-AS-SELF-ONLY holds the service "
    "to it). A capture does not say whose a credential is, so a caller that names two xuids is caught.",
)
ON_BEHALF = _rule(
    "CLIENT-ME-ON-BEHALF",
    "A service acting for users (X-Xbl-OnBehalfOf-Users) names each of them me_<xuid>, never me.",
    "no members.me in a request with X-Xbl-OnBehalfOf-Users",
    ("S2S",),
    "The service-to-service page documents the rule; the service refuses such a write (S2S-ME-REJECTED).",
)
RESERVATIONS = _rule(
    "CLIENT-RESERVE-FROM-ZERO",
    "Reservations are numbered from reserve_0 in every request.",
    "a request with reserve_N keys has reserve_0",
    ("J2",),
    "J2 documents the numbering; the service refuses reserve_1 without reserve_0 (RESERVE-FROM-ZERO).",
)
READY_ACTIVE = _rule(
    "CLIENT-READY-ACTIVE",
    "A member is never written ready and active at once.",
    "no member write with both ready and active true",
    ("C3", "C4"),
    "C3 and C4 document the exclusion; the service refuses the write (MEMBER-READY-ACTIVE-EXCLUSIVE).",
)
RULES: tuple[Requirement, ...] = (VERSION, BODY, ME_IS_SELF, ON_BEHALF, RESERVATIONS, READY_ACTIVE)


def _judged(rule: Requirement, record: Record, problem: str | None) -> Judged:
    return Judged(rule.id, record, problem)


def requests(record: Record) -> Iterator[Judged]:
    """What one request keeps or breaks by itself (a request the service never answered too)."""
    if record.method == "OPTIONS":
        return  # a browser's preflight carries no header of the request it asks about
    yield _judged(VERSION, record, breaches.contract_version(record))
    if record.method != "PUT" or record.request_body is None:
        return
    breach = breaches.body(record)
    yield _judged(BODY, record, None if breach is None else breach.problem)
    if breaches.reservations(record):
        yield _judged(RESERVATIONS, record, breaches.reservations_problem(record))
    writes, both = breaches.ready_and_active(record)
    if writes:
        yield _judged(READY_ACTIVE, record, both)
    if breaches.on_behalf(record):
        yield _judged(ON_BEHALF, record, breaches.me_on_behalf(record))


def callers(records: list[Record]) -> Iterator[Judged]:
    """One caller, one xuid under members.me, over the whole capture. The xuid a caller names most
    is taken for its own; a write naming another breaks the rule (all of them, on a tie)."""
    named: dict[str, Counter[str]] = defaultdict(Counter)
    first: dict[tuple[str, str], Record] = {}
    writes = []
    for record in records:
        xuid = breaches.me_xuid(record) if record.caller and record.method == "PUT" else None
        if record.caller and xuid is not None:
            named[record.caller][xuid] += 1
            first.setdefault((record.caller, xuid), record)
            writes.append((record, record.caller, xuid))
    for record, caller, xuid in writes:
        (own, most), *rest = named[caller].most_common()
        if xuid == own and not any(n == most for _, n in rest):
            yield _judged(ME_IS_SELF, record, None)
            continue
        other = next(x for x in named[caller] if x != xuid)
        problem = f"{caller} names xuid {xuid} under members.me, and {other} in its other writes"
        yield Judged(ME_IS_SELF.id, record, problem, (first[(caller, other)],))


def judge(records: list[Record]) -> list[Judged]:
    """Every client rule the capture's MPSD requests keep or break."""
    mpsd = [r for r in records if r.route is not None]
    return [*(found for record in mpsd for found in requests(record)), *callers(mpsd)]
