"""Values shared by the merge rules, the service and the HTTP layer.

The stored session is plain JSON (a ``dict``) in the 107 form, with times as epoch seconds and
only the facts that cannot be derived (``membersInfo`` keeps ``next`` and ``count``; ``first``,
``accepted`` and ``active`` are computed when rendering). Keeping it plain JSON lets the store
persist it as-is and the merge rules stay simple functions over data.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from conformance.reference.faults import NO_FAULTS, FaultSet

Doc = dict[str, Any]

# Effective values when neither the template nor the creator sets a constant (C4, C5, C6).
DEFAULT_SYSTEM_CONSTANTS: dict[str, Any] = {
    "version": 1,
    "maxMembersCount": 100,
    "visibility": "open",
    "reservedRemovalTimeout": 30000,
    "inactiveRemovalTimeout": 0,
    "readyRemovalTimeout": 180000,
    "sessionEmptyTimeout": 0,
}


class RequestError(Exception):
    """A request the service refuses; ``reason`` is the one-line text the caller sees.

    ``named``: the documents name this refusal's status (C1's 400 for malformed JSON, its example
    of too few members to start); any other 400 is the reference's choice among the 4xx, which
    the refusal-status latitude changes."""

    def __init__(self, status: int, reason: str, *, named: bool = False) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.named = named


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user (with an xuid) or the server principal (``xuid`` None).

    A server may act for users (S2S: ``X-Xbl-OnBehalfOf-Users``), then with their permissions
    checked as usual if it also sends ``X-Xbl-Deny-Scope: Multiplayer.Manage`` (``deny_scope``).
    """

    xuid: str | None
    acting_for: tuple[str, ...] = ()
    deny_scope: bool = False
    # The device of the caller's token (joinRestriction local; C4, C7).
    device: str | None = None

    @property
    def is_server(self) -> bool:
        return self.xuid is None


SERVER = Principal(None)


@dataclass(frozen=True)
class WriteContext:
    """Everything a write's merge rules may consult besides the session and the body."""

    principal: Principal
    now: float
    faults: FaultSet = NO_FAULTS
    template_constants: Doc = field(default_factory=lambda: {"system": {}, "custom": {}})
    first_index: int = 0
    index_stride: int = 1
    # Timers acted on every this many seconds (0: at their deadline), Variant.timer_granularity_s.
    timer_granularity_s: int = 0
    properties_route: bool = False
    # The member count the capacity check reads; None: the session's own (racy-capacity reads it
    # before its race window, from a copy other joins have since changed).
    members_seen: int | None = None


@dataclass(frozen=True)
class SessionKey:
    scid: str
    template: str
    name: str

    @property
    def stored(self) -> tuple[str, str, str]:
        """Session identity compares case-insensitively (C3, X7), so it is stored lower-cased."""
        return (self.scid.lower(), self.template.lower(), self.name.lower())


def same_json(left: Any, right: Any) -> bool:
    """JSON equality: unlike ``==``, ``1`` and ``true`` (or ``1`` and ``1.0``) are different values."""
    return json.dumps(left, sort_keys=True) == json.dumps(right, sort_keys=True)


def system_constant(session: Doc, key: str) -> Any:
    """A session system constant as it takes effect: the stored value, else the documented default."""
    return session["constants"]["system"].get(key, DEFAULT_SYSTEM_CONSTANTS.get(key))


def is_large(session: Doc) -> bool:
    """A large session (C8): up to 1,000 members, rendered to each caller as "me" only."""
    return (session["constants"]["system"].get("capabilities") or {}).get("large") is True


def member_index_of(session: Doc, xuid: str | None) -> str | None:
    """The index key of the member (reserved or not) with this xuid."""
    if xuid is None:
        return None
    for index, member in session["members"].items():
        if member["constants"]["system"].get("xuid") == xuid:
            return index
    return None


def ordered_indices(session: Doc) -> list[str]:
    return sorted(session["members"], key=int)


def clone(document: Any) -> Any:
    """An independent copy of a JSON document: a JSON round trip is about twice as fast as
    ``copy.deepcopy`` on session documents, and every write copies one (measured for bench/)."""
    return json.loads(json.dumps(document))


def acts_at(deadline: float, granularity_s: int) -> float:
    """When a service processing its timers every ``granularity_s`` seconds (0: at once) acts on a
    timer ending at ``deadline``: the first tick at or after it."""
    return math.ceil(deadline / granularity_s) * granularity_s if granularity_s else deadline
