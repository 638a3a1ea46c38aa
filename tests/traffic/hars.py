"""HAR files for the traffic tests: the committed capture of the reference, and entries made by hand."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from conformance.cli import main

from .reference_har import REFERENCE_HAR

SCID = "00000000-0000-0000-0000-0000000000ab"
BASE = f"https://mpsd.example.test/serviceconfigs/{SCID}/sessionTemplates/conformance/sessions"
Entry = dict[str, Any]


@cache
def _reference() -> str:
    return REFERENCE_HAR.read_text(encoding="utf-8")


def reference() -> dict[str, Any]:
    """A fresh copy of the committed capture, to edit."""
    return copy.deepcopy(json.loads(_reference()))


def entries(har: dict[str, Any]) -> list[Entry]:
    return har["log"]["entries"]


def header(message: dict[str, Any], name: str) -> str | None:
    return next((h["value"] for h in message["headers"] if h["name"].lower() == name.lower()), None)


def body(message: dict[str, Any]) -> Any:
    text = (message.get("postData") or message.get("content") or {}).get("text")
    return json.loads(text) if text else None


def set_body(response: dict[str, Any], document: Any) -> None:
    response["content"]["text"] = json.dumps(document)
    response["content"]["size"] = len(response["content"]["text"])


def written(tmp_path: Path, har: dict[str, Any], name: str = "capture.har") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(har), encoding="utf-8")
    return path


def raw_entry(
    method: str,
    url: str,
    *,
    at: float,
    request: dict[str, str] | None = None,
    sent: Any = None,
    status: int = 200,
    response: dict[str, str] | None = None,
    answered: Any = None,
    text: str | None = None,
) -> Entry:
    """One HAR entry as a capture tool writes it, secrets and all: JSON bodies (``sent``,
    ``answered``) or a text answer; ``at`` seconds after a fixed moment."""
    started = datetime.fromtimestamp(1_800_000_000 + at, UTC).isoformat().replace("+00:00", "Z")
    request_headers = {"X-Xbl-Contract-Version": "107", **(request or {})}
    entry: Entry = {
        "startedDateTime": started,
        "time": 10,
        "request": {
            "method": method,
            "url": url,
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": [{"name": k, "value": v} for k, v in request_headers.items()],
            "queryString": [],
            "headersSize": -1,
            "bodySize": 0,
        },
        "response": {
            "status": status,
            "statusText": "",
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": [],
            "content": {"size": 0, "mimeType": ""},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
        },
        "cache": {},
        "timings": {"send": 0, "wait": 10, "receive": 0},
    }
    if sent is not None:
        posted = json.dumps(sent) if not isinstance(sent, str) else sent
        entry["request"]["postData"] = {"mimeType": "application/json", "text": posted}
        entry["request"]["bodySize"] = len(posted)
    headers = dict(response or {})
    if answered is not None:
        headers.setdefault("Content-Type", "application/json")
        text = json.dumps(answered)
    elif text is not None:
        headers.setdefault("Content-Type", "text/plain")
    entry["response"]["headers"] = [{"name": k, "value": v} for k, v in headers.items()]
    if text is not None:
        entry["response"]["content"] = {"size": len(text), "mimeType": headers["Content-Type"], "text": text}
    return entry


def har_of(*items: Entry) -> dict[str, Any]:
    return {"log": {"version": "1.2", "creator": {"name": "test", "version": "1"}, "entries": list(items)}}


def session(number: int, *, branch: str = "b-1", members: int = 1, **extra: Any) -> dict[str, Any]:
    """A session document the contract's schema accepts, at changeNumber ``number``."""
    table = {
        str(i): {
            "constants": {"system": {"xuid": f"281400000000000{i + 1}"}},
            "properties": {"system": {}, "custom": {}},
            "joinTime": "2026-01-01T00:00:00Z",
            "next": i + 1,
        }
        for i in range(members)
    }
    return {
        "contractVersion": 107,
        "branch": branch,
        "changeNumber": number,
        "correlationId": "c-1",
        "startTime": "2026-01-01T00:00:00Z",
        "constants": {"system": {"maxMembersCount": 10, "visibility": "open"}},
        "properties": {"system": {}, "custom": {}},
        "members": table,
        "membersInfo": {"first": 0, "next": members, "count": members, "accepted": members, "active": 0},
        **extra,
    }


def check(tmp_path: Path, *files: Path, options: tuple[str, ...] = ()) -> tuple[int, dict[str, Any]]:
    """check-traffic over ``files``: its exit code and its report.json."""
    out = tmp_path / "out"
    code = main(["check-traffic", *map(str, files), "--report-dir", str(out), *options])
    report = (
        json.loads((out / "report.json").read_text(encoding="utf-8"))
        if (out / "report.json").exists()
        else {}
    )
    return code, report


def failing(report: dict[str, Any], side: str = "requirements") -> set[str]:
    return {v["id"] for v in report[side] if v["verdict"] in ("fail", "warn", "error")}


def verdicts(report: dict[str, Any], side: str = "requirements") -> dict[str, str]:
    return {v["id"]: v["verdict"] for v in report[side]}
