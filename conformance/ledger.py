"""The requirement ledger: load it once, check it is well formed, look requirements up by ID."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from conformance.resources import ledger_path, load_yaml

Level = Literal["MUST", "SHOULD", "PROBE"]
LEVELS: tuple[Level, ...] = ("MUST", "SHOULD", "PROBE")
# Capabilities a requirement may need; the runner decides which ones a target has.
CAPABILITIES = frozenset({"server", "users-3", "devices", "large", "s2s", "throttling", "overload"})
# Requirements judged by ``mpsd-conformance load`` from many players at once; ``run`` reports them
# not-applicable, since one request at a time cannot show them.
LOAD_AREA = "load"
REQUIREMENT_ID = re.compile(r"^[A-Z0-9]+(?:-[A-Z0-9]+)*$")
_REQUIRED = ("id", "level", "why", "area", "statement", "expected", "source")
_OPTIONAL = ("candidates", "status", "needs", "refusal")
Refusal = Literal["input", "access", "credentials"]
_COUNTED: dict[str, frozenset[int]] = {
    "input": frozenset(),
    "access": frozenset({403}),
    "credentials": frozenset({401, 403}),
}
_SOURCE_KEYS = frozenset({"title", "url", "original", "archived"})


# Answers that say nothing about what a check asks: the caller's credentials were refused, the
# request timed out on the way, the caller is throttled, the service is overloaded.
NOT_A_VERDICT = {
    401: "refused the caller's credentials",
    407: "asked for proxy credentials",
    408: "timed the request out",
    429: "throttled the caller",
    503: "is overloaded",
}


# C1's error answers that carry a text/plain reason (a 403 may carry the session instead).
TEXT_ERRORS = (400, 403, 404, 405, 409)
# Refusals of a request's form rather than its meaning (its method, media types, length, URI or
# headers). Any other 4xx may refuse a schema-valid request for a semantic rule, for most of which
# the documents name no status (the ledger's any-4xx rule).
FORM_REFUSALS = frozenset({405, 406, 411, 414, 415, 431})


def unjudged(status: int, counted: frozenset[int] = frozenset()) -> str | None:
    """Why ``status`` is no verdict on a requirement, or None; ``counted`` are statuses the
    requirement itself is about (401 for one about credentials)."""
    if status in counted:
        return None
    return NOT_A_VERDICT.get(status)


class LedgerError(ValueError):
    """The ledger file breaks its own format; the message names the entry."""


HttpsUrl = Annotated[str, Meta(pattern="^https://")]


class Source(Struct, frozen=True, forbid_unknown_fields=True):
    """A public document requirements cite: where it is published, and the copy the team read.

    Also the report's record of it, under its source id in report.json's "sources".
    """

    title: Annotated[str, Meta(min_length=1)]
    url: HttpsUrl
    original: Annotated[
        HttpsUrl | UnsetType,
        Meta(description="the page in the language it was first read in (the seed page)"),
    ] = UNSET
    archived: Annotated[
        HttpsUrl | UnsetType, Meta(description="the copy the requirement was written from")
    ] = UNSET


@dataclass(frozen=True)
class Requirement:
    id: str
    level: Level
    area: str
    statement: str
    expected: str
    source: tuple[str, ...]
    candidates: tuple[str, ...] = ()
    status: str | None = None
    needs: tuple[str, ...] = ()
    refusal: Refusal = "input"
    # Why the level is what it is (the ledger's modelling rule, written per entry).
    why: str = ""

    @classmethod
    def from_mapping(cls, entry: dict[str, Any]) -> Requirement:
        """From a ledger entry, or from a report's requirement entry (which carries the same keys)."""
        return cls(
            id=entry["id"],
            level=entry["level"],
            area=entry["area"],
            statement=entry["statement"],
            expected=entry["expected"],
            source=tuple(entry["source"]),
            candidates=tuple(entry.get("candidates") or ()),
            status=entry.get("status"),
            needs=tuple(entry.get("needs") or ()),
            refusal=entry.get("refusal") or "input",
            why=entry.get("why", ""),
        )

    @property
    def any_4xx(self) -> bool:
        """The docs say "rejected" without a status: any 4xx passes and the code is only recorded."""
        return self.status == "any-4xx"

    @property
    def counted_statuses(self) -> frozenset[int]:
        """Answers that are a verdict here although they are none elsewhere: 403 refuses access, and
        401 refuses credentials, only for a requirement about access or about credentials."""
        return _COUNTED[self.refusal]

    def refusal_problem(self, status: int) -> str | None:
        """Why a 4xx or 5xx ``status`` is not this requirement's refusal (the check is then blocked):
        a refused credential, a throttle or a timeout says nothing about the input, a 403 only about
        access, and a 5xx is a server error, not a refusal."""
        if status >= 500:
            return f"answered {status}, a server error rather than a refusal"
        if status == 403 and 403 not in self.counted_statuses:
            return "answered 403, which refuses access, not the request's content"
        reason = unjudged(status, self.counted_statuses)
        return f"answered {status} (it {reason})" if reason else None


