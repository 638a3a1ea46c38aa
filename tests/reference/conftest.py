"""One reference server for the whole run: a clean tenant plus one tenant per fault."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from conformance.reference import FAULTS, ReferenceConfig, ReferenceServer

from .client import Mpsd

CLEAN_SCID = "2b2f6e35-52a4-4ad1-9c44-5c1b2a6f0c01"
_NAMESPACE = uuid.UUID("7f6f3a0e-0d55-4b8a-9d3b-2f6a6f1c0d00")


def fault_scid(fault: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, fault))


CONFIG = ReferenceConfig(
    scids=(CLEAN_SCID,),
    scid_faults={fault_scid(name): frozenset({name}) for name in FAULTS},
)


@pytest.fixture(scope="session")
def reference() -> Iterator[ReferenceServer]:
    with ReferenceServer(CONFIG) as server:
        yield server


@pytest.fixture
def mpsd(reference: ReferenceServer) -> Iterator[Mpsd]:
    client = Mpsd(reference.url, CLEAN_SCID, CONFIG)
    yield client
    client.close()
