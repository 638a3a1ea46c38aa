"""The client's CPU a request through the suite's transport, against bare ``http.client``.

Both send the same PUT to the same bare Starlette endpoint on one kept-alive connection; the
server runs on a thread of this process, and only the sending thread's CPU is counted
(``time.thread_time``), so the figure is the client's own cost: what the transport adds to the
socket work every request needs (requests preparing the request and wrapping the answer, pacing,
the watchdog, the body cap).

    python -m bench.transport_cost
"""

from __future__ import annotations

import http.client
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from conformance.http.transport import Limits, Transport
from conformance.reference.server import BackgroundServer

HEADERS = {
    "Authorization": "XBL3.0 x=-;bench",
    "X-Xbl-Contract-Version": "107",
    "Content-Type": "application/json",
}
BODY = b'{"members": {"me": {"constants": {"system": {"xuid": "2814000000000001", "initialize": true}}}}}'


async def ok(request: Request) -> JSONResponse:
    await request.body()
    return JSONResponse({"membersInfo": {"first": 0, "next": 1, "count": 1, "accepted": 1}})


def _cpu_per_request_ms(send: Callable[[], None], requests: int) -> float:
    send()  # the connection is open before counting
    started = time.thread_time()
    for _ in range(requests):
        send()
    return (time.thread_time() - started) / requests * 1000


def measure(requests: int = 2000) -> dict[str, float]:
    app = Starlette(routes=[Route("/s", ok, methods=["PUT"])])
    with BackgroundServer(app) as server:
        transport = Transport(server.url, Limits(timeout_s=10.0))
        url = server.url + "/s"
        parts = urlsplit(server.url)
        bare = http.client.HTTPConnection(parts.hostname or "", parts.port)

        def through_transport() -> None:
            transport.request("PUT", url, HEADERS, BODY).raise_for_status()

        def through_http_client() -> None:
            bare.request("PUT", "/s", body=BODY, headers=HEADERS)
            answer = bare.getresponse()
            answer.read()
            assert answer.status == 200

        try:
            # Alternating halves, so that a machine slowing down mid-measurement weighs on both.
            ours, floor = [], []
            for _ in range(2):
                ours.append(_cpu_per_request_ms(through_transport, requests // 2))
                floor.append(_cpu_per_request_ms(through_http_client, requests // 2))
        finally:
            transport.close()
            bare.close()
    transport_ms, floor_ms = sum(ours) / len(ours), sum(floor) / len(floor)
    return {
        "transport_cpu_ms": round(transport_ms, 3),
        "http_client_cpu_ms": round(floor_ms, 3),
        "transport_over_http_client": round(transport_ms / floor_ms, 2),
    }


if __name__ == "__main__":
    print(measure())
