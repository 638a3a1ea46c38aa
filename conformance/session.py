"""Reading a session document the target returned, tolerant of whatever shape it has.

Accessors never raise on a malformed document: they return ``None`` or empty values, and the
check that needed the value fails with a message naming it.
"""

from __future__ import annotations

import re
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

_MISSING = object()


def get(doc: Any, dotted: str, default: Any = None) -> Any:
    """``get(doc, "membersInfo.count")``; ``default`` when any step is missing or not an object."""
    current = doc
    for key in dotted.split("."):
        if not isinstance(current, dict) or key not in current:
            return default
        current = current[key]
    return current


def members(doc: Any) -> dict[str, dict[str, Any]]:
    found = get(doc, "members", {})
    return {k: v for k, v in found.items() if isinstance(v, dict)} if isinstance(found, dict) else {}


def find_member(doc: Any, xuid: str | None) -> tuple[str, dict[str, Any]] | None:
    """The (index, member) whose constants.system.xuid is ``xuid``."""
    for index, member in members(doc).items():
        if xuid is not None and str(get(member, "constants.system.xuid")) == xuid:
            return index, member
    return None


def xuids(doc: Any) -> list[str]:
    return [str(get(m, "constants.system.xuid")) for m in members(doc).values()]


def walk_chain(doc: Any) -> tuple[list[int], str | None]:
    """Follow membersInfo.first along each member's ``next``; return the indices visited and,
    if the list is inconsistent, why (a missing member, a cycle, a wrong end or count)."""
    first, end, count = (
        get(doc, "membersInfo.first"),
        get(doc, "membersInfo.next"),
        get(doc, "membersInfo.count"),
    )
    if not all(isinstance(v, int) for v in (first, end, count)):
        return [], "membersInfo.first, next and count must be integers"
    table, visited, current = members(doc), [], first
    while current != end:
        if current in visited:
            return visited, f"the next chain loops back to {current}"
        member = table.get(str(current))
        if member is None:
            return visited, f"the chain reaches index {current}, which is not a member"
        visited.append(current)
        current = member.get("next", _MISSING)
        if not isinstance(current, int):
            return visited, f"member {visited[-1]} has no integer next"
        if len(visited) > len(table):
            return visited, "the chain is longer than the member table"
    if len(visited) != count:
        return visited, f"the chain visits {len(visited)} members but membersInfo.count is {count}"
    if len(visited) != len(table):
        return visited, f"the chain visits {len(visited)} of {len(table)} members"
    return visited, None


def timestamp(value: Any) -> float | None:
    """Epoch seconds of a document's date-time (ISO 8601, up to the 7 fractional digits the docs
    show; Python reads 6), or None when it is not one."""
    if not isinstance(value, str) or not re.match(r"^\d{4}-\d{2}-\d{2}T", value):
        return None
    text = re.sub(r"(\.\d{6})\d+", r"\1", value.replace("Z", "+00:00"))
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        return None


def same_instant(http_date: Any, pending: float | None) -> bool:
    """Whether an HTTP date (Expires) is the document's date-time ``pending`` (epoch seconds), to
    the second an HTTP date can say."""
    try:
        return pending is not None and abs(parsedate_to_datetime(http_date).timestamp() - pending) < 1.0
    except (TypeError, ValueError):
        return False
