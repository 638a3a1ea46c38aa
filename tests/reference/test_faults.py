"""Every fault is witnessed, and narrow.

A small check per ledger ID passes on the clean tenant; under each fault, the checks of its
``breaks`` fail and any other failing check is declared in its ``collateral``. The checks are
deliberately simple: they are this module's evidence, not the conformance suite.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from email.utils import parsedate_to_datetime
from typing import Any

import pytest

from conformance.ledger import load_ledger
from conformance.reference import FAULTS, ReferenceServer
from conformance.spec import schema_errors

from .client import Mpsd, Who, fresh
from .conftest import CLEAN_SCID, CONFIG, fault_scid
from .races import race

Check = Callable[[Mpsd], None]
CHECKS: dict[str, Check] = {}

# The brief's list: the catalogue must hold at least these.
NAMED = [
    "create-200",
    "no-etag",
    "timestamps-as-numbers",
    "empty-create-stored",
    "defaults-missing",
    "timeout-defaults-wrong",
    "max-members-unchecked",
    "initiators-unchecked",
    "nocommit-ignored",
    "custom-replaced",
    "empty-put-clears-custom",
    "rejoin-duplicates",
    "correlation-id-changes",
    "join-ignored",
    "index-reused",
    "next-chain-broken",
    "leave-ignored",
    "count-not-decremented",
    "last-leave-keeps-session",
    "index-writable-by-user",
    "server-index-delete-ignored",
    "reservation-overwrites-member",
    "ready-active-allowed",
    "no-active-title",
    "sda-without-connectivity",
    "no-device-token",
    "measurements-self-allowed",
    "encounters-echoed",
    "groups-never-cleared",
    "member-custom-null-ignored",
    "reserved-flag-missing",
    "reserved-flag-never-cleared",
    "reservations-reversed",
    "reserve-gaps-accepted",
    "props-missing-creates",
    "props-replace-system",
    "props-if-match-ignored",
    "custom-null-ignored",
    "keywords-appended",
    "keywords-on-private",
    "host-unchecked",
    "constants-mutable",
    "members-needed-unchecked",
    "no-initializing",
    "init-succeeded-accepted",
    "if-none-match-ignored",
    "create-only-refused",
    "if-match-ignored",
    "if-match-current-refused",
    "etag-constant",
    "412-without-body",
    "if-match-star-creates",
    "if-match-star-refused",
    "racy-if-match",
    "racy-merge",
    "stale-read",
    "get-absent-404",
    "if-none-match-get-ignored",
    "unknown-keys-accepted",
    "malformed-json-500",
    "error-bodies-json",
    "wrong-types-500",
    "wrong-method-404",
    "unknown-template-accepted",
    "camelcase-path-404",
    "open-write-refused",
    "private-as-open",
    "visible-unreadable",
    "visible-joinable",
    "reservation-not-honoured",
    "closed-ignored",
    "full-joinable",
    "user-auth-style-ignored",
    "role-max-ignored",
    "servers-writable-by-user",
    "server-null-ignored",
    "contract-version-ignored",
    "legacy-rendering-missing",
    "expires-missing",
]


def check(requirement: str) -> Callable[[Check], Check]:
    def register(function: Check) -> Check:
        CHECKS[requirement] = function
        return function

    return register


# ---------------------------------------------------------------- helpers


def is_4xx(status: int) -> bool:
    return 400 <= status < 500


def session_of(c: Mpsd, *whos: Who, constants: dict[str, Any] | None = None, **member: Any) -> str:
    """A fresh session created by user ``whos[0]`` (with ``constants``), joined by the others."""
    name = fresh()
    first, *others = whos or (0,)
    assert c.join(name, first, constants=constants, **member).ok  # 200 or 201: setup, not the check
    for who in others:
        assert c.join(name, who).ok
    return name


def reserve(c: Mpsd, name: str, *whos: Who, by: Who = 0) -> Any:
    members = {f"reserve_{n}": {"constants": {"system": {"xuid": c.xuid(w)}}} for n, w in enumerate(whos)}
    return c.put(name, {"members": members}, who=by)


def index_of(c: Mpsd, session: dict[str, Any], who: Who) -> str:
    found = [i for i, m in session["members"].items() if m["constants"]["system"]["xuid"] == c.xuid(who)]
    assert found, f"user {who} is not a member"
    return found[0]


def custom(c: Mpsd, name: str, values: dict[str, Any], **kwargs: Any) -> Any:
    return c.put(name, {"properties": {"custom": values}}, **kwargs)


def me_system(c: Mpsd, name: str, system: dict[str, Any], who: Who = 0) -> Any:
    return c.put(name, {"members": {"me": {"properties": {"system": system}}}}, who=who)


def walk(session: dict[str, Any]) -> list[int]:
    info, visited = session["membersInfo"], []
    index = info["first"]
    while index != info["next"]:
        assert str(index) in session["members"]
        assert index not in visited
        visited.append(index)
        index = session["members"][str(index)]["next"]
    return visited


def assert_text(response: Any, status: int) -> None:
    assert response.status_code == status
    assert response.headers.get("Content-Type", "").startswith("text/plain")
    assert response.text


# ---------------------------------------------------------------- create


@check("PUT-CREATE-201")
def _(c: Mpsd) -> None:
    response = c.join(fresh())
    assert response.status_code == 201
    assert response.json()["membersInfo"]["count"] == 1


@check("ETAG-PRESENT")
def _(c: Mpsd) -> None:
    name = fresh()
    assert c.join(name).headers.get("ETag")
    assert custom(c, name, {"a": 1}).headers.get("ETag")
    assert c.get(name).headers.get("ETag")


@check("SESSION-SCHEMA")
def _(c: Mpsd) -> None:
    assert schema_errors("MultiplayerSession", c.join(fresh()).json()) == []


@check("PUT-CREATE-EMPTY-204")
def _(c: Mpsd) -> None:
    name = fresh()
    assert custom(c, name, {"a": 1}).status_code == 204
    assert c.get(name).status_code == 204


@check("CREATE-DEFAULTS")
def _(c: Mpsd) -> None:
    system = c.join(fresh()).json()["constants"]["system"]
    assert system.get("maxMembersCount") == 100
    assert system.get("visibility") == "open"


@check("CREATE-TIMEOUT-DEFAULTS")
def _(c: Mpsd) -> None:
    system = c.join(fresh()).json()["constants"]["system"]
    assert system["reservedRemovalTimeout"] == 30000
    assert system["readyRemovalTimeout"] == 180000


@check("CREATE-MAX-MEMBERS-RANGE")
def _(c: Mpsd) -> None:
    for count in (0, 101):
        assert is_4xx(c.join(fresh(), constants={"system": {"maxMembersCount": count}}).status_code)


@check("CREATE-INITIATORS-CREATOR")
def _(c: Mpsd) -> None:
    name = fresh()
    assert is_4xx(c.join(name, constants={"system": {"initiators": [c.xuid(1)]}}).status_code)
    assert c.get(name).status_code == 204


@check("PUT-NOCOMMIT")
def _(c: Mpsd) -> None:
    name = fresh()
    dry = c.put(name, {"members": {"me": c.me(0)}}, params={"nocommit": "true"})
    assert dry.json()["membersInfo"]["count"] == 1
    assert c.get(name).status_code == 204


# ---------------------------------------------------------------- update


@check("PUT-UPDATE-MERGE")
def _(c: Mpsd) -> None:
    name = session_of(c)
    custom(c, name, {"a": 1})
    response = custom(c, name, {"b": 2})
    assert response.status_code == 200
    assert response.json()["properties"]["custom"] == {"a": 1, "b": 2}


@check("PUT-UPDATE-EMPTY")
def _(c: Mpsd) -> None:
    name = session_of(c)
    before = custom(c, name, {"a": 1}).json()
    after = c.put(name, {}).json()
    assert (after["members"], after["properties"], after["constants"]) == (
        before["members"],
        before["properties"],
        before["constants"],
    )


@check("PUT-IDEMPOTENT")
def _(c: Mpsd) -> None:
    name = session_of(c)
    first, second = c.join(name).json(), c.join(name).json()
    assert second["members"] == first["members"]
    assert second["membersInfo"]["count"] == 1


@check("CORRELATION-ID-STABLE")
def _(c: Mpsd) -> None:
    name = fresh()
    created = c.join(name).json()["correlationId"]
    assert custom(c, name, {"a": 1}).json()["correlationId"] == created


# ---------------------------------------------------------------- members


@check("JOIN-SECOND-USER")
def _(c: Mpsd) -> None:
    name = session_of(c)
    response = c.join(name, 1)
    assert response.status_code == 200
    assert response.json()["membersInfo"]["count"] == 2
    assert c.member_of(response.json(), 1) is not None


@check("MEMBERS-INDEX-NEXT")
def _(c: Mpsd) -> None:
    name = session_of(c, 0, 1)
    before = c.put(name, {"members": {"me": None}}).json()["membersInfo"]["next"]
    session = c.join(name, 2).json()
    assert index_of(c, session, 2) == str(before)
    assert session["membersInfo"]["next"] > before


@check("MEMBERS-CHAIN")
def _(c: Mpsd) -> None:
    name = session_of(c, 0, 1, 2)
    session = c.put(name, {"members": {"me": None}}, who=1).json()
    assert len(walk(session)) == session["membersInfo"]["count"] == len(session["members"])


@check("LEAVE-200")
def _(c: Mpsd) -> None:
    name = session_of(c, 0, 1)
    response = c.put(name, {"members": {"me": None}}, who=1)
    assert response.status_code == 200
    assert c.member_of(response.json(), 1) is None
    assert response.json()["membersInfo"]["count"] == 1


@check("LEAVE-LAST-204")
def _(c: Mpsd) -> None:
    name = session_of(c)
    assert c.put(name, {"members": {"me": None}}).status_code == 204
    assert c.get(name).status_code == 204


@check("MEMBERS-INDEX-USER-403")
def _(c: Mpsd) -> None:
    name = session_of(c, 0, 1)
    first = index_of(c, c.get(name).json(), 0)
    assert c.put(name, {"members": {first: None}}, who=1).status_code == 403
    assert c.member_of(c.get(name).json(), 0) is not None


@check("MEMBERS-INDEX-SERVER-REMOVE")
def _(c: Mpsd) -> None:
    name = session_of(c, 0, 1)
    second = index_of(c, c.get(name).json(), 1)
    assert c.put(name, {"members": {second: None}}, who="server").status_code == 200
    assert c.member_of(c.get(name).json(), 1) is None


@check("MEMBER-PROPERTIES-OWNER-ONLY")
def _(c: Mpsd) -> None:
    name = session_of(c, 0, 1, properties={"custom": {"mine": 1}})
    takeover = {"constants": {"system": {"xuid": c.xuid(0)}}, "properties": {"custom": {"mine": 2}}}
    c.put(name, {"members": {"reserve_0": takeover}}, who=1)
    assert c.member_of(c.get(name).json(), 0)["properties"]["custom"] == {"mine": 1}  # type: ignore[index]


@check("MEMBER-READY-ACTIVE-EXCLUSIVE")
def _(c: Mpsd) -> None:
    assert is_4xx(me_system(c, session_of(c), {"ready": True, "active": True}).status_code)


@check("MEMBER-ACTIVE-TITLE")
def _(c: Mpsd) -> None:
    session = me_system(c, session_of(c), {"active": True}).json()
    assert c.member_of(session, 0).get("activeTitleId", "").isdigit()  # type: ignore[union-attr]


@check("MEMBER-SDA-NEEDS-CONNECTIVITY")
def _(c: Mpsd) -> None:
    assert is_4xx(me_system(c, session_of(c), {"secureDeviceAddress": "AAAA"}).status_code)


CONNECTIVITY = {"system": {"capabilities": {"connectivity": True}}}


@check("MEMBER-SDA-DEVICE-TOKEN")
def _(c: Mpsd) -> None:
    session = me_system(c, session_of(c, constants=CONNECTIVITY), {"secureDeviceAddress": "AAAA"}).json()
    assert c.member_of(session, 0).get("deviceToken")  # type: ignore[union-attr]


@check("MEMBER-MEASUREMENTS-NOT-SELF")
def _(c: Mpsd) -> None:
    name = session_of(c, constants=CONNECTIVITY)
    token = c.member_of(me_system(c, name, {"secureDeviceAddress": "AAAA"}).json(), 0).get("deviceToken")  # type: ignore[union-attr]
    assert token
    assert is_4xx(me_system(c, name, {"measurements": {token: {"latency": 5}}}).status_code)


@check("MEMBER-ENCOUNTERS-CONSUMED")
def _(c: Mpsd) -> None:
    response = me_system(c, session_of(c), {"encounters": ["lobby-1"]})
    assert response.status_code == 200
    assert "encounters" not in c.member_of(response.json(), 0)["properties"]["system"]  # type: ignore[index]


@check("MEMBER-GROUPS-REPLACED")
def _(c: Mpsd) -> None:
    name = session_of(c)
    assert c.member_of(me_system(c, name, {"groups": ["a"]}).json(), 0)["properties"]["system"]["groups"] == [
        "a"
    ]  # type: ignore[index]
    cleared = c.member_of(me_system(c, name, {"groups": []}).json(), 0)["properties"]["system"]  # type: ignore[index]
    assert not cleared.get("groups")


@check("MEMBER-CUSTOM-NULL-DELETES")
def _(c: Mpsd) -> None:
    name = session_of(c, properties={"custom": {"a": 1, "b": 2}})
    session = c.put(name, {"members": {"me": {"properties": {"custom": {"a": None}}}}}).json()
    assert c.member_of(session, 0)["properties"]["custom"] == {"b": 2}  # type: ignore[index]


# ---------------------------------------------------------------- reservations


@check("RESERVE-ADD")
def _(c: Mpsd) -> None:
    session = reserve(c, session_of(c), 1).json()
    member = c.member_of(session, 1)
    assert member is not None
    assert member.get("reserved") is True
    assert member.get("joinTime")
    assert session["membersInfo"]["accepted"] == 1


@check("RESERVE-ACCEPT")
def _(c: Mpsd) -> None:
    name = session_of(c)
    reserved = reserve(c, name, 1).json()
    accepted = c.join(name, 1).json()
    assert index_of(c, accepted, 1) == index_of(c, reserved, 1)
    assert not c.member_of(accepted, 1).get("reserved")  # type: ignore[union-attr]
    assert accepted["membersInfo"]["accepted"] == reserved["membersInfo"]["accepted"] + 1


@check("RESERVE-ORDER")
def _(c: Mpsd) -> None:
    session = reserve(c, session_of(c), 1, 2).json()
    assert int(index_of(c, session, 1)) < int(index_of(c, session, 2))


@check("RESERVE-FROM-ZERO")
def _(c: Mpsd) -> None:
    body = {"members": {"reserve_1": {"constants": {"system": {"xuid": c.xuid(1)}}}}}
    assert is_4xx(c.put(session_of(c), body).status_code)


# ---------------------------------------------------------------- properties sub-resource


@check("PROPS-ABSENT-404")
def _(c: Mpsd) -> None:
    name = fresh()
    assert c.put(name, {"custom": {"a": 1}}, properties=True).status_code == 404
    assert c.get(name).status_code == 204


@check("PROPS-EQUIVALENT")
def _(c: Mpsd) -> None:
    bag = {"system": {"keywords": ["x"]}, "custom": {"a": 1}}
    one, two = session_of(c), session_of(c)
    for name in (one, two):
        c.put(name, {"properties": {"system": {"turn": [0]}}})
    via_properties = c.put(one, bag, properties=True)
    assert via_properties.status_code == 200
    assert via_properties.json()["properties"] == c.put(two, {"properties": bag}).json()["properties"]


@check("PROPS-IF-MATCH-412")
def _(c: Mpsd) -> None:
    name = fresh()
    stale = c.join(name).headers.get("ETag", "none")
    custom(c, name, {"a": 1})
    assert c.put(name, {"custom": {"a": 2}}, properties=True, headers={"If-Match": stale}).status_code == 412
    assert c.get(name).json()["properties"]["custom"] == {"a": 1}


@check("PROPS-CUSTOM-NULL-DELETES")
def _(c: Mpsd) -> None:
    name = session_of(c)
    custom(c, name, {"a": 1, "b": 2})
    assert custom(c, name, {"a": None}).json()["properties"]["custom"] == {"b": 2}


@check("PROPS-SYSTEM-ARRAY-REPLACED")
def _(c: Mpsd) -> None:
    name = session_of(c)
    c.put(name, {"properties": {"system": {"keywords": ["a", "b"]}}})
    assert c.put(name, {"properties": {"system": {"keywords": ["c"]}}}).json()["properties"]["system"][
        "keywords"
    ] == ["c"]


@check("PROPS-KEYWORDS-NOT-PRIVATE")
def _(c: Mpsd) -> None:
    name = session_of(c, constants={"system": {"visibility": "private"}})
    assert is_4xx(c.put(name, {"properties": {"system": {"keywords": ["a"]}}}).status_code)


@check("PROPS-HOST-UNKNOWN-DROPPED")
def _(c: Mpsd) -> None:
    response = c.put(session_of(c), {"properties": {"system": {"host": "0123456789abcdef"}}})
    assert response.status_code == 200
    assert "host" not in response.json()["properties"]["system"]


# ---------------------------------------------------------------- constants and initialization


@check("CONST-IMMUTABLE-409")
def _(c: Mpsd) -> None:
    name = session_of(c, constants={"system": {"visibility": "open"}})
    assert c.put(name, {"constants": {"system": {"visibility": "private"}}}).status_code == 409
    assert c.get(name).json()["constants"]["system"]["visibility"] == "open"


def initialize(c: Mpsd, name: str, needed: int) -> Any:
    constants = {"system": {"memberInitialization": {"membersNeededToStart": needed}}}
    return c.put(
        name,
        {
            "constants": constants,
            "members": {"me": {"constants": {"system": {"xuid": c.xuid(0), "initialize": True}}}},
        },
    )


@check("INIT-MEMBERS-NEEDED-400")
def _(c: Mpsd) -> None:
    name = fresh()
    assert initialize(c, name, 2).status_code == 400
    assert c.get(name).status_code == 204


@check("INIT-STAGE")
def _(c: Mpsd) -> None:
    session = initialize(c, fresh(), 1).json()
    assert session.get("initializing", {}).get("stage") in ("joining", "measuring", "evaluating", "failed")
    assert c.member_of(session, 0).get("initializationEpisode") == 1  # type: ignore[union-attr]


@check("INIT-SUCCEEDED-OUTSIDE-EVALUATING")
def _(c: Mpsd) -> None:
    assert is_4xx(
        c.put(session_of(c), {"properties": {"system": {"initializationSucceeded": True}}}).status_code
    )


# ---------------------------------------------------------------- conditional writes


@check("COND-CREATE-ONLY-EXISTS-412")
def _(c: Mpsd) -> None:
    name = session_of(c)
    assert custom(c, name, {"a": 1}, headers={"If-None-Match": "*"}).status_code == 412
    assert c.get(name).json()["properties"]["custom"] == {}


@check("COND-CREATE-ONLY-201")
def _(c: Mpsd) -> None:
    assert c.put(fresh(), {"members": {"me": c.me(0)}}, headers={"If-None-Match": "*"}).status_code == 201


@check("COND-IF-MATCH-200")
def _(c: Mpsd) -> None:
    name = fresh()
    response = custom(c, name, {"a": 1}, headers={"If-Match": c.join(name).headers["ETag"]})
    assert response.status_code == 200
    assert response.headers.get("ETag")


@check("COND-ETAG-CHANGES")
def _(c: Mpsd) -> None:
    name = fresh()
    assert c.join(name).headers["ETag"] != custom(c, name, {"a": 1}).headers["ETag"]


@check("COND-IF-MATCH-STALE-412")
def _(c: Mpsd) -> None:
    name = fresh()
    stale = c.join(name).headers["ETag"]
    current = custom(c, name, {"a": 1})
    refused = custom(c, name, {"a": 2}, headers={"If-Match": stale})
    assert refused.status_code == 412
    assert refused.headers.get("Content-Type", "").startswith("application/json")
    assert refused.json() == current.json()
    assert refused.headers.get("ETag") == current.headers["ETag"]


@check("COND-UPDATE-ONLY-ABSENT-412")
def _(c: Mpsd) -> None:
    name = fresh()
    assert is_4xx(c.put(name, {"members": {"me": c.me(0)}}, headers={"If-Match": "*"}).status_code)
    assert c.get(name).status_code == 204


@check("COND-UPDATE-ONLY-200")
def _(c: Mpsd) -> None:
    assert custom(c, session_of(c), {"a": 1}, headers={"If-Match": "*"}).status_code == 200


@check("CONCURRENCY-ONE-WINNER")
def _(c: Mpsd) -> None:
    name = fresh()
    statuses = race(c, name, 16, if_match=c.join(name).headers["ETag"])
    assert sorted(statuses) == [200] + [412] * 15


@check("CONCURRENCY-NO-LOST-WRITE")
def _(c: Mpsd) -> None:
    name = session_of(c)
    assert race(c, name, 12) == [200] * 12
    assert c.get(name).json()["properties"]["custom"] == {f"k{n}": n for n in range(12)}


# ---------------------------------------------------------------- read


@check("GET-READ")
def _(c: Mpsd) -> None:
    name = session_of(c)
    written = custom(c, name, {"a": 1}).json()
    read = c.get(name)
    assert read.status_code == 200
    assert (read.json()["members"], read.json()["properties"]) == (written["members"], written["properties"])


@check("GET-304")
def _(c: Mpsd) -> None:
    name = fresh()
    etag = c.join(name).headers["ETag"]
    assert c.get(name, headers={"If-None-Match": etag}).status_code == 304
    custom(c, name, {"a": 1})
    assert c.get(name, headers={"If-None-Match": etag}).status_code == 200


@check("GET-ABSENT-204")
def _(c: Mpsd) -> None:
    assert c.get(fresh()).status_code == 204


# ---------------------------------------------------------------- errors and transport


def put_raw(c: Mpsd, data: bytes) -> Any:
    return c.http.put(
        c.uri(fresh()), data=data, headers=c.headers(extra={"Content-Type": "application/json"})
    )


@check("BODY-UNKNOWN-KEY")
def _(c: Mpsd) -> None:
    name = session_of(c)
    assert is_4xx(c.put(name, {"foo": {}, "properties": {"custom": {"x": 1}}}).status_code)
    assert c.get(name).json()["properties"]["custom"] == {}


@check("BODY-MALFORMED-400")
def _(c: Mpsd) -> None:
    response = put_raw(c, b'{"members": ')
    assert response.status_code == 400
    assert response.text


@check("SRV-NO-5XX")
def _(c: Mpsd) -> None:
    for data in (b"{oops", b"[1]", b'{"constants": {"system": {"maxMembersCount": "x"}}}'):
        assert put_raw(c, data).status_code < 500


@check("ERR-TEXT-PLAIN")
def _(c: Mpsd) -> None:
    name = session_of(c, 0, 1)
    assert_text(put_raw(c, b"nope"), 400)
    assert_text(c.put(name, {"members": {"0": None}}, who=1), 403)
    assert_text(c.put(fresh(), {}, properties=True), 404)
    assert_text(c.http.post(c.uri(name), json={}, headers=c.headers()), 405)
    assert_text(c.put(name, {"constants": {"system": {"visibility": "private"}}}), 409)


@check("METHOD-405")
def _(c: Mpsd) -> None:
    assert c.http.post(c.uri(session_of(c)), json={}, headers=c.headers()).status_code == 405


@check("URI-UNKNOWN-TEMPLATE-404")
def _(c: Mpsd) -> None:
    other = Mpsd(c.url, c.scid, c.config, template="not-configured")
    assert other.join(fresh()).status_code == 404


@check("PATH-TEMPLATES-CAMELCASE")
def _(c: Mpsd) -> None:
    name = session_of(c)
    response = c.get(name, segment="sessionTemplates")
    assert response.status_code == 200
    assert response.json() == c.get(name).json()


# ---------------------------------------------------------------- visibility and joinability


def visibility(value: str) -> dict[str, Any]:
    return {"system": {"visibility": value}}


@check("VIS-OPEN-WRITE")
def _(c: Mpsd) -> None:
    assert custom(c, session_of(c), {"a": 1}, who=1).status_code == 200


@check("VIS-PRIVATE-403")
def _(c: Mpsd) -> None:
    name = session_of(c, constants=visibility("private"))
    assert c.join(name, 1).status_code == 403
    assert c.get(name, who=1).status_code == 403


@check("VIS-VISIBLE-READ")
def _(c: Mpsd) -> None:
    assert c.get(session_of(c, constants=visibility("visible")), who=1).status_code == 200


@check("VIS-VISIBLE-JOIN")
def _(c: Mpsd) -> None:
    assert is_4xx(c.join(session_of(c, constants=visibility("visible")), 1).status_code)


@check("VIS-RESERVED-JOIN")
def _(c: Mpsd) -> None:
    name = session_of(c, constants=visibility("private"))
    reserve(c, name, 1)
    response = c.join(name, 1)
    assert response.status_code == 200
    assert not c.member_of(response.json(), 1).get("reserved")  # type: ignore[union-attr]


@check("JOIN-CLOSED")
def _(c: Mpsd) -> None:
    name = session_of(c)
    reserve(c, name, 2)
    c.put(name, {"properties": {"system": {"closed": True}}})
    assert is_4xx(c.join(name, 1).status_code)
    reserved = c.join(name, 2)
    assert reserved.status_code == 200
    assert not c.member_of(reserved.json(), 2).get("reserved")  # type: ignore[union-attr]


@check("JOIN-FULL")
def _(c: Mpsd) -> None:
    assert is_4xx(c.join(session_of(c, constants={"system": {"maxMembersCount": 1}}), 1).status_code)


@check("CAP-USER-AUTH-STYLE")
def _(c: Mpsd) -> None:
    constants = {"system": {"capabilities": {"userAuthorizationStyle": True}}}
    system = c.join(fresh(), constants=constants).json()["properties"]["system"]
    assert (system.get("joinRestriction"), system.get("readRestriction")) == ("local", "local")


# ---------------------------------------------------------------- roles and servers


@check("ROLES-MAX-ENFORCED")
def _(c: Mpsd) -> None:
    name = fresh()
    role_types = {"lfg": {"roles": {"leader": {"max": 1}}}}
    c.put(name, {"roleTypes": role_types, "members": {"me": c.me(0, roles={"lfg": "leader"})}})
    assert is_4xx(c.join(name, 1, roles={"lfg": "leader"}).status_code)
    assert c.get(name).json()["roleTypes"]["lfg"]["roles"]["leader"]["memberXuids"] == [c.xuid(0)]


@check("SERVERS-USER-403")
def _(c: Mpsd) -> None:
    name = session_of(c)
    assert is_4xx(c.put(name, {"servers": {"s": {"properties": {"custom": {"a": 1}}}}}).status_code)
    assert c.get(name).json()["servers"] == {}


@check("SERVERS-SERVER-WRITE")
def _(c: Mpsd) -> None:
    name = session_of(c)
    added = c.put(name, {"servers": {"s": {"properties": {"custom": {"a": 1}}}}}, who="server")
    assert "s" in added.json()["servers"]
    assert "s" not in c.put(name, {"servers": {"s": None}}, who="server").json()["servers"]


# ---------------------------------------------------------------- contract versions and timers


@check("CV-ECHO")
def _(c: Mpsd) -> None:
    name = session_of(c)
    for version in (104, 105, 107):
        assert c.get(name, version=version).json()["contractVersion"] == version


@check("CV-LEGACY-RENDERING")
def _(c: Mpsd) -> None:
    name = session_of(c)
    assert "timeouts" in c.get(name, version=105).json()["constants"]["system"]
    current = c.get(name, version=107).json()["constants"]["system"]
    assert "reservedRemovalTimeout" in current
    assert "timeouts" not in current


@check("TIMER-EXPIRES-HEADER")
def _(c: Mpsd) -> None:
    response = reserve(c, session_of(c), 1)
    next_timer = response.json()["nextTimer"]
    expires = parsedate_to_datetime(response.headers["Expires"])
    assert expires.strftime("%Y-%m-%dT%H:%M:%S") == next_timer[:19]


# ---------------------------------------------------------------- the tests


@pytest.fixture
def tenant(reference: ReferenceServer) -> Iterator[Callable[[str | None], Mpsd]]:
    """``tenant(None)``: the clean scid; ``tenant(fault)``: the scid with only that fault on."""
    clients: list[Mpsd] = []

    def open_tenant(fault: str | None) -> Mpsd:
        clients.append(Mpsd(reference.url, CLEAN_SCID if fault is None else fault_scid(fault), CONFIG))
        return clients[-1]

    yield open_tenant
    for client in clients:
        client.close()


def test_the_catalogue_has_every_named_fault() -> None:
    assert set(NAMED) - set(FAULTS) == set()


@pytest.mark.parametrize("fault", FAULTS.values(), ids=lambda fault: fault.name)
def test_every_declared_id_is_in_the_ledger(fault: Any) -> None:
    ledger = load_ledger()
    assert fault.breaks
    assert all(requirement in ledger for requirement in (*fault.breaks, *fault.collateral))
    assert not set(fault.breaks) & set(fault.collateral)
    assert bool(fault.collateral) == bool(fault.why_collateral)


@pytest.mark.parametrize("requirement", sorted(CHECKS))
def test_each_check_passes_without_faults(tenant: Callable[[str | None], Mpsd], requirement: str) -> None:
    CHECKS[requirement](tenant(None))


def failing_checks(client: Mpsd) -> set[str]:
    failed = set()
    for requirement, run in CHECKS.items():
        try:
            run(client)
        except (AssertionError, KeyError, ValueError):
            failed.add(requirement)
    return failed


@pytest.mark.parametrize("fault", FAULTS)
def test_each_fault_breaks_what_it_declares_and_nothing_else(
    tenant: Callable[[str | None], Mpsd], fault: str
) -> None:
    """Every ID in ``breaks`` fails; anything else that fails is declared ``collateral``."""
    declared = FAULTS[fault]
    failed = failing_checks(tenant(fault))
    assert set(declared.breaks) - failed == set(), "declared but not broken"
    assert failed - set(declared.breaks) - set(declared.collateral) == set(), "broken but not declared"
