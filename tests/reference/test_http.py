"""The HTTP surface of the reference service: routes, identity, headers, status codes, conditional writes."""

from __future__ import annotations

import re
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
import requests

from conformance.spec import schema_errors

from .client import Mpsd, fresh

GUID = re.compile(r"^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$")


def created(mpsd: Mpsd, **member: Any) -> tuple[str, requests.Response]:
    name = fresh()
    response = mpsd.join(name, **member)
    assert response.status_code == 201, response.text
    return name, response


def assert_text_error(response: requests.Response, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.text
    assert "\n" not in response.text
    return response.text


# ---------------------------------------------------------------- routes and identity


def test_create_answers_201_with_a_documented_session_and_a_bare_guid_etag(mpsd: Mpsd) -> None:
    _, response = created(mpsd)
    assert response.headers["Content-Type"] == "application/json"
    assert GUID.match(response.headers["ETag"])
    session = response.json()
    assert schema_errors("MultiplayerSession", session) == []
    assert session["contractVersion"] == 107
    assert session["membersInfo"]["count"] == 1
    assert session["members"][str(session["membersInfo"]["first"])]["constants"]["system"][
        "xuid"
    ] == mpsd.xuid(0)


def test_get_reads_the_session_as_stored_through_either_path_spelling_and_any_name_case(mpsd: Mpsd) -> None:
    name, put = created(mpsd)
    for response in (mpsd.get(name), mpsd.get(name.upper(), segment="sessionTemplates")):
        assert response.status_code == 200
        assert response.json() == put.json()
        assert response.headers["ETag"] == put.headers["ETag"]


@pytest.mark.parametrize(
    ("method", "properties", "allow"),
    [
        ("POST", False, "GET, HEAD, PUT"),
        ("DELETE", False, "GET, HEAD, PUT"),
        ("GET", True, "PUT"),
        ("PATCH", True, "PUT"),
    ],
)
def test_a_wrong_verb_answers_405_with_allow(mpsd: Mpsd, method: str, properties: bool, allow: str) -> None:
    response = mpsd.http.request(method, mpsd.uri(fresh(), properties=properties), headers=mpsd.headers())
    assert_text_error(response, 405)
    assert sorted(response.headers["Allow"].split(", ")) == allow.split(", ")


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/serviceconfigs/x",
        "/serviceconfigs/{scid}/templates/conformance/sessions/n",
        "/serviceconfigs/{scid}/sessiontemplates/conformance/sessions/n/members/me",
    ],
)
def test_unknown_paths_answer_404(mpsd: Mpsd, path: str) -> None:
    assert_text_error(
        mpsd.http.put(mpsd.url + path.format(scid=mpsd.scid), json={}, headers=mpsd.headers()), 404
    )


@pytest.mark.parametrize("authorization", [None, "", "XBL3.0 x=nobody;nothing"])
def test_a_missing_or_unknown_authorization_answers_401_without_echoing_it(
    mpsd: Mpsd, authorization: str | None
) -> None:
    headers = {"X-Xbl-Contract-Version": "107"}
    if authorization is not None:
        headers["Authorization"] = authorization
    response = mpsd.http.put(mpsd.uri(fresh()), json={}, headers=headers)
    text = assert_text_error(response, 401)
    assert not authorization or authorization not in text


@pytest.mark.parametrize("version", [None, "103", "106", "1_07", "abc", ""])
def test_the_contract_version_is_required_and_must_be_supported(mpsd: Mpsd, version: str | None) -> None:
    headers = {"Authorization": mpsd.authorization(0)}
    if version is not None:
        headers["X-Xbl-Contract-Version"] = version
    assert_text_error(mpsd.http.put(mpsd.uri(fresh()), json={}, headers=headers), 400)


def test_header_names_are_case_insensitive(mpsd: Mpsd) -> None:
    headers = {"authorization": mpsd.authorization(0), "x-xbl-contract-version": "105"}
    response = mpsd.http.put(mpsd.uri(fresh()), json={"members": {"me": mpsd.me(0)}}, headers=headers)
    assert response.status_code == 201
    assert response.json()["contractVersion"] == 105


def test_an_unserved_scid_or_unknown_template_answers_404(mpsd: Mpsd) -> None:
    other = Mpsd(mpsd.url, "00000000-0000-0000-0000-0000000000ff", mpsd.config)
    assert_text_error(other.join(fresh()), 404)
    mpsd.template = "no-such-template"
    assert_text_error(mpsd.join(fresh()), 404)


