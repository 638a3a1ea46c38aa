"""A request the target was sent, made fit for a reference: what the target minted, the reference's.

A check echoes what the target answered: its ETag in If-Match, a member's index in a server's
write. Sent verbatim, the reference would refuse an ETag it never minted, and the two would part
on the first conditional write. So each reference side learns, from the answers the two gave to
the same request, which of its ETags and indices stands for which of the target's, and the request
it is sent carries its own. What it never saw (a made-up ETag) goes as it is, as it went.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

from conformance.oracle.normalize import opaque_etag
from conformance.oracle.wire import Answer, Request

_CONDITIONS = ("if-match", "if-none-match")
# Request fields whose values are member indices (S1, J2): a session's turn and owners.
_INDEX_LISTS = ("turn", "owners")


@dataclass
class Translation:
    """One reference side's table: per session, the target's ETags and member indices -> its own."""

    etags: dict[str, dict[str, str]] = field(default_factory=dict)
    indices: dict[str, dict[str, str]] = field(default_factory=dict)

    def learn(self, session: str, target: Answer, mine: Answer) -> None:
        theirs, own = target.header("ETag"), mine.header("ETag")
        if theirs is not None and own is not None:
            self.etags.setdefault(session, {})[opaque_etag(theirs)] = own
        target_members, my_members = _indices(target), _indices(mine)
        if target_members and len(target_members) == len(my_members):
            table = self.indices.setdefault(session, {})
            table.update(zip(target_members, my_members, strict=True))

    def request(self, session: str, request: Request) -> Request:
        """``request`` as this side should get it."""
        headers = tuple(
            (name, self._conditions(session, value) if name.lower() in _CONDITIONS else value)
            for name, value in request.headers
        )
        return replace(request, headers=headers, body=self._body(session, request.body))

    def _conditions(self, session: str, value: str) -> str:
        table = self.etags.get(session, {})
        if not table or value.strip() == "*":
            return value
        tags = [tag.strip() for tag in value.split(",")]
        known = [table.get(opaque_etag(tag)) for tag in tags]
        if not any(known):
            return value
        return ", ".join(mine or tag for tag, mine in zip(tags, known, strict=True))

    def _body(self, session: str, body: bytes | None) -> bytes | None:
        table = self.indices.get(session)
        if not table or not body or all(k == v for k, v in table.items()):
            return body
        try:
            document = json.loads(body)
        except (ValueError, RecursionError):
            return body
        if not isinstance(document, dict):
            return body
        changed = _renumber(document, table)
        return json.dumps(changed).encode() if changed is not document else body


def _indices(answer: Answer) -> list[str]:
    """The member indices of a session answer, in order; none for any other answer."""
    document = answer.json()
    members = document.get("members") if isinstance(document, dict) else None
    if not isinstance(members, dict):
        return []
    return [str(i) for i in sorted(int(k) for k in members if k.isdigit())]


def _renumber(document: dict[str, Any], table: dict[str, str]) -> dict[str, Any]:
    """The body with the target's indices replaced by the side's; the same object when none is."""
    out = document
    members = document.get("members")
    if isinstance(members, dict) and any(k in table for k in members):
        out = {**out, "members": {table.get(k, k): v for k, v in members.items()}}
    system = (
        (document.get("properties") or {}).get("system")
        if isinstance(document.get("properties"), dict)
        else None
    )
    if isinstance(system, dict) and any(isinstance(system.get(k), list) for k in _INDEX_LISTS):
        renamed = {
            k: [int(table.get(str(i), i)) if isinstance(i, int) and not isinstance(i, bool) else i for i in v]
            if k in _INDEX_LISTS and isinstance(v, list)
            else v
            for k, v in system.items()
        }
        if renamed != system:
            out = {**out, "properties": {**document["properties"], "system": renamed}}
    return out
