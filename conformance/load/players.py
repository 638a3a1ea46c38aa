"""The simulated players: the flows real clients run, as Locust users (imports Locust: load path only).

A player joins its group's session by name, makes a few synchronized property writes (read the
ETag, PUT with If-Match, on 412 take the ETag the refusal carries and try again) and leaves; a
group's host creates the session and stays. Every request becomes an ``Observation``; Locust's
statistics get one entry per operation (``join``, ``read``, ``write``, ``leave``).
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

import gevent
import requests
from locust import HttpUser, constant, task

from conformance import bodies
from conformance.config import Target, User
from conformance.load.observe import Observation, property_key, summarize_body
from conformance.load.plan import WRITE_ATTEMPTS, Plan
from conformance.ratelimit import Pacer, retry_after_seconds

# A refused join (the session is full) or a session not created yet: try again shortly.
RETRY_PAUSE_S = 0.05
# The longest a 429/503's Retry-After is waited out before the request is sent again.
LONGEST_RETRY_AFTER_S = 5.0


class NoAnswerInTime(requests.Timeout):
    """A target that answered nothing, or not all of it, within the target's ``timeout_s``."""


def within(seconds: float, what: str) -> gevent.Timeout:
    """A deadline for one whole exchange, answer included. requests' own timeout bounds each read
    of the socket, so a target that drips a byte at a time never trips it; this one does."""
    return gevent.Timeout(seconds, NoAnswerInTime(f"{what}: no whole answer within {seconds:g} s"))


@dataclass
class Context:
    """What every player of this process shares: set by the driver before any player starts."""

    target: Target
    plan: Plan
    process: str
    pacer: Pacer
    observations: list[Observation] = field(default_factory=list)
    numbers: itertools.count = field(default_factory=itertools.count)

    def path(self, session: str) -> str:
        t = self.target
        return f"/serviceconfigs/{t.scid}/sessiontemplates/{t.template}/sessions/{session}"


class Player(HttpUser):
    wait_time = constant(0)
    shared: Context | None = None  # the driver sets it for the process

    def on_start(self) -> None:
        context = self.shared
        assert context is not None, "the driver sets Player.shared before spawning"
        number = next(context.numbers)
        group_size, self.max_members = context.plan.seats(len(context.target.users))
        group, seat = divmod(number, group_size)
        self.identity: User = context.target.users[seat]
        self.name = f"{context.process}n{number}"
        self.host_of_session = seat == 0
        self.session = context.plan.session_name(context.process, group)
        self.path = context.path(self.session)
        self.value = 0
        self.seated = False

    @task
    def visit(self) -> None:
        """One visit: the host creates and stays; the others join, write, leave."""
        if not self.seated and not self._join():
            gevent.sleep(RETRY_PAUSE_S)
            return
        for _ in range(self.shared.plan.writes):  # type: ignore[union-attr]
            self._synchronized_write()
        if not self.host_of_session:
            self._send("leave", "PUT", bodies.leave())
            self.seated = False

    def _join(self) -> bool:
        if self.host_of_session:
            body = bodies.combine(
                bodies.constants(visibility="open", maxMembersCount=self.max_members),
                bodies.join(self.identity.xuid),
            )
        else:
            status, _, _ = self._send("read", "GET")
            if status != 200:  # not created yet (or refused): the host comes first
                return False
            body = bodies.join(self.identity.xuid)
        status, _, _ = self._send("join", "PUT", body)
        self.seated = 200 <= status < 300
        return self.seated

    def _synchronized_write(self) -> None:
        """Read the ETag, write with If-Match; on 412 retry with the ETag the refusal carries."""
        status, etag, _ = self._send("read", "GET")
        if status != 200 or not etag:
            return
        value = self.value + 1
        for _ in range(WRITE_ATTEMPTS):
            body = bodies.custom(**{property_key(self.name): value})
            status, fresh, _ = self._send("write", "PUT", body, if_match=etag, value=value)
            if 200 <= status < 300:
                self.value = value
                return
            if status != 412 or not fresh:
                return
            etag = fresh

    def _send(
        self, op: str, method: str, body: Any = None, *, if_match: str | None = None, value: int | None = None
    ) -> tuple[int, str | None, Any]:
        """One request, paced, a 429/503 waited out; observed and counted under ``op``."""
        context = self.shared
        assert context is not None
        headers = {
            "Authorization": self.identity.authorization,
            "X-Xbl-Contract-Version": str(context.target.contract_version),
            "Content-Type": "application/json",
        }
        if if_match:
            headers["If-Match"] = if_match
        data = json.dumps(body, separators=(",", ":")) if body is not None else None
        while True:
            if context.pacer.limited:
                context.pacer.acquire(self.identity.xuid)
            status, etag, content, retry, start = 0, None, b"", None, time.monotonic()
            try:
                status, etag, content, retry = self._exchange(op, method, headers, data)
            finally:
                parsed = _json(content)
                context.observations.append(
                    Observation(
                        process=context.process,
                        player=self.name,
                        xuid=self.identity.xuid,
                        session=self.session,
                        op=op,
                        method=method,
                        path=self.path,
                        request_body=data,
                        start=start,
                        end=time.monotonic(),
                        status=status,
                        if_match=if_match,
                        etag=etag,
                        value=value,
                        **summarize_body(parsed, self.name),
                    )
                )
            if status not in (429, 503):
                return status, etag, parsed
            wait = retry_after_seconds(retry) or RETRY_PAUSE_S
            gevent.sleep(min(wait, LONGEST_RETRY_AFTER_S))

    def _exchange(
        self, op: str, method: str, headers: dict[str, str], data: str | None
    ) -> tuple[int, str | None, bytes, str | None]:
        """Status, ETag, body and Retry-After of one request, counted by Locust.

        The deadline can only expire inside requests (the one place the greenlet waits), and
        NoAnswerInTime is a requests.Timeout: Locust counts it as it counts any transport error,
        and the answer comes back with status 0.
        """
        seconds = self.shared.target.timeout_s  # type: ignore[union-attr]
        with (
            within(seconds, f"{method} {op}"),
            self.client.request(
                method, self.path, headers=headers, data=data, name=op, catch_response=True, timeout=seconds
            ) as response,
        ):
            status = response.status_code or 0
            if status == 0 or (status >= 500 and status != 503):
                response.failure(f"{op} answered {status or 'nothing'}")
            else:
                response.success()
            answer = response.headers
            # The bytes, not .text: requests would guess the charset of every body first.
            return status, answer.get("ETag"), response.content or b"", answer.get("Retry-After")


def _json(content: bytes) -> Any:
    if not content:
        return None
    try:
        return json.loads(content)
    except ValueError:
        return None
