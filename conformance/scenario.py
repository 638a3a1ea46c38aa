"""What one scenario test works with: the target's identities, fresh session names, arrange steps.

Arrange steps *require* things (a create that succeeds, a join that sticks); when the target does
not do them the test is **blocked**, not failed, because a broken create says nothing about, say,
If-Match. Only the act step's answer is judged, with ``conformance.expect``, and the read-back
(``read_back``) a check confirms it with. Every session a test touches is left again afterwards
and read back, and what remains is reported as a leak.
"""

from __future__ import annotations

import bisect
import itertools
import secrets
import time
from dataclasses import dataclass
from typing import Any

from conformance import bodies
from conformance.config import Target
from conformance.expect import observe
from conformance.headstart import Started
from conformance.http.client import Identity, MpsdClient, NotJson, Response
from conformance.http.exchange import Exchange
from conformance.http.redact import Redactor
from conformance.http.transport import Transport, TransportError
from conformance.outcomes import Blocked, HarnessError, NotApplicable
from conformance.ratelimit import retry_after_seconds
from conformance.session import find_member


class Actor(MpsdClient):
    """A client that also remembers which sessions it wrote, for the cleanup."""

    def __init__(self, client: MpsdClient, touched: set[str]) -> None:
        super().__init__(client.target, client.identity, client.transport, client.redactor, client.recorder)
        self._touched = touched

    def put(self, name: str, body: Any = None, **kwargs: Any) -> Response:  # type: ignore[override]
        self._touched.add(name)
        return super().put(name, body, **kwargs)


@dataclass(frozen=True)
class Created:
    name: str
    session: dict[str, Any]
    etag: str | None
    response: Response


@dataclass(frozen=True)
class Burst:
    """The last answer to a burst of reads, and when each read was sent."""

    response: Response
    sent: tuple[float, ...]

    def densest(self, seconds: float) -> int:
        """The most reads sent within any ``seconds``: whether the burst really exceeded a window."""
        return max(bisect.bisect_left(self.sent, start + seconds) - i for i, start in enumerate(self.sent))

    def __str__(self) -> str:
        return f"{len(self.sent)} quick reads"


