"""The embedded default target: the reference service on loopback, with identities made up per run.

``mpsd-conformance run`` without ``--target`` tests this, so a fresh checkout tests something real.
The tokens are random for every run, which also lets the redaction tests grep for them.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from typing import Any

from conformance.config import DEFAULT_SCID, Target, User

DEFAULT_TEMPLATE = "conformance"
XUIDS = ("2814000000000001", "2814000000000002", "2814000000000003", "2814000000000004")
# What the reference implements for every session, so the embedded target declares it and the
# default run checks it (throttling and overload are switched on per run: --rate-limit).
IMPLEMENTED = frozenset({"large", "s2s", "devices"})
# Users 1 and 2 play on one console, users 3 and 4 on another (joinRestriction local tells them apart).
DEVICES = ("console-1", "console-1", "console-2", "console-2")


def _token() -> str:
    return f"XBL3.0 x={secrets.token_hex(8)};{secrets.token_urlsafe(24)}"


def embedded_target(contract_version: int = 107, timeout_s: float = 10.0) -> Target:
    """Four users and a server principal, as the reference serves them; the URL is filled in at start."""
    return Target(
        url="http://127.0.0.1",
        scid=DEFAULT_SCID,
        template=DEFAULT_TEMPLATE,
        users=tuple(User(xuid, _token(), device) for xuid, device in zip(XUIDS, DEVICES, strict=True)),
        contract_version=contract_version,
        timeout_s=timeout_s,
        server_authorization=_token(),
        declared=IMPLEMENTED,
    )


@contextmanager
def embedded_reference(target: Target, faults: Iterable[str] = ()) -> Iterator[Target]:
    """Serve ``target``'s identities from the reference on a free loopback port; yield it with its URL."""
    from conformance.reference import ReferenceConfig, ReferenceServer

    # A target with rate limits (run --rate-limit) gets a reference that throttles at them.
    config = ReferenceConfig.from_target(target, faults=frozenset(faults), rate_limits=target.rate_limits)
    with ReferenceServer(config) as server:
        yield replace(target, url=server.url)


# run --oracle compares the target with this many reference instances: the first is the oracle,
# the second measures what the reference itself does not repeat (its nondeterminism).
ORACLE_INSTANCES = 2


@contextmanager
def oracle_references(targets: Iterable[Target]) -> Iterator[tuple[Any, ...]]:
    """Clean references serving the targets' scids and templates to their identities (run
    --oracle), as ASGI applications the process calls itself: no socket, no server. Nothing
    throttles or sheds load there, whatever the target does."""
    from conformance.reference import ReferenceConfig, create_app
    from conformance.reference.store import Store

    configs = [ReferenceConfig.from_target(t) for t in targets]
    users = {u.authorization: u for config in configs for u in config.users}
    config = replace(
        configs[0],
        users=tuple(users.values()),
        scids=tuple(dict.fromkeys(s for c in configs for s in c.scids)),
        templates={k: v for c in configs for k, v in c.templates.items()},
    )
    with ExitStack() as stack:
        stores = [Store() for _ in range(ORACLE_INSTANCES)]
        for store in stores:
            stack.callback(store.close)
        yield tuple(create_app(config, store=store) for store in stores)
