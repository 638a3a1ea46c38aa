"""What the OpenAPI document says an answer carries: the operation a request is, the response
headers and body it documents per status. The oracle compares those parts and nothing else, so a
field or header the document does not name can never be a divergence."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import unquote, urlsplit

from conformance.spec import load_openapi

METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options", "trace"})
# The official client's camelCase spelling of the templates segment (PATH-TEMPLATES-CAMELCASE):
# the same operation, and the same session.
_SEGMENT = re.compile(
    r"^/serviceconfigs/([^/]+)/sessiontemplates/([^/]+)/sessions/([^/]+)(/properties)?/?$", re.I
)


@dataclass(frozen=True)
class Operation:
    """One request as the comparison groups it: ``name`` for people, ``path`` the document's
    template, ``session`` the session it touches (scid, template and name compare case-insensitively,
    C3), or its path when it touches none."""

    method: str
    path: str | None
    session: str

    @property
    def name(self) -> str:
        if self.path is None:
            return f"{self.method} (a path the document does not have)"
        return f"{self.method} {self.path.split('/sessiontemplates/{sessionTemplateName}', 1)[-1]}"

    @property
    def write(self) -> bool:
        """Whether the request may change what is stored (a PUT; every other method reads or is refused)."""
        return self.method == "PUT"


def operation_of(method: str, url: str) -> Operation:
    method = method.upper()
    path = urlsplit(url).path
    found = _SEGMENT.match(path)
    if found is None:
        return Operation(method, None, unquote(path).lower())
    scid, template, name, properties = found.groups()
    session = "/".join(unquote(part).lower() for part in (scid, template, name))
    suffix = "/properties" if properties else ""
    template_path = (
        f"/serviceconfigs/{{scid}}/sessiontemplates/{{sessionTemplateName}}/sessions/{{sessionName}}{suffix}"
    )
    documented = method.lower() in _operations().get(template_path, {})
    return Operation(method, template_path if documented else None, session)


@dataclass(frozen=True)
class Documented:
    """What the document says an answer with one status carries: its headers (lower case) and, per
    media type, the schema of its body (None: a body the document describes only in words)."""

    headers: frozenset[str]
    content: dict[str, dict[str, Any] | None]


def documented(operation: Operation, status: int) -> Documented | None:
    """The documented answer, or None when the document has no such status for the operation (then
    only the status is compared: the document says nothing of the rest)."""
    if operation.path is None:
        return None
    response = _operations()[operation.path][operation.method.lower()].get("responses", {}).get(str(status))
    if response is None:
        return None
    response = resolve(response)
    content = {
        media.lower(): (resolve(entry["schema"]) if "schema" in entry else None)
        for media, entry in (response.get("content") or {}).items()
    }
    return Documented(frozenset(name.lower() for name in response.get("headers") or {}), content)


def resolve(node: dict[str, Any]) -> dict[str, Any]:
    """A schema or response with its ``$ref`` followed (the document refers only within itself)."""
    while "$ref" in node:
        target: Any = load_openapi()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def schema_name(node: dict[str, Any]) -> str | None:
    """The component a schema node refers to (``Timestamp``), before it is resolved."""
    ref = node.get("$ref", "")
    return ref.rsplit("/", 1)[-1] if ref.startswith("#/components/schemas/") else None


@cache
def _operations() -> dict[str, dict[str, Any]]:
    return {
        path: {method: op for method, op in item.items() if method in METHODS}
        for path, item in load_openapi()["paths"].items()
    }
