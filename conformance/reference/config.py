"""What one reference service serves: identities, scids, templates, faults, storage, incidental choices.

``ReferenceConfig.from_target`` reads the same ``target.toml`` the suite reads, so one file drives
both sides: the suite's users and server principal are exactly the identities the reference knows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

from conformance.config import DEFAULT_SCID, Target, User
from conformance.ratelimit import RateLimit
from conformance.reference.faults import FaultLog, FaultSet
from conformance.reference.model import SERVER, Principal

DEFAULT_TITLE_ID = "1297290208"
# Local-development identities, printed by ``serve`` at startup: not secrets, only names.
DEFAULT_USERS = (
    User("2814000000000001", "XBL3.0 x=reference-user-1;dev-token-1"),
    User("2814000000000002", "XBL3.0 x=reference-user-2;dev-token-2"),
    User("2814000000000003", "XBL3.0 x=reference-user-3;dev-token-3"),
)
DEFAULT_SERVER_AUTHORIZATION = "XBL3.0 x=-;reference-server-token"


@dataclass(frozen=True)
class Template:
    """A session template: the constants it fixes (a creator may add keys, never change these)."""

    name: str
    constants: Mapping[str, Any] = field(default_factory=lambda: {"system": {}, "custom": {}})


BUILTIN_TEMPLATES: Mapping[str, Template] = MappingProxyType(
    {
        # Fixes nothing: visibility, maxMembersCount and timeouts are the creator's (or the defaults).
        "conformance": Template("conformance"),
        # Like the seed page's example template.
        "quick": Template("quick", {"system": {"maxMembersCount": 8, "visibility": "open"}, "custom": {}}),
    }
)


@dataclass(frozen=True)
class Variant:
    """Choices the documents leave a conformant service; each is a latitude of
    ``conformance/latitude.yaml``, which names its source, and the suite must pass every one."""

    # Member indices: where they start and how far apart (they only have to grow, J1).
    first_index: int = 0
    index_stride: int = 1
    # ETags are opaque (C1): bare, quoted, or weak.
    etag_quoted: bool = False
    etag_weak: bool = False
    # Media types: application/json with a charset, text/plain without one, either in upper case
    # (type, subtype and parameter names are case-insensitive, RFC 9110 §8.3.1).
    json_charset: bool = False
    bare_text_type: bool = False
    upper_case_types: bool = False
    extra_fields: bool = False
    title_case_headers: bool = False
    # JSON object keys, members among them, in the reverse of the reference's order.
    reversed_keys: bool = False
    # Timestamps: fractional-second digits (0 to 7) and the UTC designator (Z or +00:00).
    time_digits: int = 6
    time_offset: bool = False
    # correlationId and branch as upper-case GUIDs.
    upper_guids: bool = False
    # HTTP's answer for a method the server does not implement (RFC 9110 §15.6.2), instead of 405.
    unknown_method_501: bool = False
    # A nocommit answer stored nothing; no ETag is as right as one.
    nocommit_etag: bool = True
    # An empty or blank If-Match / If-None-Match read as absent (instead of as matching nothing).
    empty_conditions_absent: bool = False
    # The body of an error whose media type no document names (401, 406, 412 on a missing
    # session, 413, 415, 501): "" the reference's (empty 412, text elsewhere), "text", "json".
    error_bodies: str = ""
    # Refusals the documents name no status for answered with this 4xx instead of 400 (0: 400).
    refusal_status: int = 0
    # Reasons as the bare HTTP phrase ("Bad Request") instead of the reference's sentences.
    terse_reasons: bool = False
    # Bodies sent chunked (no Content-Length), or gzip-encoded when the caller accepts it.
    chunked: bool = False
    gzip: bool = False
    # Timers processed at this granularity (seconds; 0: exactly at the deadline), nextTimer naming
    # the instant the service will act.
    timer_granularity_s: int = 0

    def __post_init__(self) -> None:
        if self.first_index < 0 or self.index_stride < 1:
            raise ValueError("member indices start at 0 or later and grow by 1 or more")
        if not 0 <= self.time_digits <= 7:
            raise ValueError("time_digits must be 0 to 7")
        if self.error_bodies not in ("", "text", "json"):
            raise ValueError("error_bodies must be '', 'text' or 'json'")
        if self.timer_granularity_s < 0:
            raise ValueError("timer_granularity_s must be 0 or more")


OPTIONS = tuple(f.name for f in fields(Variant))


class _NotedVariant(Variant):
    """A variant whose every option read is noted in a fault log (``noting_reads``)."""

    def __init__(self, variant: Variant, log: FaultLog) -> None:
        for name in OPTIONS:
            object.__setattr__(self, name, getattr(variant, name))
        object.__setattr__(self, "_log", log)

    def __getattribute__(self, name: str) -> Any:
        if name in OPTIONS:
            object.__getattribute__(self, "_log").note(name)
        return object.__getattribute__(self, name)


def noting_reads(variant: Variant, log: FaultLog) -> Variant:
    """``variant`` as it is, with each of its options read noted in ``log``, under the request that
    read it: the self-test runs a latitude's variant only against the checks whose requests read an
    option that variant changes. Every read is noted, wherever the code reads it."""
    return _NotedVariant(variant, log)


@dataclass(frozen=True)
class ReferenceConfig:
    users: tuple[User, ...] = DEFAULT_USERS
    server_authorization: str | None = field(default=DEFAULT_SERVER_AUTHORIZATION, repr=False)
    scids: tuple[str, ...] = (DEFAULT_SCID,)
    templates: Mapping[str, Template] = field(default_factory=lambda: BUILTIN_TEMPLATES)
    faults: frozenset[str] = frozenset()
    # A scid listed here is served with its own fault set instead of ``faults``: one server can
    # host many differently broken tenants (the suite's self-test runs against it).
    scid_faults: Mapping[str, frozenset[str]] = field(default_factory=dict)
    db: Path | None = None
    title_id: str = DEFAULT_TITLE_ID
    variant: Variant = Variant()
    # Throttle callers as MPSD does (G5): every scid, or only the scids listed in scid_rate_limits.
    rate_limits: tuple[RateLimit, ...] = ()
    scid_rate_limits: Mapping[str, tuple[RateLimit, ...]] = field(default_factory=dict)
    # Shed load as MPSD does (C1): past this many calls per window to a scid, from anyone, 503.
    capacity: tuple[RateLimit, ...] = ()
    scid_capacity: Mapping[str, tuple[RateLimit, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Unknown fault names fail here, when the service is configured, not at the first request.
        for names in (self.faults, *self.scid_faults.values()):
            FaultSet.of(names)
        if not re.fullmatch(r"[0-9]+", self.title_id):
            raise ValueError(f"title_id must be a decimal string, got {self.title_id!r}")

    @classmethod
    def from_target(
        cls,
        target: Target,
        *,
        faults: Iterable[str] = (),
        scid_faults: Mapping[str, frozenset[str]] | None = None,
        db: Path | None = None,
        variant: Variant = Variant(),
        rate_limits: tuple[RateLimit, ...] = (),
        scid_rate_limits: Mapping[str, tuple[RateLimit, ...]] | None = None,
        scid_capacity: Mapping[str, tuple[RateLimit, ...]] | None = None,
    ) -> ReferenceConfig:
        """Serve the target's scid and template, to its users and server principal."""
        templates = {target.template.lower(): Template(target.template), **BUILTIN_TEMPLATES}
        return cls(
            users=target.users,
            server_authorization=target.server_authorization,
            scids=(target.scid,),
            templates=templates,
            faults=frozenset(faults),
            scid_faults=dict(scid_faults or {}),
            db=db,
            variant=variant,
            rate_limits=rate_limits,
            scid_rate_limits=dict(scid_rate_limits or {}),
            scid_capacity=dict(scid_capacity or {}),
        )

    @cached_property
    def identities(self) -> Mapping[str, Principal]:
        """Authorization header value -> principal; the value is looked up verbatim, never shown."""
        table = {user.authorization: Principal(user.xuid, device=user.device) for user in self.users}
        if self.server_authorization:
            table[self.server_authorization] = SERVER
        return table

    # Identity compares case-insensitively (C3, X7), so lookups go through lower-cased tables.
    @cached_property
    def _templates_by_name(self) -> Mapping[str, Template]:
        return {name.lower(): template for name, template in self.templates.items()}

    @cached_property
    def _default_faults(self) -> FaultSet:
        return FaultSet.of(self.faults)

    @cached_property
    def _fault_sets(self) -> Mapping[str, FaultSet]:
        return {scid.lower(): FaultSet.of(names) for scid, names in self.scid_faults.items()}

    @cached_property
    def _served(self) -> frozenset[str]:
        return (
            frozenset(scid.lower() for scid in self.scids)
            | self._fault_sets.keys()
            | self._scid_limits.keys()
            | self._scid_capacity.keys()
        )

    def serves(self, scid: str) -> bool:
        return scid.lower() in self._served

    def template(self, name: str) -> Template | None:
        return self._templates_by_name.get(name.lower())

    def limits_for(self, scid: str | None) -> tuple[RateLimit, ...]:
        return self._scid_limits.get(scid.lower(), self.rate_limits) if scid else self.rate_limits

    def capacity_for(self, scid: str | None) -> tuple[RateLimit, ...]:
        return self._scid_capacity.get(scid.lower(), self.capacity) if scid else self.capacity

    @cached_property
    def _scid_limits(self) -> Mapping[str, tuple[RateLimit, ...]]:
        return _lower_keys(self.scid_rate_limits)

    @cached_property
    def _scid_capacity(self) -> Mapping[str, tuple[RateLimit, ...]]:
        return _lower_keys(self.scid_capacity)

    def faults_for(self, scid: str | None) -> FaultSet:
        if scid is None:
            return self._default_faults
        return self._fault_sets.get(scid.lower(), self._default_faults)


def _lower_keys(table: Mapping[str, tuple[RateLimit, ...]]) -> Mapping[str, tuple[RateLimit, ...]]:
    """Scids compare case-insensitively, so per-scid tables are looked up lower-cased."""
    return {scid.lower(): limits for scid, limits in table.items()}
