"""A request and an answer as the oracle holds them: the bytes that went and came, nothing judged."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit


def _find(headers: tuple[tuple[str, str], ...], name: str) -> str | None:
    wanted = name.lower()
    return next((value for key, value in headers if key.lower() == wanted), None)


def _json(body: bytes | None) -> Any:
    """The body as JSON, or None when there is none or it is not JSON."""
    if not body:
        return None
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


@dataclass(frozen=True)
class Request:
    """A request as the target was sent it (headers in the order and case they went)."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | None

    def header(self, name: str) -> str | None:
        return _find(self.headers, name)

    def query(self, name: str) -> str | None:
        return dict(parse_qsl(urlsplit(self.url).query, keep_blank_values=True)).get(name)

    @property
    def nocommit(self) -> bool:
        """Whether the write asks to store nothing (C2): its answer names no stored change."""
        return (self.query("nocommit") or "").lower() == "true"

    def json(self) -> Any:
        return _json(self.body)

    @property
    def malformed(self) -> bool:
        """Text sent as JSON (or untyped) that is not JSON: what C1 calls malformed JSON. Another
        media type, bytes that are not UTF-8, or JSON nested past any parser are not."""
        media = (self.header("Content-Type") or "application/json").split(";")[0].strip().lower()
        json_typed = media == "application/json" or (
            media.startswith("application/") and media.endswith("+json")
        )
        if not json_typed or not self.body or not self.body.strip():
            return False
        try:
            json.loads(self.body.decode("utf-8"), parse_constant=_not_json)
        except (UnicodeDecodeError, RecursionError):
            return False
        except ValueError:
            return True
        return False


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


@dataclass(frozen=True)
class Answer:
    """An HTTP answer as it came back (headers in the order and case they came, the body decoded)."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        return _find(self.headers, name)

    @property
    def media_type(self) -> str | None:
        value = self.header("Content-Type")
        return None if value is None else value.split(";")[0].strip().lower()

    def json(self) -> Any:
        return _json(self.body)
