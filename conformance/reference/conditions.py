"""If-Match / If-None-Match on a session write (C1, C2, C9; the client's write modes, X1).

``If-None-Match: *`` = create only; ``If-Match: *`` = update only; ``If-Match: <etag>`` = update
only this version. A failed ``If-Match`` on an existing session answers with that session, so the
caller can retry from it without another read (C1, X1).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from conformance.reference.faults import FaultSet


class Verdict(Enum):
    PASS = "pass"
    FAIL = "fail"
    FAIL_WITH_SESSION = "fail-with-session"


@dataclass(frozen=True)
class Conditions:
    if_match: str | None = None
    if_none_match: str | None = None

    @property
    def any(self) -> bool:
        return self.if_match is not None or self.if_none_match is not None


def entity_tags(header: str) -> set[str]:
    """The tags of a header value, with weak markers and quotes taken off (ETags are opaque)."""
    return {tag.strip().removeprefix("W/").strip('"') for tag in header.split(",")}


def etag_matches(header: str, etag: str) -> bool:
    tags = entity_tags(header)
    return "*" in tags or etag in tags


def evaluate(
    current_etag: str | None, conditions: Conditions, faults: FaultSet, *, properties_route: bool
) -> Verdict:
    exists = current_etag is not None
    if conditions.if_match is not None:
        verdict = _if_match(current_etag, conditions.if_match, faults, properties_route)
        if verdict is not Verdict.PASS:
            return verdict
    if conditions.if_none_match is not None:
        if (
            exists
            and etag_matches(conditions.if_none_match, current_etag)
            and not faults.on("if-none-match-ignored")
        ):
            return Verdict.FAIL_WITH_SESSION
        if not exists and faults.on("create-only-refused"):
            return Verdict.FAIL
    return Verdict.PASS


def _if_match(current_etag: str | None, header: str, faults: FaultSet, properties_route: bool) -> Verdict:
    if entity_tags(header) == {"*"}:
        if current_etag is None:
            return Verdict.PASS if faults.on("if-match-star-creates") else Verdict.FAIL
        return Verdict.FAIL_WITH_SESSION if faults.on("if-match-star-refused") else Verdict.PASS
    if faults.on("props-if-match-ignored" if properties_route else "if-match-ignored"):
        return Verdict.PASS
    if current_etag is None:
        return Verdict.FAIL
    if etag_matches(header, current_etag) and not faults.on("if-match-current-refused"):
        return Verdict.PASS
    return Verdict.FAIL_WITH_SESSION
