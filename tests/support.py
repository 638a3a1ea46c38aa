"""Helpers shared by the project's own tests (importable as `support`: tests/ is on sys.path)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from jsonschema import Draft7Validator, FormatChecker

ROOT = Path(__file__).resolve().parent.parent
# Test data with its origin and licence in a SOURCES.md beside it.
DATA = Path(__file__).resolve().parent / "data"
# What the official client sends and reads.
CORPUS = DATA / "xsapi"
# CTRF's published JSON Schema, which every report.ctrf.json must satisfy.
CTRF_SCHEMA = DATA / "ctrf" / "ctrf.schema.json"


def corpus_files(pattern: str) -> list[Path]:
    """Real XSAPI payloads from tests/data/xsapi (an empty match is a broken pattern, not a pass)."""
    files = sorted(CORPUS.glob(pattern))
    if not files:
        pytest.fail(f"no corpus files match {pattern} under {CORPUS}")
    return files


def load_json(path: Path) -> object:
    return json.loads(path.read_text(encoding="utf-8"))


def broken_once(value: object, drop_keys: bool = False) -> Iterator[object]:
    """``value`` with one part at a time given another type (a number for a string, a string for
    anything else; mostly one its schema refuses there) and, with ``drop_keys``, each object
    without one of its keys. The tests using it compare two validators, valid or not."""
    if isinstance(value, dict):
        for key, part in value.items():
            if drop_keys:
                yield {k: v for k, v in value.items() if k != key}
            for wrong in broken_once(part, drop_keys):
                yield {**value, key: wrong}
    elif isinstance(value, list):
        for index, part in enumerate(value):
            for wrong in broken_once(part, drop_keys):
                yield [*value[:index], wrong, *value[index + 1 :]]
    yield 1 if isinstance(value, str) else "x"


def ctrf_problems(path: Path) -> list[str]:
    """Where a CTRF file breaks CTRF's schema, formats included: none when valid. Every known format
    is checked, since draft 7's own checker knows no "uuid" and would let any reportId through."""
    validator = Draft7Validator(load_json(CTRF_SCHEMA), format_checker=FormatChecker())
    return [
        f"{path}: /{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(load_json(path))
    ]


def run_against_every_latitude(folder: Path, *args: str) -> int:
    """``mpsd-conformance run ARGS`` against a reference making every latitude's choice at once
    (the self-test's all-at-once variant), its target file written in ``folder``."""
    from conformance.cli import main
    from conformance.config import dump_target
    from conformance.embedded import embedded_target
    from conformance.reference import ReferenceConfig, ReferenceServer
    from conformance.selftest import ALL_AT_ONCE, variant_table

    target = embedded_target()
    variant = variant_table()[ALL_AT_ONCE]
    with ReferenceServer(ReferenceConfig.from_target(target, variant=variant)) as server:
        config = folder / "target.toml"
        config.write_text(dump_target(dataclasses.replace(target, url=server.url)))
        return main(["run", "--config", str(config), *args])
