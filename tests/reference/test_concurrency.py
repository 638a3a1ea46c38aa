"""Concurrent writers: exactly one conditional winner, and no acknowledged write lost."""

from __future__ import annotations

from .client import Mpsd, fresh
from .races import race


def test_of_50_writers_with_the_same_etag_exactly_one_wins(mpsd: Mpsd) -> None:
    name = fresh()
    etag = mpsd.join(name).headers["ETag"]
    statuses = race(mpsd, name, 50, if_match=etag)
    assert sorted(statuses) == [200] + [412] * 49
    winner = statuses.index(200)
    assert mpsd.get(name).json()["properties"]["custom"] == {f"k{winner}": winner}


def test_unconditional_writers_of_different_keys_lose_nothing(mpsd: Mpsd) -> None:
    name = fresh()
    mpsd.join(name)
    statuses = race(mpsd, name, 20)
    assert statuses == [200] * 20
    assert mpsd.get(name).json()["properties"]["custom"] == {f"k{n}": n for n in range(20)}
