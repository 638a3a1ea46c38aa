"""Reading captures: HAR files, and the suite's own report.json transcripts.

Every file becomes records in the time order it holds. A HAR keeps each exchange's start and
duration, so its records are one clock. A report keeps each check's exchanges in the order the
check sent them but says nothing of time between checks (several workers ran them at once), so
each check's transcript is a clock of its own, and an exchange two checks show is read once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import msgspec

from conformance.http.exchange import Exchange
from conformance.http.redact import Redactor
from conformance.report import ReportError, load_report
from conformance.report.json_report import result_from_report
from conformance.traffic import har
from conformance.traffic.record import Record

# How a report's transcript marks a body it cut (conformance.http.client.EVIDENCE_BODY_LIMIT).
_CUT = re.compile(r"\.\.\.\[[\d,]+ more bytes\]$")


class CaptureError(ValueError):
    """A file that is no capture, or a capture with nothing to judge; one line that names it."""


@dataclass(frozen=True)
class Capture:
    """The MPSD session exchanges of some files, in order, and how much else they held."""

    records: tuple[Record, ...]
    entries: int
    files: tuple[str, ...]
    # Scrubs every secret the files hold from any text (reports get a last pass with it).
    redactor: Redactor


def _load(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CaptureError(f"{path}: cannot read ({exc.strerror})") from None
    except ValueError as exc:
        raise CaptureError(f"{path}: not JSON, so neither a HAR file nor a report.json ({exc})") from None


def _is_report(document: Any) -> bool:
    return isinstance(document, dict) and "schema_version" in document and "requirements" in document


def read(paths: Sequence[Path]) -> Capture:
    """The MPSD exchanges of every file, or CaptureError for a file that is neither HAR nor a
    report, and for captures that hold no MPSD session exchange at all."""
    documents = [(path, _load(path)) for path in paths]
    secrets: set[str] = set()
    for path, document in documents:
        if not _is_report(document):
            try:
                secrets |= har.secrets_of(har.entries_of(document))
            except har.HarError as exc:
                raise CaptureError(f"{path}: {exc} (nor is it a report.json)") from None
    redactor, callers = Redactor(secrets), har.Callers()
    records: list[Record] = []
    for path, document in documents:
        if _is_report(document):
            records.extend(_transcripts(path))
            continue
        try:
            records.extend(from_har(har.entries_of(document), path.name, str(path), redactor, callers))
        except har.HarError as exc:
            raise CaptureError(f"{path}: not a HAR file: {exc}") from None
    ordered = numbered(records)
    mpsd = tuple(r for r in ordered if r.route is not None)
    names = ", ".join(str(p) for p in paths)
    if not mpsd:
        raise CaptureError(
            f"{names}: no MPSD session exchange in {len(ordered)} exchanges "
            "(none to .../serviceconfigs/{scid}/sessiontemplates/{template}/sessions/{name})"
        )
    return Capture(mpsd, len(ordered), tuple(str(p) for p in paths), redactor)


def from_har(
    entries: list[Any], name: str, clock: str, redactor: Redactor, callers: har.Callers
) -> list[Record]:
    """A HAR's entries as records in the order they began (the proxy's, as check-traffic reads them)."""
    found = [
        har.record_of(
            item, index=n, where=f"{name}, entry {n}", clock=clock, redactor=redactor, callers=callers
        )
        for n, item in enumerate(entries, start=1)
    ]
    return sorted(found, key=lambda r: r.start)


def numbered(records: Iterable[Record]) -> tuple[Record, ...]:
    """The records numbered in the order given: the order every judge and report follows."""
    return tuple(replace(r, index=i) for i, r in enumerate(records))


def _held(text: str | None) -> bytes | None:
    """A transcript body as bytes, or None where the report cut it."""
    if text is None:
        return b""
    return None if _CUT.search(text) else text.encode("utf-8", errors="surrogatepass")


def _transcripts(path: Path) -> Iterator[Record]:
    """Each check's exchanges of a report, each check its own clock, every exchange once."""
    try:
        result = result_from_report(load_report(path))
    except ReportError as exc:
        raise CaptureError(str(exc)) from None
    seen: set[bytes] = set()
    moment = 0.0
    for verdict in (*result.verdicts, *result.client):
        for check in verdict.checks:
            clock = f"{path}::{verdict.id}::{check.check}"
            for exchange in check.evidence:
                key = msgspec.json.encode(exchange)
                if key in seen:
                    continue
                seen.add(key)
                moment += 1.0
                yield _from_exchange(exchange, f"{path.name}, {verdict.id} / {check.check}", clock, moment)


def _from_exchange(exchange: Exchange, where: str, clock: str, moment: float) -> Record:
    response = exchange.response
    return Record(
        index=0,
        where=where,
        clock=clock,
        start=moment,
        end=moment + 0.5,
        method=exchange.method.upper(),
        url=exchange.url,
        request_headers=tuple(exchange.request.headers.items()),
        request_body=_held(exchange.request.body),
        status=None if response is None else response.status,
        response_headers=() if response is None else tuple(response.headers.items()),
        response_body=None if response is None else _held(response.body),
        caller=None,  # a report keeps no credential, not even a pseudonym of one
        exchange=exchange,
        error=exchange.error,
    )
