"""One reference server for the whole run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conformance.reference import ReferenceConfig, ReferenceServer

from .client import Mpsd

CLEAN_SCID = "2b2f6e35-52a4-4ad1-9c44-5c1b2a6f0c01"
CONFIG = ReferenceConfig(scids=(CLEAN_SCID,))


@pytest.fixture(scope="session")
def reference() -> Iterator[ReferenceServer]:
    with ReferenceServer(CONFIG) as server:
        yield server


@pytest.fixture
def mpsd(reference: ReferenceServer) -> Iterator[Mpsd]:
    client = Mpsd(reference.url, CLEAN_SCID, CONFIG)
    yield client
    client.close()
