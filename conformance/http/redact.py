"""The one place that knows what a secret looks like, so nothing else has to.

Authorization-like header values are always replaced; the configured credentials (and the token
part after ``;`` in an ``XBL3.0 x=<hash>;<token>`` value) are also scrubbed from any free text,
so a target that echoes a token back in a body cannot leak it into a report.
"""

from __future__ import annotations

from collections.abc import Iterable

REDACTED = "[redacted]"
SENSITIVE_HEADERS = frozenset({"authorization", "signature", "cookie", "set-cookie", "proxy-authorization"})
_MIN_SECRET = 4  # shorter fragments would redact ordinary text


class Redactor:
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        fragments = set()
        for secret in secrets:
            fragments.add(secret)
            fragments.update(part for part in secret.split(";")[1:] if part)
        self._fragments = sorted((f for f in fragments if len(f) >= _MIN_SECRET), key=len, reverse=True)

    def text(self, value: str) -> str:
        for fragment in self._fragments:
            if fragment in value:
                value = value.replace(fragment, REDACTED)
        return value

    def header(self, name: str, value: str) -> str:
        return REDACTED if name.lower() in SENSITIVE_HEADERS else self.text(value)

    def headers(self, headers: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
        return tuple((name, self.header(name, value)) for name, value in headers)
