"""Requirement profiles: the frozen set of requirements, and their levels, that a suite release scores.

A vendor who passed a profile must keep passing it whatever the suite learns later, so a run
scores one profile (the newest unless ``--profile`` names another): a requirement the ledger
gained since still runs and is reported, but is not scored; one whose level the ledger raised is
scored at the profile's level. A released profile never changes (``tests/contract/test_profiles.py``
pins each one); a new release adds a profile to ``profiles.yaml``.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from conformance.ledger import LEVELS, REQUIREMENT_ID, Ledger, Level, Requirement, matches
from conformance.resources import load_yaml, profiles_path

_NAME = re.compile(r"^[a-z0-9]+(?:[.-][a-z0-9]+)*$")
_KEYS = ("name", "released", "suite", "requirements")


class ProfileError(ValueError):
    """An unknown profile name, or a profiles file that breaks its format; the message is one line."""


@dataclass(frozen=True)
class Profile:
    name: str
    released: datetime.date
    suite: str  # the suite version that released it
    # Requirement ID -> its level at the release, in the ledger's order of that day.
    levels: Mapping[str, Level]

    def scoring(self, requirement: Requirement) -> tuple[Requirement, str | None]:
        """The requirement as this profile scores it, and why it is not scored (None: it is).

        The profile's level is a ceiling: a level the ledger raised since is scored as it was
        released, and one it lowered (a misread document, corrected) is scored as it is now, so
        no upgrade of the suite makes a passing vendor fail."""
        released = self.levels.get(requirement.id)
        if released is None:
            return requirement, f"added after the profile {self.name}"
        level = max(released, requirement.level, key=LEVELS.index)
        return replace(requirement, level=level), None

    def retired(self, ledger: Ledger, patterns: Iterable[str] = ()) -> tuple[str, ...]:
        """The requirements this profile scores that the ledger no longer has (those ``patterns``
        select): they cannot be run, and count for nothing."""
        patterns = tuple(patterns)
        return tuple(rid for rid in self.levels if rid not in ledger and matches(rid, patterns))

    def counts(self) -> dict[Level, int]:
        return {level: sum(v == level for v in self.levels.values()) for level in LEVELS}

    def digest(self) -> str:
        """A fingerprint of what the profile scores: its (ID, level) pairs, whatever their order."""
        text = "".join(f"{rid} {level}\n" for rid, level in sorted(self.levels.items()))
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Profiles:
    """Every released profile, oldest first."""

    profiles: tuple[Profile, ...]

    @property
    def newest(self) -> Profile:
        return self.profiles[-1]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.profiles)

    def get(self, name: str | None) -> Profile:
        """The named profile, or the newest for None."""
        if name is None:
            return self.newest
        found = next((p for p in self.profiles if p.name == name), None)
        if found is None:
            raise ProfileError(f"unknown profile {name!r}; the profiles are: {', '.join(self.names)}")
        return found


def _profile(entry: Any, index: int) -> Profile:
    where = f"profile {index}"
    if not isinstance(entry, dict):
        raise ProfileError(f"{where}: expected a mapping")
    where = f"profile {index} ({entry.get('name', '?')})"
    if sorted(entry) != sorted(_KEYS):
        raise ProfileError(f"{where}: needs exactly the keys {list(_KEYS)}")
    if not isinstance(entry["name"], str) or not _NAME.match(entry["name"]):
        raise ProfileError(f"{where}: name must be lower-case words joined by '-' or '.'")
    if not isinstance(entry["released"], datetime.date):
        raise ProfileError(f"{where}: released must be a date (YYYY-MM-DD)")
    if not isinstance(entry["suite"], str) or not entry["suite"].strip():
        raise ProfileError(f"{where}: suite must be the version that released it, quoted")
    levels = entry["requirements"]
    if not isinstance(levels, dict) or not levels:
        raise ProfileError(f"{where}: requirements must map requirement IDs to their levels")
    for rid, level in levels.items():
        if not isinstance(rid, str) or not REQUIREMENT_ID.match(rid) or level not in LEVELS:
            raise ProfileError(f"{where}: {rid}: expected an ID mapped to one of {list(LEVELS)}")
    return Profile(entry["name"], entry["released"], entry["suite"], dict(levels))


def parse_profiles(data: Any) -> Profiles:
    if not isinstance(data, dict) or not isinstance(data.get("profiles"), list) or not data["profiles"]:
        raise ProfileError("the profiles file must be a mapping with a non-empty 'profiles' list")
    profiles = tuple(_profile(e, i) for i, e in enumerate(data["profiles"]))
    names = [p.name for p in profiles]
    if len(set(names)) != len(names):
        raise ProfileError(f"a profile name is used twice: {names}")
    if [p.released for p in profiles] != sorted(p.released for p in profiles):
        raise ProfileError("profiles must be listed oldest first: the last one is the default")
    return Profiles(profiles)


@lru_cache(maxsize=4)
def load_profiles(path: Path | None = None) -> Profiles:
    return parse_profiles(load_yaml((path or profiles_path()).read_text(encoding="utf-8")))
