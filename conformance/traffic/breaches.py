"""What a request breaks, read from the request alone.

Both sides of a traffic report read these. The client side says the request broke the rule; the
service side asks whether the service refused it, as the ledger says a service must
(CV-REQUIRED, BODY-INVALID-REJECTED, RESERVE-FROM-ZERO, ...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from conformance.session import get
from conformance.spec import is_valid, load_openapi, schema_errors
from conformance.traffic.record import CONTRACT_VERSION, NOT_JSON, Record

ON_BEHALF = "X-Xbl-OnBehalfOf-Users"
_RESERVATION = re.compile(r"^reserve_(\d+)$")


def contract_version(record: Record) -> str | None:
    """Why the request's contract version is none MPSD takes (S1, G1: 104 or later), or None."""
    value = record.request_header(CONTRACT_VERSION)
    if value is None:
        return f"no {CONTRACT_VERSION} header"
    if not value.isdigit():
        return f"{CONTRACT_VERSION}: {value!r}, which is no version number"
    if int(value) < 104:
        return f"{CONTRACT_VERSION}: {value}, below 104"
    return None


@dataclass(frozen=True)
class BodyBreach:
    """How a PUT body breaks the request schema, and the service requirement that refuses it
    (None where no requirement says how: an empty body)."""

    requirement: str | None
    problem: str


@cache
def _session_members() -> frozenset[str]:
    return frozenset(load_openapi()["components"]["schemas"]["SessionRequest"]["properties"])


def body(record: Record) -> BodyBreach | None:
    """How the body of a PUT the capture holds whole breaks the documented request (S1, J2), or None."""
    raw = record.request_body or b""
    if not raw.strip():
        return BodyBreach(None, "an empty body, where a JSON object is due ({} changes nothing)")
    document = record.request_json
    if document is NOT_JSON:
        return BodyBreach("BODY-MALFORMED-400", "a body that is not JSON")
    if not isinstance(document, dict):
        return BodyBreach(
            "BODY-INVALID-REJECTED", f"a JSON {type(document).__name__}, where an object is due"
        )
    properties = record.route is not None and record.route.properties
    if not properties:
        unknown = sorted(set(document) - _session_members())
        if unknown:
            return BodyBreach(
                "BODY-UNKNOWN-KEY", f"top-level member(s) {', '.join(unknown)}, which S1 prohibits"
            )
    schema = "SessionPropertiesRequest" if properties else "SessionRequest"
    if is_valid(schema, document):
        return None
    return BodyBreach("BODY-INVALID-REJECTED", "; ".join(schema_errors(schema, document, limit=3)))


def members(record: Record) -> dict[str, Any]:
    """The request's members object (empty when it has none, or is no object)."""
    document = record.request_json
    found = document.get("members") if isinstance(document, dict) else None
    return found if isinstance(found, dict) else {}


def reservations(record: Record) -> tuple[int, ...]:
    """The numbers of the request's reserve_N keys, in order."""
    return tuple(sorted(int(m[1]) for key in members(record) if (m := _RESERVATION.match(key))))


def reservations_problem(record: Record) -> str | None:
    """Reservations not numbered from 0 in this request (J2), or None."""
    numbers = reservations(record)
    if numbers and numbers[0] != 0:
        return f"reserve_{numbers[0]} without reserve_0 (reservations are numbered from 0 in every request)"
    return None


def ready_and_active(record: Record) -> tuple[bool, str | None]:
    """Whether the request writes a member's ready or active, and the member it makes both (C3, C4)."""
    writes = False
    for key, member in members(record).items():
        system = get(member, "properties.system")
        if not isinstance(system, dict):
            continue
        writes = writes or "ready" in system or "active" in system
        if system.get("ready") is True and system.get("active") is True:
            return True, f"members.{key} ready and active at once"
    return writes, None


def on_behalf(record: Record) -> bool:
    return bool(record.request_header(ON_BEHALF))


def me_on_behalf(record: Record) -> str | None:
    """members.me in a request a service sends for users (S2S: each is me_<xuid> there), or None."""
    if on_behalf(record) and "me" in members(record):
        return f"members.me with {ON_BEHALF} (a service acting for users names each one me_<xuid>)"
    return None


def me_xuid(record: Record) -> str | None:
    """The xuid the request's members.me names as its own, if any."""
    xuid = get(members(record).get("me"), "constants.system.xuid")
    return str(xuid) if xuid is not None else None
