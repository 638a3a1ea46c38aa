"""A small MPSD client for the reference service's own tests (one scid of a running server)."""

from __future__ import annotations

import uuid
from typing import Any

import requests

from conformance.reference.config import ReferenceConfig

Who = int | str  # a user's position in config.users, or "server"


def fresh() -> str:
    """A session name no other test uses."""
    return uuid.uuid4().hex


class Mpsd:
    def __init__(self, url: str, scid: str, config: ReferenceConfig, template: str = "conformance") -> None:
        self.url, self.scid, self.config, self.template = url, scid, config, template
        self.http = requests.Session()

    def close(self) -> None:
        self.http.close()

    def xuid(self, who: Who) -> str:
        assert isinstance(who, int)
        return self.config.users[who].xuid

    def authorization(self, who: Who) -> str:
        if who == "server":
            assert self.config.server_authorization
            return self.config.server_authorization
        assert isinstance(who, int)
        return self.config.users[who].authorization

    def uri(self, name: str, *, properties: bool = False, segment: str = "sessiontemplates") -> str:
        path = f"{self.url}/serviceconfigs/{self.scid}/{segment}/{self.template}/sessions/{name}"
        return f"{path}/properties" if properties else path

    def headers(
        self, who: Who = 0, version: int = 107, extra: dict[str, str] | None = None
    ) -> dict[str, str]:
        return {
            "Authorization": self.authorization(who),
            "X-Xbl-Contract-Version": str(version),
            **(extra or {}),
        }

    def put(
        self,
        name: str,
        body: Any = None,
        *,
        who: Who = 0,
        version: int = 107,
        headers: dict[str, str] | None = None,
        properties: bool = False,
        **kwargs: Any,
    ) -> requests.Response:
        return self.http.put(
            self.uri(name, properties=properties),
            json=body if "data" not in kwargs else None,
            headers=self.headers(who, version, headers),
            timeout=10,
            **kwargs,
        )

    def get(
        self,
        name: str,
        *,
        who: Who = 0,
        version: int = 107,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        return self.http.get(
            self.uri(name, **kwargs), headers=self.headers(who, version, headers), timeout=10
        )

    def me(self, who: Who = 0, **member: Any) -> dict[str, Any]:
        """A members.me entry for ``who``, with their xuid in its constants."""
        return {"constants": {"system": {"xuid": self.xuid(who)}}, **member}

    def join(
        self, name: str, who: Who = 0, *, constants: dict[str, Any] | None = None, **member: Any
    ) -> requests.Response:
        body: dict[str, Any] = {"members": {"me": self.me(who, **member)}}
        if constants is not None:
            body["constants"] = constants
        return self.put(name, body, who=who)

    def member_of(self, session: dict[str, Any], who: Who) -> dict[str, Any] | None:
        xuid = self.xuid(who)
        found = [m for m in session["members"].values() if m["constants"]["system"].get("xuid") == xuid]
        return found[0] if found else None