def test_template_names_compare_case_insensitively(mpsd: Mpsd) -> None:
    mpsd.template = "QUICK"
    name, response = created(mpsd)
    assert response.json()["constants"]["system"]["maxMembersCount"] == 8
    mpsd.template = "quick"
    assert mpsd.get(name).json() == response.json()


# ---------------------------------------------------------------- reading


def test_get_of_a_missing_session_answers_204(mpsd: Mpsd) -> None:
    response = mpsd.get(fresh())
    assert response.status_code == 204
    assert response.content == b""
    assert "ETag" not in response.headers


def test_get_with_if_none_match(mpsd: Mpsd) -> None:
    name, first = created(mpsd)
    etag = first.headers["ETag"]
    for form in (etag, f'"{etag}"', f'W/"{etag}"', f'"other", "{etag}"'):
        response = mpsd.get(name, headers={"If-None-Match": form})
        assert response.status_code == 304
        assert response.content == b""
        assert response.headers["ETag"] == etag
    mpsd.put(name, {"properties": {"custom": {"a": 1}}})
    assert mpsd.get(name, headers={"If-None-Match": etag}).status_code == 200


def test_a_private_session_is_unreadable_to_others(mpsd: Mpsd) -> None:
    name = fresh()
    assert mpsd.join(name, constants={"system": {"visibility": "private"}}).status_code == 201
    assert_text_error(mpsd.get(name, who=1), 403)
    assert mpsd.get(name, who="server").status_code == 200


# ---------------------------------------------------------------- writing: status codes and bookkeeping


def test_update_answers_200_and_each_commit_bumps_etag_and_change_number(mpsd: Mpsd) -> None:
    name, first = created(mpsd)
    second = mpsd.put(name, {"properties": {"custom": {"a": 1}}})
    assert second.status_code == 200
    assert second.headers["ETag"] != first.headers["ETag"]
    before, after = first.json(), second.json()
    assert after["changeNumber"] == before["changeNumber"] + 1
    for stable in ("correlationId", "branch", "startTime"):
        assert after[stable] == before[stable]


@pytest.mark.parametrize("body", [{}, {"properties": {"custom": {"a": 1}}}])
def test_a_write_that_changes_nothing_commits_nothing(mpsd: Mpsd, body: dict[str, Any]) -> None:
    name, _ = created(mpsd)
    first = mpsd.put(name, body)
    again = mpsd.put(name, body)
    assert again.status_code == 200
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.json() == first.json()


def test_the_last_leave_answers_204_and_deletes(mpsd: Mpsd) -> None:
    name, _ = created(mpsd)
    response = mpsd.put(name, {"members": {"me": None}})
    assert response.status_code == 204
    assert response.content == b""
    assert mpsd.get(name).status_code == 204


def test_a_create_without_members_stores_nothing_unless_an_empty_timeout_keeps_it(mpsd: Mpsd) -> None:
    name = fresh()
    assert mpsd.put(name, {"properties": {"custom": {"a": 1}}}).status_code == 204
    assert mpsd.get(name).status_code == 204
    kept = mpsd.put(name, {"constants": {"system": {"sessionEmptyTimeout": 60000}}})
    assert kept.status_code == 201
    assert kept.json()["membersInfo"]["count"] == 0


def test_nocommit_answers_as_it_would_and_stores_nothing(mpsd: Mpsd) -> None:
    name = fresh()
    dry = mpsd.put(name, {"members": {"me": mpsd.me(0)}}, params={"nocommit": "true"})
    assert dry.status_code == 201
    assert dry.json()["membersInfo"]["count"] == 1
    assert mpsd.get(name).status_code == 204
    name = fresh()
    mpsd.join(name)
    dry = mpsd.put(name, {"properties": {"custom": {"a": 1}}}, params={"nocommit": "TRUE"})
    assert dry.status_code == 200
    assert dry.json()["properties"]["custom"] == {"a": 1}
    assert mpsd.get(name).json()["properties"]["custom"] == {}
    stale = mpsd.put(name, {}, headers={"If-Match": dry.headers["ETag"]})
    assert stale.status_code == 412
    assert mpsd.put(name, {"members": {"me": None}}, params={"nocommit": "true"}).status_code == 204
    assert mpsd.get(name).status_code == 200
    assert_text_error(mpsd.put(name, {}, params={"nocommit": "maybe"}), 400)


# ---------------------------------------------------------------- conditional writes


