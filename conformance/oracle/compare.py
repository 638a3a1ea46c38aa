"""Two normalized answers side by side: where they differ.

Statuses that differ are the whole difference: the rest of two answers with different statuses is
documented differently, so comparing it would only repeat the status. So is a Content-Type that
differs for the body it types.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from conformance.oracle.normalize import ABSENT, Field, Fields


@dataclass(frozen=True)
class Diff:
    """One compared part the two sides answered differently."""

    part: str
    path: str
    general: str
    target: Any
    reference: Any

    @property
    def key(self) -> str:
        return f"{self.part} {self.path}"

    @property
    def where(self) -> tuple[str, str]:
        """What the two references are checked against for noise: the part and the general path."""
        return (self.part, self.general)


def differences(target: Fields, reference: Fields) -> list[Diff]:
    status_t, status_r = target["status status"].value, reference["status status"].value
    if status_t != status_r:
        return [Diff("status", "status", "status", status_t, status_r)]
    found = []
    for key in sorted(target.keys() | reference.keys()):
        mine, theirs = target.get(key), reference.get(key)
        if _value(mine) != _value(theirs):
            field = mine or theirs
            assert field is not None
            found.append(Diff(field.part, field.path, field.general, _value(mine), _value(theirs)))
    typed = any(d.key == "header Content-Type" for d in found)
    return [d for d in found if not (typed and d.part == "body")]


def _value(field: Field | None) -> Any:
    return ABSENT if field is None else field.value


def shown(value: Any) -> str:
    """A normalized value as a report shows it: JSON, or the bare word absent."""
    if isinstance(value, str) and value == ABSENT:
        return ABSENT
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
