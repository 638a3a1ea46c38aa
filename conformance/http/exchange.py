"""One HTTP request and its answer: the transcript every layer above HTTP shares.

It lives with the client that makes it, so the client does not import the verdicts that judge it;
verdicts, reports and checks import it from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Exchange:
    """One HTTP request and its answer, already redacted; the evidence a failure carries."""

    method: str
    url: str
    request_headers: tuple[tuple[str, str], ...]
    request_body: str | None
    status: int | None
    response_headers: tuple[tuple[str, str], ...]
    response_body: str | None
    elapsed_ms: float
    curl: str
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "url": self.url,
            "request": {"headers": dict(self.request_headers), "body": self.request_body},
            "response": None
            if self.status is None
            else {"status": self.status, "headers": dict(self.response_headers), "body": self.response_body},
            "elapsed_ms": round(self.elapsed_ms, 1),
            "error": self.error,
            "curl": self.curl,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Exchange:
        response = data["response"] or {}
        return cls(
            method=data["method"],
            url=data["url"],
            request_headers=tuple(data["request"]["headers"].items()),
            request_body=data["request"]["body"],
            status=response.get("status"),
            response_headers=tuple((response.get("headers") or {}).items()),
            response_body=response.get("body"),
            elapsed_ms=data["elapsed_ms"],
            curl=data["curl"],
            error=data["error"],
        )
