"""Requests per second of the reference service, against a bare Starlette endpoint on the same server.

The ratio is what matters: both run on this machine, in this run, behind the same uvicorn settings
and driven by the same single-connection ``requests`` loop, so the ratio says how much the
reference's own work (identity, validation, merge, SQLite, rendering) costs on top of the HTTP stack.

    python -m bench.reference_rps
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable

import requests
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from conformance.reference import ReferenceConfig, ReferenceServer
from conformance.reference.config import DEFAULT_SCID
from conformance.reference.server import BackgroundServer


async def ok(request: Request) -> JSONResponse:
    return JSONResponse({})


def _rate(step: Callable[[int], requests.Response], seconds: float) -> float:
    """Calls of ``step`` per second over ``seconds`` (each call one request, checked for success)."""
    count, deadline = 0, time.perf_counter() + seconds
    started = time.perf_counter()
    while time.perf_counter() < deadline:
        step(count).raise_for_status()
        count += 1
    return count / (time.perf_counter() - started)


HEADERS = {"X-Xbl-Contract-Version": "107"}


def _alternating(
    http: requests.Session, uri: str, headers: dict[str, str]
) -> Callable[[int], requests.Response]:
    """The same traffic for both servers: a properties PUT, then a GET, and so on."""

    def step(n: int) -> requests.Response:
        if n % 2:
            return http.get(uri, headers=headers)
        return http.put(f"{uri}/properties", json={"custom": {"n": n}}, headers=headers)

    return step


def _reference_rps(seconds: float) -> float:
    config = ReferenceConfig()
    headers = {**HEADERS, "Authorization": config.users[0].authorization}
    with ReferenceServer(config) as server, requests.Session() as http:
        session = f"sessiontemplates/conformance/sessions/{uuid.uuid4().hex}"
        uri = f"{server.url}/serviceconfigs/{DEFAULT_SCID}/{session}"
        http.put(uri, json={"members": {"me": {}}}, headers=headers).raise_for_status()
        return _rate(_alternating(http, uri, headers), seconds)


def _baseline_rps(seconds: float) -> float:
    """A bare endpoint answering ``{}``: what uvicorn, Starlette and this client cost by themselves."""
    app = Starlette(
        routes=[Route("/s", ok, methods=["GET", "PUT"]), Route("/s/properties", ok, methods=["PUT"])]
    )
    headers = {**HEADERS, "Authorization": "XBL3.0 x=-;baseline"}
    with BackgroundServer(app) as server, requests.Session() as http:
        return _rate(_alternating(http, server.url + "/s", headers), seconds)


def measure(seconds: float = 3.0) -> dict[str, float]:
    reference = _reference_rps(seconds)
    baseline = _baseline_rps(seconds)
    return {
        "reference_rps": round(reference, 1),
        "baseline_rps": round(baseline, 1),
        "ratio": round(reference / baseline, 3),
    }


if __name__ == "__main__":
    print(json.dumps(measure(), indent=2))
