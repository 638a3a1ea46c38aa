"""Stored session -> wire document: derived fields, contract versions, and the documented schema."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.reference.config import Variant
from conformance.reference.faults import FaultSet
from conformance.reference.merge import apply_write
from conformance.reference.model import SERVER, Doc, Principal, WriteContext
from conformance.reference.render import EXTRA_FIELD, render_session
from conformance.spec import schema_errors

A, B, C = Principal("1001"), Principal("1002"), Principal("1003")
NOW = 1_700_000_000.25


def write(session: Doc | None, body: Doc, principal: Principal = A) -> Doc:
    result = apply_write(session, body, WriteContext(principal, NOW))
    assert result is not None
    return {**result, "correlationId": "C0", "branch": "B0", "changeNumber": 1}


def render(session: Doc, version: int = 107, **choices: Any) -> Doc:
    return render_session(
        session, version=version, faults=FaultSet(), title_id="1297290208", variant=Variant(**choices)
    )


@pytest.fixture
def busy() -> Doc:
    """A session using most of what the service renders."""
    system = {
        "capabilities": {"connectivity": True, "userAuthorizationStyle": True},
        "memberInitialization": {"membersNeededToStart": 1, "externalEvaluation": True},
    }
    me = {
        "constants": {"system": {"xuid": A.xuid, "initialize": True}},
        "properties": {"system": {"active": True, "secureDeviceAddress": "AAAA"}, "custom": {"k": 1}},
        "roles": {"lfg": "leader"},
    }
    body = {
        "constants": {"system": system, "custom": {"mode": "x"}},
        "roleTypes": {"lfg": {"roles": {"leader": {"max": 1}}}},
        "members": {"me": me, "reserve_0": {"constants": {"system": {"xuid": B.xuid}}}},
        "properties": {"system": {"keywords": ["k"]}, "custom": {"a": 1}},
    }
    session = write(None, body)
    session = write(session, {"members": {"me": {"constants": {"system": {"xuid": C.xuid}}}}}, C)
    return write(session, {"servers": {"match": {"properties": {"system": {"lockId": "l"}}}}}, SERVER)


@pytest.mark.parametrize("version", [104, 105, 107])
def test_the_rendering_validates_against_multiplayer_session(busy: Doc, version: int) -> None:
    assert schema_errors("MultiplayerSession", render(busy, version)) == []


def test_members_form_a_list_from_first_to_next(busy: Doc) -> None:
    wire = render(busy)
    info = wire["membersInfo"]
    assert info == {"first": 0, "next": 3, "count": 3, "accepted": 2, "active": 1}
    walk, index = [], info["first"]
    while index != info["next"]:
        walk.append(index)
        index = wire["members"][str(index)]["next"]
    assert walk == [0, 1, 2]


def test_member_rendering(busy: Doc) -> None:
    members = render(busy)["members"]
    first = members["0"]
    assert first["activeTitleId"] == "1297290208"
    assert first["initializationEpisode"] == 1
    assert first["deviceToken"]
    assert first["roles"] == {"lfg": "leader"}
    assert first["joinTime"] == "2023-11-14T22:13:20.250000Z"
    assert members["1"]["reserved"] is True
    assert "activeTitleId" not in members["1"]
    assert members["2"]["constants"]["custom"] == {}
    assert members["2"]["properties"] == {
        "system": {},
        "custom": {},
    }
    assert "reserved" not in members["2"]


def test_session_rendering(busy: Doc) -> None:
    wire = render(busy)
    # The creator is active at once, and evaluation is external: the episode is evaluating, and its
    # evaluationTimeout (5 s) is the first timer, before the reservation's; rounded up to the second.
    assert wire["initializing"]["stage"] == "evaluating"
    assert wire["nextTimer"] == "2023-11-14T22:13:26.000000Z"
    assert wire["properties"]["system"] == {
        "keywords": ["k"],
        "joinRestriction": "local",
        "readRestriction": "local",
    }
    assert wire["roleTypes"] == {
        "lfg": {"roles": {"leader": {"max": 1, "count": 1, "memberXuids": [A.xuid]}}}
    }
    assert wire["servers"]["match"]["properties"]["system"] == {"lockId": "l"}
    assert EXTRA_FIELD not in wire
    assert EXTRA_FIELD in render(busy, extra_fields=True)


def test_contract_105_uses_the_legacy_names(busy: Doc) -> None:
    legacy = render(busy, 105)["constants"]["system"]
    assert legacy["timeouts"] == {"reserved": 30000, "inactive": 0, "ready": 180000, "sessionEmpty": 0}
    assert legacy["managedInitialization"] == {"membersNeededToStart": 1, "autoEvaluate": False}
    assert "reservedRemovalTimeout" not in legacy
    assert "memberInitialization" not in legacy
    current = render(busy, 107)["constants"]["system"]
    assert current["reservedRemovalTimeout"] == 30000
    assert "timeouts" not in current
    assert render(busy, 104)["contractVersion"] == 104


def test_an_empty_session_renders_first_equal_to_next() -> None:
    session = write(None, {"constants": {"system": {"sessionEmptyTimeout": 1000}}})
    wire = render(session)
    assert wire["members"] == {}
    assert wire["membersInfo"]["first"] == wire["membersInfo"]["next"] == 0
    assert schema_errors("MultiplayerSession", wire) == []
