"""The load profile, and how players are seated: plain values, shipped from master to workers.

Players are dealt into groups of ``group_size``, one session per group, each player an identity of
the target (so a group is never larger than the target's users). The first player of a group is
its host: it creates the session and stays, so the session is never emptied and recreated mid-run
(which would restart its changeNumber). The others churn: join by name, a few synchronized property
writes, leave, again. The session has one seat fewer than its group, so every join is a race for
the last free seat.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass
from typing import Any

DEFAULT_USERS = 24
DEFAULT_SPAWN_RATE = 24.0
DEFAULT_DURATION_S = 15.0
DEFAULT_GROUP_SIZE = 6
DEFAULT_WRITES = 3
# A synchronized write that keeps losing its If-Match race gives up after this many attempts.
WRITE_ATTEMPTS = 8


@dataclass(frozen=True)
class Plan:
    users: int = DEFAULT_USERS
    spawn_rate: float = DEFAULT_SPAWN_RATE
    duration_s: float = DEFAULT_DURATION_S
    group_size: int = DEFAULT_GROUP_SIZE
    writes: int = DEFAULT_WRITES
    # Names every session of the run: unique per run, so runs against one service never meet.
    tag: str = ""

    @classmethod
    def new(cls, **values: Any) -> Plan:
        return cls(**values, tag=f"mpsdload{secrets.token_hex(4)}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        return cls(**data)

    def seats(self, identities: int) -> tuple[int, int]:
        """(players per session, maxMembersCount): one seat fewer than players, at least two seats."""
        group = max(2, min(self.group_size, identities))
        return group, max(2, group - 1)

    def session_name(self, process: str, group: int) -> str:
        return f"{self.tag}-{process}-{group}"
