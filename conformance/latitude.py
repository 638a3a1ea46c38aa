"""The latitude model (``latitude.yaml``): what the documents leave a conformant service free to do.

The fault model says what the suite must fail; this says what it must pass. Each entry names the
reference variant that makes the choice, so the self-test can prove the suite accepts it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Any

from conformance.resources import latitude_path, load_yaml


@dataclass(frozen=True)
class Latitude:
    name: str
    source: tuple[str, ...]
    leaves_open: str
    accept: str
    touches: tuple[str, ...]
    # The fields of the reference's Variant that make this choice.
    variant: Mapping[str, Any]
    # How run --oracle keeps the choice from counting as a divergence: {"normalized": step} or
    # {"allow": rule, ...its parameters} (conformance.oracle.allow).
    oracle: Mapping[str, Any]


@cache
def latitudes() -> tuple[Latitude, ...]:
    data = load_yaml(latitude_path().read_text(encoding="utf-8"))
    return tuple(
        Latitude(
            entry["name"],
            tuple(str(s) for s in entry["source"]),
            entry["leaves_open"],
            entry["accept"],
            tuple(entry["touches"]),
            MappingProxyType(dict(entry["variant"])),
            MappingProxyType(dict(entry["oracle"])),
        )
        for entry in data["latitudes"]
    )