def test_if_none_match_star_creates_only(mpsd: Mpsd) -> None:
    name = fresh()
    create_only = {"If-None-Match": "*"}
    first = mpsd.put(name, {"members": {"me": mpsd.me(0)}}, headers=create_only)
    assert first.status_code == 201
    again = mpsd.put(name, {"properties": {"custom": {"a": 1}}}, headers=create_only)
    assert again.status_code == 412
    assert again.json() == first.json()
    assert again.headers["ETag"] == first.headers["ETag"]


def test_if_match_star_updates_only(mpsd: Mpsd) -> None:
    name = fresh()
    absent = mpsd.put(name, {"members": {"me": mpsd.me(0)}}, headers={"If-Match": "*"})
    assert absent.status_code == 412
    assert absent.content == b""
    assert mpsd.get(name).status_code == 204
    mpsd.join(name)
    assert mpsd.put(name, {"properties": {"custom": {"a": 1}}}, headers={"If-Match": "*"}).status_code == 200


def test_if_match_etag(mpsd: Mpsd) -> None:
    name, first = created(mpsd)
    etag = first.headers["ETag"]
    second = mpsd.put(name, {"properties": {"custom": {"a": 1}}}, headers={"If-Match": f'W/"{etag}"'})
    assert second.status_code == 200
    assert second.headers["ETag"] != etag
    stale = mpsd.put(name, {"properties": {"custom": {"a": 2}}}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert stale.headers["Content-Type"] == "application/json"
    assert stale.json() == second.json()
    assert stale.headers["ETag"] == second.headers["ETag"]
    absent = mpsd.put(fresh(), {"members": {"me": mpsd.me(0)}}, headers={"If-Match": etag})
    assert absent.status_code == 412
    assert absent.content == b""


# ---------------------------------------------------------------- the properties sub-resource


def test_properties_put_on_a_missing_session_answers_404(mpsd: Mpsd) -> None:
    name = fresh()
    assert_text_error(mpsd.put(name, {"custom": {"a": 1}}, properties=True), 404)
    assert mpsd.get(name).status_code == 204


def test_properties_put_equals_a_session_put_of_properties(mpsd: Mpsd) -> None:
    bag = {"system": {"keywords": ["x"], "closed": True}, "custom": {"a": 1}}
    one, _ = created(mpsd)
    two, _ = created(mpsd)
    via_properties = mpsd.put(one, bag, properties=True)
    via_session = mpsd.put(two, {"properties": bag})
    assert via_properties.status_code == via_session.status_code == 200
    assert via_properties.json()["properties"] == via_session.json()["properties"]


def test_properties_put_honours_if_match(mpsd: Mpsd) -> None:
    name, first = created(mpsd)
    mpsd.put(name, {"properties": {"custom": {"a": 1}}})
    stale = mpsd.put(name, {"custom": {"a": 2}}, properties=True, headers={"If-Match": first.headers["ETag"]})
    assert stale.status_code == 412
    assert stale.json()["properties"]["custom"] == {"a": 1}
    current = mpsd.get(name).headers["ETag"]
    fresh_write = mpsd.put(name, {"custom": {"a": 2}}, properties=True, headers={"If-Match": current})
    assert fresh_write.status_code == 200


# ---------------------------------------------------------------- contract versions and timers


@pytest.mark.parametrize("version", [104, 105, 107])
def test_the_session_is_rendered_in_the_request_version(mpsd: Mpsd, version: int) -> None:
    name, _ = created(mpsd)
    session = mpsd.get(name, version=version).json()
    assert session["contractVersion"] == version
    assert ("timeouts" in session["constants"]["system"]) == (version != 107)
    assert schema_errors("MultiplayerSession", session) == []


def test_expires_carries_the_next_timer(mpsd: Mpsd) -> None:
    name, first = created(mpsd)
    assert "nextTimer" not in first.json()
    assert "Expires" not in first.headers
    reserved = mpsd.put(name, {"members": {"reserve_0": {"constants": {"system": {"xuid": mpsd.xuid(1)}}}}})
    session = reserved.json()
    expires = parsedate_to_datetime(reserved.headers["Expires"])
    assert expires.isoformat().replace("+00:00", ".000000Z") == session["nextTimer"]


def test_a_timer_too_far_off_to_announce_never_fires_and_the_session_stays_readable(mpsd: Mpsd) -> None:
    name = fresh()
    kept = mpsd.put(name, {"constants": {"system": {"sessionEmptyTimeout": 10**15}}})  # the year 33715
    assert kept.status_code == 201, kept.text
    assert "nextTimer" not in kept.json()
    assert "Expires" not in kept.headers
    assert mpsd.get(name).json() == kept.json()