class Scenario:
    def __init__(self, target: Target, transport: Transport, redactor: Redactor, run_tag: str) -> None:
        self.target = target
        self.exchanges: list[Exchange] = []
        self.touched: set[str] = set()
        self._last: Response | None = None
        self._transport, self._redactor, self._run_tag = transport, redactor, run_tag
        # run_tag names the run and the check, so counting within the check keeps names unique.
        self._names = itertools.count(1)
        self.users = tuple(
            self._actor(Identity(f"user {i}", u.xuid, u.authorization))
            for i, u in enumerate(target.users, start=1)
        )
        self._server = (
            self._actor(Identity("server", None, target.server_authorization))
            if target.server_authorization
            else None
        )
        self.anonymous = self._actor(Identity("anonymous"))
        # What the check's arrange step gave, when it has one (conformance.headstart).
        self.head_start: Started | None = None

    def _actor(self, identity: Identity) -> Actor:
        client = MpsdClient(self.target, identity, self._transport, self._redactor, self.exchanges.append)
        return Actor(client, self.touched)

    # -- identities ------------------------------------------------------------------------------
    def user(self, number: int) -> Actor:
        """The n-th configured user (1-based); not-applicable when the target has fewer."""
        if number > len(self.users):
            raise NotApplicable(f"needs {number} users, the target configures {len(self.users)}")
        return self.users[number - 1]

    @property
    def server(self) -> Actor:
        if self._server is None:
            raise NotApplicable("needs a server principal ([server] in the target file)")
        return self._server

    def stranger(self, authorization: str) -> Actor:
        """A caller with credentials the target should not know (for the auth probe)."""
        return self._actor(Identity("unknown caller", None, authorization))

    # -- names and observations ------------------------------------------------------------------
    def new_name(self) -> str:
        """A session name no other test, worker or run uses."""
        return f"mpsdcf-{self._run_tag}-{next(self._names)}-{secrets.token_hex(3)}"

    observe = staticmethod(observe)
    blocked = Blocked
    not_applicable = NotApplicable

    # -- arrange steps: a failure here blocks the check -------------------------------------------
    def arrange(self, response: Response, *statuses: int, what: str) -> Response:
        if response.status not in statuses:
            wanted = "/".join(str(s) for s in statuses)
            raise Blocked(f"{what} answered {response.status}, expected {wanted}")
        return response

    def etag(self, response: Response, what: str = "the create") -> str:
        if not response.etag:
            raise Blocked(f"{what} returned no ETag to work with")
        return response.etag

    def document(self, response: Response, what: str) -> dict[str, Any]:
        try:
            doc = response.json()
        except NotJson as exc:
            raise Blocked(f"{what}: {exc}") from None
        if not isinstance(doc, dict):
            raise Blocked(f"{what}: the body is not a JSON object")
        return doc

    def create(
        self, creator: Actor | None = None, *extra: dict[str, Any], name: str | None = None
    ) -> Created:
        """Create a fresh session with ``creator`` as its member (plus ``extra`` body pieces)."""
        creator = creator or self.user(1)
        name = name or self.new_name()
        response = creator.put(name, bodies.combine(bodies.join(creator.xuid), *extra))
        self.arrange(response, 200, 201, what="creating the session")
        doc = self.document(response, "creating the session")
        if find_member(doc, creator.xuid) is None:
            raise Blocked("creating the session did not make the creator a member")
        return Created(name, doc, response.etag, response)

    # -- pushing a target past its limits -------------------------------------------------------
    def burst(self, callers: tuple[Actor, ...], until: int, most: int) -> Burst:
        """Read fresh names as ``callers`` in turn, unpaced, until the target answers ``until``
        (a 429, a 503) or ``most`` reads are sent."""
        response, sent = None, []
        with self._transport.unpaced():
            while len(sent) < most and (response is None or response.status != until):
                caller = callers[len(sent) % len(callers)]
                sent.append(time.monotonic())
                response = caller.get(self.new_name())
        assert response is not None, "a burst sends at least one read"
        return Burst(response, tuple(sent))

    @staticmethod
    def wait_out(response: Response) -> None:
        """Wait as long as the refusal's Retry-After asks (1 s without one, at most 300 s), as the
        document asks callers to, so the rest of the run is not held up by the refusal."""
        time.sleep(min(retry_after_seconds(response.header("Retry-After")) or 1.0, 300.0))

    @property
    def last_response(self) -> Response | None:
        """The answer to the most recent arrange step, for failure messages of multi-step checks."""
        return self._last

    def join(self, actor: Actor, name: str, *extra: dict[str, Any]) -> dict[str, Any]:
        response = self.arrange(
            actor.put(name, bodies.combine(bodies.join(actor.xuid), *extra)),
            200,
            201,
            what=f"{actor.identity.label} joining",
        )
        doc = self.document(response, f"{actor.identity.label} joining")
        self._last = response
        if find_member(doc, actor.xuid) is None:
            raise Blocked(f"{actor.identity.label} joining did not make them a member")
        return doc

    def started(self) -> Any:
        """What this check's ``@head_start`` arrange step returned; what it raised is raised here,
        so a blocked arrange step blocks the check."""
        if self.head_start is None:
            raise HarnessError("the check has no @head_start arrange step, or the plugin did not run it")
        return self.head_start.get()

    def read(self, name: str, actor: Actor | None = None) -> tuple[dict[str, Any], Response]:
        response = self.arrange((actor or self.user(1)).get(name), 200, what="reading the session back")
        return self.document(response, "reading the session back"), response

    def read_back(self, name: str, actor: Actor | None = None) -> Response:
        """The session as stored after the act, for the check to judge what it shows; a read that
        does not return it (a status other than 200, a body that is no session) blocks the check."""
        return self.read(name, actor)[1]

    # -- hygiene ---------------------------------------------------------------------------------
    def cleanup(self) -> list[str]:
        """Leave every touched session with every identity, then read each back; return leaks.
        Each session is left once: cleaning up again does nothing."""
        leaks = []
        quiet = [u.housekeeping() for u in self.users]
        touched = sorted(self.touched)
        self.touched.clear()
        for name in touched:
            try:
                for user in quiet:
                    if user.put(name, bodies.leave()).status == 204:
                        break
                if quiet[0].get(name).status == 200:
                    leaks.append(name)
            except TransportError:
                return leaks  # the target stopped answering; the checks already say so
        return leaks
