"""Each latitude's reference variant really makes its choice, and stays conformant while it does.

The self-test proves the suite passes every variant; that proof is worth something only if the
variant answers differently from the default reference. So one fixed script of requests (a join, a
reservation with a timer, a nocommit write, conditional writes, refusals of every kind) runs against
the default reference and against each variant, on a frozen clock, and what came back, random
GUIDs and ETag values aside, must differ.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import requests

from conformance.latitude import latitudes
from conformance.reference import ReferenceConfig, ReferenceServer
from conformance.reference.config import DEFAULT_SCID, OPTIONS, Variant, noting_reads
from conformance.reference.faults import OPTION, FaultLog
from conformance.spec import schema_errors

from .client import Mpsd

# A quarter past a whole second, so that both the digits of a timestamp and a timer's rounding show.
# With timers acted on every 2 s, a 4 s timeout from NOW is announced for +6 s instead of +5 s.
NOW = 1_800_000_000.25
_HEX = re.compile(r"[0-9a-fA-F]{8}(?:-?[0-9a-fA-F]{4}){3}-?[0-9a-fA-F]{12}|[0-9a-fA-F]{16,}")


def _blank(text: str) -> str:
    """Random GUIDs and hex ETags replaced by their case, which a variant may change."""
    return _HEX.sub(lambda m: "G" if m.group().isupper() else "g", text)


def _seen(response: requests.Response) -> tuple[object, ...]:
    raw = response.raw.headers
    wire = {name: raw[name] for name in raw if name.lower() not in ("date", "server")}
    return response.status_code, _blank(repr(sorted(wire.items()))), _blank(response.text)


def _script(client: Mpsd) -> list[tuple[object, ...]]:
    timers = {"system": {"reservedRemovalTimeout": 4000}}
    joined = client.join("a", constants=timers)
    reserve = {"members": {"reserve_0": {"constants": {"system": {"xuid": client.xuid(1)}}}}}
    answers = [
        joined,
        client.put("a", reserve),
        client.put("a", {}, params={"nocommit": "true"}),
        client.put("a", {}, headers={"If-Match": "stale"}),
        client.put("b", {}, headers={"If-Match": ""}),
        client.put("a", {"foo": 1}),
        client.http.put(client.uri("a"), json={}, timeout=10),
        client.http.request("PURGE", client.uri("a"), headers=client.headers(), timeout=10),
        client.get("a", headers={"Accept-Encoding": "gzip"}),
    ]
    return [_seen(answer) for answer in answers]


@contextmanager
def _served(variant: Variant) -> Iterator[Mpsd]:
    config = ReferenceConfig(variant=variant)
    with ReferenceServer(config, clock=lambda: NOW) as server:
        client = Mpsd(server.url, DEFAULT_SCID, config)
        yield client
        client.close()


@pytest.fixture(scope="module")
def default_answers() -> list[tuple[object, ...]]:
    with _served(Variant()) as client:
        return _script(client)


@pytest.mark.parametrize("latitude", latitudes(), ids=lambda latitude: latitude.name)
def test_each_latitude_variant_answers_differently_and_conformantly(latitude, default_answers) -> None:
    with _served(Variant(**latitude.variant)) as client:
        answers = _script(client)
        session = client.get("a").json()
    assert answers != default_answers, f"the {latitude.name} variant changes nothing the script sees"
    assert schema_errors("MultiplayerSession", session) == []


def test_a_noted_variant_answers_as_the_variant_and_says_which_request_read_what() -> None:
    """The self-test runs a variant only against the checks whose requests read an option it
    changes: the reads must be noted under the request's session, or as read anywhere when no
    request is being answered (at start-up)."""
    variant = Variant(first_index=7, gzip=True)
    log = FaultLog()
    noted = noting_reads(variant, log)
    assert all(getattr(noted, option) == getattr(variant, option) for option in OPTIONS)
    assert log.read_anywhere == {OPTION + option for option in OPTIONS}
    log.read_anywhere.clear()
    with log.listening("s1"):
        assert noted.first_index == 7
    with log.listening("s2"):
        pass
    assert log.by_session == {"s1": {OPTION + "first_index"}, "s2": set()}
    assert log.read_anywhere == set()
