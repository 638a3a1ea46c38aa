"""The stateless fuzz cases as data: generated once for a key, kept, then sent at the transport's speed.

For one suite version, OpenAPI document, settings file, seed and budget (and the versions of the
libraries that generate them), the cases of an operation's fuzz item are fixed before any answer
arrives: schemathesis's explicit examples and coverage cases, then Hypothesis's generated ones, in
one order that only the seed decides. Generating them is most of what the fuzz phase costs (about
28 ms a case, where sending one costs about 1 ms), so the item records them once, by running its
Hypothesis test with a body that keeps each case instead of sending it (``record``), stores them in
the user's cache directory, and on every later run reads them back and sends them.

Sending the stored cases is the live run, case for case, as long as no generated case finds
anything (Hypothesis only departs from its sequence once a case fails). When one does, the item
runs its Hypothesis test live after all, from the start, so that Hypothesis searches and shrinks
as it always has (``conformance.fuzz.shrink``); the cases it makes again up to that one, already
sent, are not sent twice (``resume``). The stateful sequences depend on the answers, so
Hypothesis runs them live, but each step's request is one of these cases (``conformance.fuzz.steps``).
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

from schemathesis.core import NOT_SET
from schemathesis.generation.meta import CaseMetadata

from conformance import __version__
from conformance.resources import openapi_path

SETTINGS = Path(__file__).with_name("schemathesis.toml")
# What shapes the cases besides the document: the settings, and the fuzz phase's own code (its hooks
# and filters, which a suite version under development changes without a new version number).
GENERATING = (SETTINGS, *sorted(Path(__file__).parent.glob("*.py")))
# Where the cases are kept: $MPSD_CONFORMANCE_CACHE, else the platform's per-user cache folder.
CACHE_ENV = "MPSD_CONFORMANCE_CACHE"
# Bump when what a stored case holds changes, so older files are never read.
FORMAT = 2  # 2: a seed's file holds its fuzzing phase alone (engine.stored_cases)
_FIELDS = ("method", "path", "path_parameters", "headers", "cookies", "query", "media_type")


def cache_dir() -> Path:
    given = os.environ.get(CACHE_ENV)
    if given:
        return Path(given)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "mpsd-conformance" / "cases"


def key(operation: str, seed: int | None, examples: int | None) -> str:
    """Everything the cases of one operation depend on, as one digest; seed and examples None for
    the cases no seed or budget decides (the document's examples and the coverage cases)."""
    parts = [
        f"format {FORMAT}",
        f"mpsd-conformance {__version__}",
        f"schemathesis {version('schemathesis')}",
        f"hypothesis {version('hypothesis')}",
        f"operation {operation}",
        f"seed {'any' if seed is None else seed}",
        f"examples {'any' if examples is None else examples}",
    ]
    digest = hashlib.sha256("\n".join(parts).encode())
    digest.update(openapi_path().read_bytes())
    for source in GENERATING:
        digest.update(source.read_bytes())
    return digest.hexdigest()


def _parts(case: Any) -> dict[str, Any]:
    """What ``snapshot`` keeps of a case's request, without copying it."""
    data = {name: getattr(case, name) for name in _FIELDS}
    data["headers"] = dict(data["headers"]) if data["headers"] is not None else None
    if case.body is not NOT_SET:
        data["body"] = case.body
    return data


def snapshot(case: Any) -> dict[str, Any]:
    """What a case is, without its operation (which a stored case takes from the run's schema)."""
    data = copy.deepcopy(_parts(case))
    data["meta"] = _portable(copy.deepcopy(case.meta))
    return data


def _portable(meta: Any) -> Any:
    """The metadata without schemathesis's modification tracking, which holds Python ``hash()``
    values: salted per process, so in another process every container would look modified and be
    revalidated (a negative case could come back positive). The case rebuilds them when it is made
    (``restore``), from the values as they were when the case reached the test."""
    if meta is not None:
        meta._initial_hashes, meta._last_validated_hashes = {}, {}
        meta._initial_containers, meta._dirty = {}, set()
    return meta


def restore(operation: Any, data: dict[str, Any]) -> Any:
    """A case of ``operation`` as ``snapshot`` kept it. The case takes ``data``'s values as they
    are: a stored list is read from its file for each run and sent once."""
    fields = {name: data[name] for name in _FIELDS if name not in ("method", "path")}
    return operation.Case(method=data["method"], body=data.get("body", NOT_SET), _meta=data["meta"], **fields)


def resume(passed: list[dict[str, Any]], exercise: Callable[[Any], None]) -> Callable[[Any], None]:
    """The body of an operation's live run once a stored case found something. The live run makes
    the stored cases again, case for case, up to that one: those that ``passed`` (as stored) go
    unsent, their answers are in the tally already, and the run goes on from the case that found
    it. From the first case that is not its stored one, every case is sent."""
    turns = iter(passed)
    replaying = True

    def body(case: Any) -> None:
        nonlocal replaying
        if replaying:
            stored = next(turns, None)
            replaying = stored is not None and _wire(_parts(case)) == _wire(stored)
            if replaying:
                return
        exercise(case)

    return body


def _wire(data: dict[str, Any]) -> str:
    return repr([data.get(name) for name in (*_FIELDS, "body")])


def to_record(case: Any) -> dict[str, Any]:
    """A case as JSON, for a report (``replay`` sends it again from there): its parts as sent,
    and how it was made (schemathesis's own plain form of its metadata)."""
    record: dict[str, Any] = {"operation": case.operation.label}
    record |= {name: _plain(getattr(case, name)) for name in _FIELDS}
    if case.body is not NOT_SET:
        record["body"] = _plain(case.body)
    record["meta"] = None if case.meta is None else case.meta.to_dict()
    return record


def from_record(operation: Any, record: dict[str, Any]) -> Any:
    """The case ``to_record`` described, as a case of ``operation``."""
    meta = None if record.get("meta") is None else CaseMetadata.from_dict(record["meta"])
    fields = {name: copy.deepcopy(record[name]) for name in _FIELDS if name not in ("method", "path")}
    body = copy.deepcopy(record["body"]) if "body" in record else NOT_SET
    return operation.Case(method=record["method"], body=body, _meta=meta, **fields)


def _plain(value: Any) -> Any:
    """A value as JSON holds it (headers are a case-insensitive mapping; a binary body a string)."""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="backslashreplace")
    if hasattr(value, "items"):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


@dataclass
class Recorder:
    """Stands in for the fuzz context while a Hypothesis test only generates: keeps each case."""

    kept: list[dict[str, Any]] = field(default_factory=list)

    def exercise(self, case: Any) -> None:
        self.kept.append(snapshot(case))


def load(digest: str) -> list[dict[str, Any]] | None:
    path = cache_dir() / f"{digest}.pickle"
    try:
        with path.open("rb") as stored:
            return pickle.load(stored)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None


def save(digest: str, cases: list[dict[str, Any]]) -> None:
    """Atomically, so that parallel workers and runs never read half a file; a cache that cannot be
    written only costs the next run the generation."""
    folder = cache_dir()
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                pickle.dump(cases, out, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, folder / f"{digest}.pickle")
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)


def stored_cases(digest: str, record: Callable[[Recorder], None]) -> list[dict[str, Any]]:
    """The operation's cases, from the cache, or recorded now and kept."""
    cached = load(digest)
    if cached is not None:
        return cached
    recorder = Recorder()
    record(recorder)
    save(digest, recorder.kept)
    return recorder.kept
