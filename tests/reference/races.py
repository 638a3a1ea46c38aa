"""Writers racing on one session, each on its own connection, released together by a barrier."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import requests

from .client import Mpsd


def race(client: Mpsd, name: str, writers: int, if_match: str | None = None) -> list[int]:
    """Writer n sets properties.custom.k<n> = n; returns each writer's status, in writer order."""
    barrier = threading.Barrier(writers)
    headers = client.headers(extra={"If-Match": if_match} if if_match else None)

    def write(n: int) -> int:
        with requests.Session() as http:
            barrier.wait()
            body = {"properties": {"custom": {f"k{n}": n}}}
            return http.put(client.uri(name), json=body, headers=headers, timeout=30).status_code

    with ThreadPoolExecutor(writers) as pool:
        return list(pool.map(write, range(writers)))
