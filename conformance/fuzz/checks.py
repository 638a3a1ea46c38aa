"""Checks the MPSD documentation adds to schemathesis's generic ones, each tied to a requirement.

They run on every fuzzed response. Each raises ``RequirementViolation`` so a finding is reported
against the right ledger ID instead of a generic "custom check failed".
"""

from __future__ import annotations

from typing import Any

import schemathesis

from conformance.fuzz.classify import RequirementViolation
from conformance.fuzz.judging import header as _header
from conformance.fuzz.judging import is_nocommit
from conformance.fuzz.judging import session_of as _session
from conformance.ledger import TEXT_ERRORS
from conformance.session import walk_chain


@schemathesis.check
def etag_on_session(ctx: Any, response: Any, case: Any) -> None:
    """A 200/201 session answer carries an ETag (C1, C2); a nocommit answer stored nothing, so
    whether it has one is only recorded (ETAG-NOCOMMIT)."""
    if response.status_code in (200, 201) and not _header(response, "etag") and not is_nocommit(case):
        raise RequirementViolation("ETAG-PRESENT", f"{response.status_code} without an ETag header")


@schemathesis.check
def text_plain_errors(ctx: Any, response: Any, case: Any) -> None:
    """400/403/404/405/409 carry a non-empty text/plain reason; 403 may instead carry the session (C1)."""
    if response.status_code not in TEXT_ERRORS:
        return
    media = _header(response, "content-type").split(";")[0].strip().lower()
    if response.status_code == 403 and media == "application/json" and _session(response) is not None:
        return
    if media != "text/plain":
        raise RequirementViolation(
            "ERR-TEXT-PLAIN", f"{response.status_code} as {media or 'no Content-Type'}"
        )
    if not response.content.strip():
        raise RequirementViolation("ERR-TEXT-PLAIN", f"{response.status_code} with an empty reason")


@schemathesis.check
def contract_version_echoed(ctx: Any, response: Any, case: Any) -> None:
    """The session is rendered in the request's contract version (J1)."""
    session = _session(response) if response.status_code in (200, 201) else None
    sent = (case.headers or {}).get("X-Xbl-Contract-Version")
    if session is None or str(sent) not in ("104", "105", "107") or "contractVersion" not in session:
        return
    if session["contractVersion"] != int(sent):
        raise RequirementViolation("CV-ECHO", f"asked for {sent}, rendered {session['contractVersion']}")


@schemathesis.check
def member_chain_consistent(ctx: Any, response: Any, case: Any) -> None:
    """membersInfo.first -> next ... visits every member and ends at membersInfo.next (J1)."""
    session = _session(response) if response.status_code in (200, 201, 412) else None
    # Only a session document has a chain: a 412's JSON body may be an error (latitude.yaml:
    # error-bodies-undocumented-json), and a large session lists only "me".
    if session is None or "membersInfo" not in session or "me" in (session.get("members") or {}):
        return
    _, problem = walk_chain(session)
    if problem:
        raise RequirementViolation("MEMBERS-CHAIN", problem)


@schemathesis.deserializer("text/plain")
def _text(ctx: Any, response: Any) -> str:
    """Lets response_schema_conformance judge text/plain bodies too (schemathesis has no text/plain
    deserializer of its own)."""
    return response.content.decode(response.encoding or "utf-8", errors="replace")
