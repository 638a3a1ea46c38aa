"""What one simulated player saw of one request: the raw material the load invariants judge.

A load run sends tens of thousands of requests, so an observation keeps only what an invariant
reads (status, ETags, changeNumber, the members, membersInfo, the player's own property) instead
of the whole body; the evidence a violation carries is rebuilt from it. Observations cross from
Locust workers to the master as plain lists (``to_wire``/``from_wire``), so nothing here imports
Locust.
"""

from __future__ import annotations

import json
from dataclasses import astuple, dataclass, fields
from typing import Any

from conformance import session
from conformance.http.exchange import Exchange, HttpRequest, HttpResponse
from conformance.ledger import NOT_A_VERDICT

# The custom session property each player writes; only that player ever writes it, and its
# values only grow, so a read that shows less than an acknowledged value has lost a write.
PROPERTY_PREFIX = "p"


def property_key(player: str) -> str:
    return f"{PROPERTY_PREFIX}{player}"


@dataclass(frozen=True, slots=True)
class Observation:
    process: str  # the process (worker) whose clock ``start``/``end`` are on
    player: str
    xuid: str
    session: str
    op: str  # join, write, read, leave, final-read
    method: str
    path: str
    request_body: str | None
    start: float  # monotonic seconds, comparable within one process only
    end: float
    status: int  # 0: no answer (transport error, or the run stopped the player mid-request)
    if_match: str | None = None
    etag: str | None = None
    change_number: int | None = None
    branch: str | None = None
    members: tuple[tuple[int, str, bool], ...] | None = None  # (index, xuid, reserved)
    max_members: int | None = None
    members_info: dict[str, int] | None = None
    own: int | None = None  # the player's own property as the answer showed it
    value: int | None = None  # what a property write set

    @property
    def acknowledged(self) -> bool:
        return 200 <= self.status < 300

    @property
    def judgeable(self) -> bool:
        """An answer that says something about the service: not a refused credential, a throttle,
        a timeout or an overload (ledger.NOT_A_VERDICT), and not no answer at all."""
        return bool(self.status) and self.status not in NOT_A_VERDICT

    @property
    def has_session(self) -> bool:
        return self.members is not None

    def member(self, xuid: str) -> bool:
        return any(x == xuid for _, x, _ in self.members or ())

    def to_wire(self) -> list[Any]:
        return [list(v) if isinstance(v, tuple) else v for v in astuple(self)]

    @classmethod
    def from_wire(cls, values: list[Any]) -> Observation:
        data = dict(zip((f.name for f in fields(cls)), values, strict=True))
        if data["members"] is not None:
            data["members"] = tuple((int(i), str(x), bool(r)) for i, x, r in data["members"])
        return cls(**data)

    def evidence(self, base_url: str) -> Exchange:
        """The request and what the invariants read of its answer (the body's judged fields)."""
        url = base_url.rstrip("/") + self.path
        headers = {"Authorization": "[redacted]"} | ({"If-Match": self.if_match} if self.if_match else {})
        curl = " ".join(
            [f"curl -X {self.method} '{url}'"]
            + [f"-H '{name}: {value}'" for name, value in headers.items()]
            + ([f"-d '{self.request_body}'"] if self.request_body else [])
        )
        response = None
        if self.status:
            body = json.dumps(self._excerpt(), sort_keys=True) if self.has_session else None
            response = HttpResponse(self.status, {"ETag": self.etag} if self.etag else {}, body)
        return Exchange(
            method=self.method,
            url=url,
            request=HttpRequest(headers, self.request_body),
            response=response,
            elapsed_ms=(self.end - self.start) * 1000,
            curl=curl,
            error=None if self.status else "no answer",
        )

    def _excerpt(self) -> dict[str, Any]:
        return {
            "excerpt": f"judged fields; player {self.player} (xuid {self.xuid}), "
            f"{self.start:.3f}-{self.end:.3f} s on its process's clock",
            "changeNumber": self.change_number,
            "members": {str(i): x for i, x, _ in self.members or ()},
            "maxMembersCount": self.max_members,
            "membersInfo": self.members_info,
            f"properties.custom.{property_key(self.player)}": self.own,
        }


def summarize_body(body: Any, player: str) -> dict[str, Any]:
    """The fields of a session body the invariants judge, as Observation keyword arguments."""
    if not isinstance(body, dict) or not isinstance(body.get("members"), dict):
        return {}
    members = []
    for index, member in session.members(body).items():
        xuid = session.get(member, "constants.system.xuid")
        members.append((_int(index), str(xuid), member.get("reserved") is True))
    info = body.get("membersInfo")
    own = session.get(body, f"properties.custom.{property_key(player)}")
    return {
        "change_number": body.get("changeNumber") if isinstance(body.get("changeNumber"), int) else None,
        "branch": body.get("branch") if isinstance(body.get("branch"), str) else None,
        "members": tuple(sorted(members)),
        "max_members": _optional_int(session.get(body, "constants.system.maxMembersCount")),
        "members_info": _ints(info) if isinstance(info, dict) else None,
        "own": own if isinstance(own, int) else None,
    }


def _ints(info: dict[str, Any]) -> dict[str, int]:
    return {k: v for k, v in info.items() if isinstance(v, int)}


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        return -1


def _optional_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
