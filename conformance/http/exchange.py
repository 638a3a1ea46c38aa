"""One HTTP request and its answer: the transcript every layer above HTTP shares.

It lives with the client that makes it, so the client does not import the verdicts that judge it;
verdicts, reports and checks import it from here. It is a ``msgspec.Struct`` because it is also
the report's record of the exchange: its fields, in this order, are report.json's, and their
descriptions end up in report.schema.json.
"""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, Struct
from msgspec.structs import force_setattr

Headers = dict[str, str]


class HttpRequest(Struct, frozen=True, forbid_unknown_fields=True):
    headers: Headers
    body: str | None


class HttpResponse(Struct, frozen=True, forbid_unknown_fields=True):
    # Any status HTTP can carry (http.client reads three digits), so that an odd one is recorded.
    status: Annotated[int, Meta(ge=100, le=999)]
    headers: Headers
    body: str | None


class Exchange(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One redacted HTTP request and its answer; response is null when none came back (see error)."""

    method: Annotated[str, Meta(min_length=1)]
    url: str
    request: HttpRequest
    response: HttpResponse | None
    # A tenth of a millisecond is all a report keeps.
    elapsed_ms: Annotated[float, Meta(ge=0)]
    error: str | None = None
    curl: str

    def __post_init__(self) -> None:
        force_setattr(self, "elapsed_ms", round(self.elapsed_ms, 1))

    @property
    def status(self) -> int | None:
        """The answer's status, or None when no answer came back."""
        return None if self.response is None else self.response.status
