"""An answer as the oracle compares it: the status, the documented headers and the documented body
fields, each volatile value replaced by what may be compared about it.

Volatile values, and what is kept of each (the same for the target and the reference):

- an ETag, a session's ``correlationId``, ``branch`` and ``changeNumber``: the order in which the
  value first appeared in the session on that side (``#1``, ``#2``, ...). Two services mint
  different ETags, but a conformant one mints a new one exactly when the reference does, so the
  pairing of ETags with changes survives: a write that keeps its ETag, or a changeNumber that does
  not move, shows. An ETag is read without quotes or ``W/`` (the ETag latitudes);
- the device tokens (``deviceToken``, ``host``, ``hostCandidates``) and ``activeTitleId``, which a
  service derives from its own configuration: likewise, in the order first seen in the run;
- times (the document's ``Timestamp`` fields, the ``Expires`` header): present or not;
- member indices, as keys of ``members`` and as values (``membersInfo.first`` and ``next``, each
  member's ``next``, ``turn``, ``owners``, ``initializationGroup``): their rank in the answer's
  members (``#0``, ``#1``, ...; one past the last is ``#after-last``), since where indices start
  and how far apart they are is the service's choice.

Each normalization step a latitude relies on has a name (``STEPS``), which ``latitude.yaml`` cites.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from conformance.oracle.document import Operation, documented, resolve, schema_name
from conformance.oracle.wire import Answer

# The normalization steps, by the names latitude.yaml's ``oracle: {normalized: STEP}`` cites.
STEPS: Mapping[str, str] = {
    "header-case": "headers are looked up by name in any case",
    "media-type": "Content-Type is compared as its media type, in lower case, without parameters",
    "etag-form": "an ETag is read without quotes or W/, and compared by when it first appeared",
    "key-order": "bodies are compared as parsed JSON, where key order carries nothing",
    "member-index": "member indices are compared by their rank among the answer's members",
    "documented-fields": "only the fields the document names are compared",
    "guid": "correlationId and branch are compared by when they first appeared, in any case",
    "times": "a time is compared as present or not",
    "framing": "bodies are compared as decoded (chunked, gzip); framing headers are not documented",
    "reason-text": "a text/plain body is compared as present or empty, never by its words",
}

ABSENT = "absent"
EMPTY = "<empty>"
TIME = "<time>"
TEXT = "<text>"
JSON_MEDIA = "application/json"
AFTER_LAST = "#after-last"

# Body fields whose values are tokens: per session, or per run (what a service derives from its
# own configuration: the devices it knows, its title).
_SESSION_TOKENS = frozenset({"correlationId", "branch", "changeNumber"})
_RUN_TOKENS = frozenset(
    {"members.*.deviceToken", "properties.system.host", "hostCandidates", "members.*.activeTitleId"}
)
# Body fields whose values are member indices.
_INDICES = frozenset(
    {
        "membersInfo.first",
        "membersInfo.next",
        "members.*.next",
        "properties.system.turn",
        "properties.system.owners",
        "members.*.properties.system.initializationGroup",
    }
)


@dataclass
class Memory:
    """One side's volatile values in the order they first appeared."""

    _seen: dict[tuple[str, ...], dict[str, str]] = field(default_factory=dict)

    def token(self, scope: tuple[str, ...], value: str) -> str:
        table = self._seen.setdefault(scope, {})
        return table.setdefault(value, f"#{len(table) + 1}")


@dataclass(frozen=True)
class Field:
    """One compared part of an answer: ``path`` as it is, ``general`` with every member index and
    free key written ``*`` (what a signature and the ledger match on)."""

    part: str  # status, header or body
    path: str
    general: str
    value: Any

    @property
    def key(self) -> str:
        return f"{self.part} {self.path}"


Fields = dict[str, Field]


def normalize(answer: Answer, operation: Operation, memory: Memory, *, nocommit: bool = False) -> Fields:
    """The answer's compared parts. Only the status when the document has no such status for the
    operation; ``nocommit``: the answer stored nothing, so its ETag (if any) names no change."""
    fields = [Field("status", "status", "status", answer.status)]
    shown = documented(operation, answer.status)
    if shown is not None:
        fields += _headers(answer, shown.headers, operation.session, memory, nocommit)
        if shown.content:
            fields.append(Field("header", "Content-Type", "Content-Type", answer.media_type or ABSENT))
        fields += _body(answer, shown.content, operation.session, memory)
    return {f.key: f for f in fields}


def _headers(
    answer: Answer, names: Iterable[str], session: str, memory: Memory, nocommit: bool
) -> list[Field]:
    fields = []
    for name in sorted(names):
        value = answer.header(name)
        shown = _CANONICAL.get(name, name)
        if value is None:
            fields.append(Field("header", shown, shown, ABSENT))
        elif name == "etag":
            opaque = opaque_etag(value)
            token = "present" if nocommit else memory.token((session, "etag"), opaque)
            fields.append(Field("header", shown, shown, token))
        elif name == "expires":
            fields.append(Field("header", shown, shown, TIME))
        else:
            fields.append(Field("header", shown, shown, value.strip()))
    return fields