@dataclass(frozen=True)
class Ledger:
    version: int
    requirements: tuple[Requirement, ...]
    sources: Mapping[str, Source] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {r.id: r for r in self.requirements})

    def __contains__(self, requirement_id: object) -> bool:
        return requirement_id in self._by_id  # type: ignore[attr-defined]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.requirements)

    def __len__(self) -> int:
        return len(self.requirements)

    def get(self, requirement_id: str) -> Requirement:
        try:
            return self._by_id[requirement_id]  # type: ignore[attr-defined]
        except KeyError:
            raise LedgerError(f"unknown requirement id {requirement_id!r}") from None

    def cited_sources(self, requirements: Iterable[Requirement]) -> dict[str, Source]:
        """The sources ``requirements`` cite, in the table's order."""
        cited = {s for r in requirements for s in r.source}
        return {k: v for k, v in self.sources.items() if k in cited}

    def select(self, patterns: list[str] | tuple[str, ...]) -> tuple[Requirement, ...]:
        """Requirements whose ID matches any shell-style pattern (``PUT-*``, ``COND-IF-MATCH-???``)."""
        if not patterns:
            return self.requirements
        return tuple(r for r in self.requirements if matches(r.id, patterns))


def matches(requirement_id: str, patterns: Iterable[str]) -> bool:
    """Whether a shell-style pattern of ``--select`` names the ID (no patterns: every ID)."""
    patterns = tuple(patterns)
    return not patterns or any(fnmatch.fnmatchcase(requirement_id, p) for p in patterns)


def _requirement(entry: Any, index: int) -> Requirement:
    where = f"entry {index}"
    if not isinstance(entry, dict):
        raise LedgerError(f"{where}: expected a mapping")
    where = f"entry {index} ({entry.get('id', '?')})"
    missing = [k for k in _REQUIRED if k not in entry]
    unknown = sorted(set(entry) - set(_REQUIRED) - set(_OPTIONAL))
    if missing or unknown:
        raise LedgerError(f"{where}: missing {missing} / unknown {unknown}")
    if not isinstance(entry["id"], str) or not REQUIREMENT_ID.match(entry["id"]):
        raise LedgerError(f"{where}: id must be upper-case words joined by '-'")
    if entry["level"] not in LEVELS:
        raise LedgerError(f"{where}: level must be one of {LEVELS}")
    if entry.get("status") not in (None, "any-4xx"):
        raise LedgerError(f"{where}: status may only be 'any-4xx'")
    if "refusal" in entry and (entry["refusal"] not in _COUNTED or entry.get("status") != "any-4xx"):
        raise LedgerError(f"{where}: refusal must be one of {sorted(_COUNTED)}, with status any-4xx")
    needs = tuple(entry.get("needs") or ())
    if not set(needs) <= CAPABILITIES:
        raise LedgerError(f"{where}: unknown needs {sorted(set(needs) - CAPABILITIES)}")
    for key in ("statement", "expected", "area", "why"):
        if not isinstance(entry[key], str) or not entry[key].strip():
            raise LedgerError(f"{where}: {key} must be a non-empty string")
    return Requirement.from_mapping(entry)


def _sources(table: Any) -> dict[str, Source]:
    if not isinstance(table, dict):
        raise LedgerError("the ledger needs a 'sources' mapping: source id -> {title, url}")
    sources = {}
    for source_id, entry in table.items():
        if not isinstance(entry, dict) or set(entry) - _SOURCE_KEYS:
            raise LedgerError(f"source {source_id}: only {sorted(_SOURCE_KEYS)} are allowed")
        for key in ("title", "url"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise LedgerError(f"source {source_id}: {key} must be a non-empty string")
        for key in ("url", "original", "archived"):
            if key in entry and not str(entry[key]).startswith("https://"):
                raise LedgerError(f"source {source_id}: {key} must be an https URL")
        sources[str(source_id)] = msgspec.convert(entry, Source)
    return sources


def parse_ledger(data: Any) -> Ledger:
    if not isinstance(data, dict) or not isinstance(data.get("requirements"), list):
        raise LedgerError("the ledger must be a mapping with a 'requirements' list")
    sources = _sources(data.get("sources"))
    requirements = tuple(_requirement(e, i) for i, e in enumerate(data["requirements"]))
    seen: set[str] = set()
    for r in requirements:
        if r.id in seen:
            raise LedgerError(f"duplicate requirement id {r.id}")
        seen.add(r.id)
        undefined = sorted(set(r.source) - set(sources))
        if undefined:
            raise LedgerError(f"{r.id}: source(s) {undefined} are not in the sources table")
    return Ledger(version=int(data.get("version", 0)), requirements=requirements, sources=sources)


@lru_cache(maxsize=4)
def load_ledger(path: Path | None = None) -> Ledger:
    return parse_ledger(load_yaml((path or ledger_path()).read_text(encoding="utf-8")))
