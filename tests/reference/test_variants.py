"""The incidental choices a conformant service may make differently, all switched on at once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conformance.reference import ReferenceConfig, ReferenceServer
from conformance.reference.config import DEFAULT_SCID, Variant
from conformance.reference.render import EXTRA_FIELD
from conformance.spec import schema_errors

from .client import Mpsd, fresh

EVERYTHING = Variant(
    first_index=1, etag_quoted=True, json_charset=True, extra_fields=True, title_case_headers=True
)


@pytest.fixture(scope="module")
def variant() -> Iterator[Mpsd]:
    config = ReferenceConfig(variant=EVERYTHING)
    with ReferenceServer(config) as server:
        client = Mpsd(server.url, DEFAULT_SCID, config)
        yield client
        client.close()


def test_every_variant_is_visible_and_still_conformant(variant: Mpsd) -> None:
    name = fresh()
    response = variant.join(name)
    assert response.status_code == 201
    session = response.json()
    assert schema_errors("MultiplayerSession", session) == []
    assert session["membersInfo"]["first"] == 1
    assert list(session["members"]) == ["1"]
    assert EXTRA_FIELD in session
    assert EXTRA_FIELD in session["members"]["1"]
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    etag = response.headers["ETag"]
    assert etag.startswith('"')
    assert etag.endswith('"')
    assert {"Etag", "Content-Type", "Content-Length"} <= set(response.raw.headers.keys())
    assert variant.put(name, {}, headers={"If-Match": etag}).status_code == 200
    assert variant.get(name, headers={"If-None-Match": etag}).status_code == 304


def test_errors_keep_their_text_under_title_case(variant: Mpsd) -> None:
    response = variant.put(fresh(), {"foo": 1})
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