_CANONICAL = {"etag": "ETag", "expires": "Expires", "retry-after": "Retry-After"}


def opaque_etag(value: str) -> str:
    """An entity tag without its weakness mark and quotes: what the ETag latitudes leave of it."""
    value = value.strip()
    value = value[2:] if value[:2].upper() == "W/" else value
    return value.strip('"')


def _body(
    answer: Answer, content: Mapping[str, dict[str, Any] | None], session: str, memory: Memory
) -> list[Field]:
    if not answer.body:
        return [Field("body", "body", "body", EMPTY)]
    if not content:
        return [Field("body", "body", "body", "<present>")]
    media = answer.media_type or ""
    schema = content.get(media)
    if media == JSON_MEDIA and schema is not None and _object(schema):
        document = answer.json()
        if not isinstance(document, dict):
            return [Field("body", "body", "body", "<not a JSON object>")]
        found: list[Field] = []
        _Walk(session, memory, document, found).object(document, schema, "", "")
        return found
    return [
        Field("body", "body", "body", TEXT if media.startswith("text/") else f"<{media or 'untyped'} body>")
    ]


def _object(node: dict[str, Any]) -> bool:
    return node.get("type") == "object" or "properties" in node or "additionalProperties" in node


def _free(node: dict[str, Any]) -> bool:
    """A schema that leaves its value to the client (``CustomJson``, a bare ``{type: object}``)."""
    return (
        "properties" not in node
        and "additionalProperties" not in node
        and node.get("type") in (None, "object")
    )


def kind(value: Any) -> str:
    """A value's JSON type, for what a signature keeps of a free or long value."""
    return {
        type(None): "null",
        bool: "boolean",
        int: "number",
        float: "number",
        str: "string",
        list: "array",
        dict: "object",
    }.get(type(value), "value")


class _Walk:
    """One session document, walked along its schema into fields."""

    def __init__(self, session: str, memory: Memory, document: dict[str, Any], out: list[Field]) -> None:
        self.session, self.memory, self.out = session, memory, out
        members = document.get("members")
        indices = sorted(int(k) for k in members if k.isdigit()) if isinstance(members, dict) else []
        self.ranks = {index: f"#{rank}" for rank, index in enumerate(indices)}

    def object(self, value: dict[str, Any], node: dict[str, Any], path: str, general: str) -> None:
        props = node.get("properties", {})
        extra = node.get("additionalProperties")
        for key, item in value.items():
            if key in props:
                self.value(item, props[key], _join(path, key), _join(general, key))
            elif isinstance(extra, dict):
                shown = self.ranks.get(int(key), key) if general == "members" and key.isdigit() else key
                self.value(item, extra, _join(path, shown), _join(general, "*"))
            elif extra is True or _free(node):
                self.free(item, _join(path, key), _join(general, "*"))

    def value(self, item: Any, node: dict[str, Any], path: str, general: str) -> None:
        name, node = schema_name(node), resolve(node)
        if name == "Timestamp":
            self.leaf(path, general, TIME if isinstance(item, str) else f"<{kind(item)}, not a time>")
        elif general in _SESSION_TOKENS:
            self.leaf(path, general, self.memory.token((self.session, general), _text(item).lower()))
        elif general in _RUN_TOKENS:
            self.leaf(path, general, self._tokens(item))
        elif general in _INDICES:
            self.leaf(path, general, self._ranked(item))
        elif isinstance(item, dict) and _object(node) and not _free(node):
            self.object(item, node, path, general)
        elif isinstance(item, dict) and _free(node):
            self.free(item, path, general)
        else:
            self.leaf(path, general, item)

    def free(self, item: Any, path: str, general: str) -> None:
        """A value the document leaves to the client: every key compared, none named."""
        if isinstance(item, dict) and item:
            for key, child in item.items():
                self.free(child, _join(path, key), _join(general, "*"))
        else:
            self.leaf(path, general, item)

    def leaf(self, path: str, general: str, value: Any) -> None:
        self.out.append(Field("body", path, general, value))

    def _tokens(self, item: Any) -> Any:
        if isinstance(item, list):
            return [self._tokens(i) for i in item]
        return self.memory.token(("run", "device-or-title"), _text(item).lower())

    def _ranked(self, item: Any) -> Any:
        if isinstance(item, list):
            return [self._ranked(i) for i in item]
        if isinstance(item, bool) or not isinstance(item, int):
            return item
        if item in self.ranks:
            return self.ranks[item]
        return AFTER_LAST if not self.ranks or item > max(self.ranks) else "#not-a-member"


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)
