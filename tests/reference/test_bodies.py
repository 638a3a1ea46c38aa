"""Bad bodies end in a 4xx with a text/plain reason, never a 5xx; real client bodies never give a 5xx."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from support import corpus_files, load_json

from .client import Mpsd, fresh

DEEP = 10_000


def put_raw(mpsd: Mpsd, data: bytes, content_type: str | None = "application/json") -> requests.Response:
    headers = mpsd.headers()
    if content_type is not None:
        headers["Content-Type"] = content_type
    return mpsd.http.put(mpsd.uri(fresh()), data=data, headers=headers, timeout=30)


@pytest.mark.parametrize(
    ("data", "status", "reason"),
    [
        (b"{not json", 400, "not valid JSON"),
        (b"", 400, "empty body"),
        (b"   ", 400, "empty body"),
        (b"[]", 400, "JSON object"),
        (b'"a string"', 400, "JSON object"),
        (b"null", 400, "JSON object"),
        (b'{"a": NaN}', 400, "not valid JSON"),
        (b'{"properties": {"custom": "\xff"}}', 400, "UTF-8"),
        (b"[" * DEEP + b"]" * DEEP, 400, "deeper than 64"),
        (b'{"a":' * DEEP + b"1" + b"}" * DEEP, 400, "deeper than 64"),
        (b'{"properties": {"custom": ' + b"[" * 70 + b"]" * 70 + b"}}", 400, "deeper than 64"),
        (b'{"foo": {}}', 400, "invalid body"),
        (b'{"constants": {"system": {"maxMembersCount": "ten"}}}', 400, "maxMembersCount"),
        (b'{"constants": {"system": {"metrics": {"ping": [1]}}}, "members": {"me": {}}}', 400, "boolean"),
        (b'{"properties": {"system": {"closed": "yes"}}}', 400, "closed"),
        (b'{"members": {"me": {"properties": {"system": {"active": 1}}}}}', 400, "active"),
        (b'{"members": {"reserve_0": {}}}', 400, "reserve_0"),
        (b'{"members": {"someone": null}}', 400, "someone"),
        (b"{}" + b" " * (2 << 20), 413, "larger than"),
    ],
    ids=lambda value: value[:24] if isinstance(value, bytes) else None,
)
def test_bad_bodies_answer_4xx_with_a_reason(mpsd: Mpsd, data: bytes, status: int, reason: str) -> None:
    response = put_raw(mpsd, data)
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert reason in response.text


def test_nesting_up_to_64_levels_is_accepted(mpsd: Mpsd) -> None:
    custom = b"[" * 61 + b"]" * 61  # the body object, properties and custom make 64 levels
    body = b'{"properties": {"custom": ' + custom + b'}, "members": {"me": {}}}'
    assert put_raw(mpsd, body).status_code == 201


@pytest.mark.parametrize(
    ("content_type", "status"),
    [
        (None, 201),
        ("application/json", 201),
        ("application/json; charset=utf-8", 201),
        ("Application/JSON", 201),
        ("application/vnd.mpsd+json", 201),
        ("text/plain", 400),
        ("application/x-www-form-urlencoded", 400),
        ("", 400),
    ],
)
def test_content_type_must_be_json_when_given(mpsd: Mpsd, content_type: str | None, status: int) -> None:
    response = put_raw(mpsd, b'{"members": {"me": {}}}', content_type)
    assert response.status_code == status, response.text


@pytest.mark.parametrize("path", corpus_files("put-request__*.json"), ids=lambda path: path.name[13:])
def test_real_client_bodies_never_cause_a_server_error(mpsd: Mpsd, path: Path) -> None:
    """Each body as a create, and as an update of a session the caller is a member of."""
    body = load_json(path)
    member_of = fresh()
    assert mpsd.join(member_of).status_code == 201
    for name in (fresh(), member_of):
        response = mpsd.put(name, body)
        assert response.status_code < 500, response.text
        if response.status_code >= 400:
            assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
            assert response.text
