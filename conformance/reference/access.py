"""Who may read, write and join a session: visibility and the closed flag (C7, X4).

``open``: everyone reads and writes; ``visible``: everyone reads, only members (reserved ones
included) write; ``private``: only members read or write. Joining a visible or private session
needs a reservation. A server principal may do everything.
"""

from __future__ import annotations

from conformance.reference.faults import FaultSet
from conformance.reference.model import Doc, Principal, RequestError, member_index_of, system_constant


def _visibility(session: Doc, faults: FaultSet) -> str:
    visibility = system_constant(session, "visibility")
    return "open" if visibility == "private" and faults.on("private-as-open") else visibility


def check_read(session: Doc, principal: Principal, faults: FaultSet) -> None:
    if principal.is_server or member_index_of(session, principal.xuid) is not None:
        return
    visibility = _visibility(session, faults)
    if visibility == "private":
        raise RequestError(
            404 if faults.on("private-read-404") else 403, "only members may read a private session"
        )
    if visibility == "visible" and faults.on("visible-unreadable"):
        raise RequestError(403, "only members may read a visible session")


def check_write(session: Doc, principal: Principal, *, joins: bool, faults: FaultSet) -> None:
    """``joins``: the request carries ``members.me`` (a join, a reservation taken up, or an update)."""
    if principal.is_server:
        return
    visibility = _visibility(session, faults)
    index = member_index_of(session, principal.xuid)
    if index is not None:
        reserved = session["members"][index].get("reserved") is True
        if reserved and joins and visibility == "private" and faults.on("reservation-not-honoured"):
            raise RequestError(403, "cannot join a private session without a reservation")
        return
    if visibility == "open":
        if not joins and faults.on("open-write-refused"):
            raise RequestError(403, "only members may write this session")
        if joins:
            _check_join_restriction(session, principal, faults)
        return
    if joins and not (visibility == "visible" and faults.on("visible-joinable")):
        raise RequestError(403, f"cannot join a {visibility} session without a reservation")
    if not joins:
        careless = "private-writes-open" if visibility == "private" else "visible-open-writes"
        if not faults.on(careless):
            raise RequestError(403, f"only members may write a {visibility} session")


def _check_join_restriction(session: Doc, principal: Principal, faults: FaultSet) -> None:
    """joinRestriction local: only a user on the device of an active member joins an open session
    without a reservation (C4, C7). followed needs the social graph, which the reference lacks."""
    if session["properties"]["system"].get("joinRestriction") != "local":
        return
    devices = {
        m.get("device")
        for m in session["members"].values()
        if m["properties"]["system"].get("active") is True
    }
    if principal.device is not None and principal.device in devices:
        return
    if not faults.on("join-restriction-ignored"):
        raise RequestError(
            403, "joinRestriction local: join from the device of an active member, or get a reservation"
        )


def check_open_to_joins(session: Doc, faults: FaultSet) -> None:
    """A closed session refuses new members, though not reserved ones (X4)."""
    if session["properties"]["system"].get("closed") is True and not faults.on("closed-ignored"):
        raise RequestError(403, "the session is closed to new members")
