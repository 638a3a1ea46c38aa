"""The transport ends every request in bounded time with one readable reason."""

from __future__ import annotations

import time

import pytest

from conformance.http.transport import (
    Limits,
    OffTarget,
    ProtocolViolation,
    ResponseTooLarge,
    TargetStopped,
    TargetTimeout,
    TargetUnreachable,
    Transport,
)

from .servers import HostileServer, closed_port, drip, garbage, hang, huge_json, redirect_to, reset

LIMIT_S = 1.0


@pytest.mark.parametrize(
    ("handler", "error"),
    [
        (hang, TargetTimeout),
        (drip, TargetTimeout),
        (garbage, ProtocolViolation),
        (reset, ProtocolViolation),
        (huge_json, ResponseTooLarge),
    ],
    ids=["hang", "drip", "garbage", "reset", "huge"],
)
def test_hostile_answers_end_in_bounded_time(handler, error) -> None:
    with HostileServer(handler) as server:
        transport = Transport(server.url, Limits(timeout_s=LIMIT_S))
        started = time.monotonic()
        with pytest.raises(error) as caught:
            transport.request("GET", server.url + "/x", {}, None)
        assert time.monotonic() - started < LIMIT_S + 1.5
        assert "\n" not in str(caught.value)


def test_a_redirect_is_an_answer_and_never_followed() -> None:
    with (
        HostileServer(lambda c, d: None) as elsewhere,
        HostileServer(redirect_to(elsewhere.url + "/stolen")) as server,
    ):
        response = Transport(server.url, Limits(timeout_s=LIMIT_S)).request(
            "GET", server.url + "/x", {"Authorization": "XBL3.0 x=-;secret"}, None
        )
        server.__exit__()
        assert response.status_code == 307
        assert elsewhere.requests == []


def test_requests_to_another_host_are_refused() -> None:
    transport = Transport("http://127.0.0.1:1", Limits(timeout_s=LIMIT_S))
    with pytest.raises(OffTarget):
        transport.request("GET", "http://127.0.0.2:1/x", {}, None)


def test_the_transport_stops_sending_once_the_target_is_plainly_gone() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    transport = Transport(url, Limits(timeout_s=LIMIT_S, breaker_threshold=3))
    for _ in range(3):
        with pytest.raises(TargetUnreachable):
            transport.request("GET", url + "/x", {}, None)
    with pytest.raises(TargetStopped, match="stopped answering"):
        transport.request("GET", url + "/x", {}, None)


def _slow_on_one_path(conn, data: bytes) -> None:
    if b"/slow" in data.split(b"\r\n", 1)[0]:
        hang(conn, data)
    else:
        conn.sendall(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


def test_a_target_that_keeps_timing_out_on_one_path_is_stopped_too() -> None:
    """Answers in between reset the count of failures in a row, not the count of timeouts."""
    with HostileServer(_slow_on_one_path) as server:
        transport = Transport(server.url, Limits(timeout_s=0.3, max_timeouts=2))
        with pytest.raises(TargetTimeout):
            transport.request("GET", server.url + "/slow", {}, None)
        assert transport.request("GET", server.url + "/fast", {}, None).status_code == 204
        with pytest.raises(TargetTimeout):
            transport.request("GET", server.url + "/slow", {}, None)
        with pytest.raises(TargetStopped, match="2 timeouts"):
            transport.request("GET", server.url + "/fast", {}, None)


def test_a_closed_transport_leaves_no_deadline_thread_behind() -> None:
    """Each transport keeps its own requests' deadlines: nothing of a run outlives it."""
    with HostileServer(hang) as server:
        transport = Transport(server.url, Limits(timeout_s=0.2))
        with pytest.raises(TargetTimeout):
            transport.request("GET", server.url + "/x", {}, None)
        keeper = transport.session.get_adapter(server.url).reaper._thread
        assert keeper is not None
        assert keeper.is_alive()
        transport.close()
        keeper.join(timeout=2)
        assert not keeper.is_alive()
