"""Before any check: can the target be reached, and does it accept every configured identity?

A run with a refused credential would only produce verdicts about the credential, so it ends
here, in seconds, with one line naming the identity and what the target answered. Each identity
reads a session that does not exist (harmless, and answered 204 by a conformant target).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from conformance.config import Target
from conformance.http.client import Identity, MpsdClient
from conformance.http.redact import Redactor
from conformance.http.transport import Limits, TargetUnreachable, Transport, TransportError
from conformance.text import shorten

REFUSED = (401, 403)


@dataclass(frozen=True)
class Preflight:
    unreachable: str | None = None
    refused: str | None = None


def identities(target: Target) -> list[Identity]:
    """Every identity a run speaks as, named as a user reads them in target.toml."""
    found = [Identity(f"user {i}", u.xuid, u.authorization) for i, u in enumerate(target.users, start=1)]
    if target.server_authorization:
        found.append(Identity("the server principal", None, target.server_authorization))
    return found


def preflight(target: Target) -> Preflight:
    """Only "cannot connect" makes a target unreachable: one that answers garbage or hangs is
    reachable and gets blocked checks instead (its identities are then not tried further)."""
    transport = Transport(target.url, Limits(timeout_s=target.timeout_s, breaker_threshold=1))
    redactor = Redactor(target.secrets)
    name = f"mpsdcf-preflight-{int(time.time())}"
    refusals = []
    try:
        for identity in identities(target):
            with transport.unpaced():  # a 429 here says nothing about credentials: no waiting for it
                response = MpsdClient(target, identity, transport, redactor).get(name)
            if response.status in REFUSED:
                refusals.append(
                    f"{identity.label} ({response.status}{_reason(redactor.text(response.text))})"
                )
    except TargetUnreachable as exc:
        return Preflight(unreachable=f"{target.url}: {exc}")
    except TransportError:
        return Preflight()
    finally:
        transport.close()
    if not refusals:
        return Preflight()
    return Preflight(
        refused="the target refused the credentials of "
        + ", ".join(refusals)
        + ": check their authorization in target.toml or MPSD_*_AUTHORIZATION (and the scid's sandbox)"
    )


def _reason(text: str) -> str:
    """What the target said, if anything, in a few words after the status."""
    return f": {shorten(text, 80)}" if text.strip() else ""
