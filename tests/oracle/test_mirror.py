"""The mirror beside the checks: it only takes note on the check's path, it never breaks or slows
a request, and what it cannot compare it says it did not."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import requests

from conformance.embedded import embedded_target
from conformance.http.client import HOUSEKEEPING
from conformance.http.transport import Limits, Transport
from conformance.oracle.log import OracleLog, finish
from conformance.oracle.mirror import CONCURRENT, NO_ANSWER, NO_TARGET_ANSWER, STOPPED, UNFINISHED, Mirror
from conformance.reference import ReferenceConfig, ReferenceServer, create_app

TARGET = embedded_target()
URL = f"http://127.0.0.1:9/serviceconfigs/{TARGET.scid}/sessiontemplates/{TARGET.template}/sessions/m1"
JOIN = {"members": {"me": {"constants": {"system": {"xuid": TARGET.users[0].xuid}}}}}


def _references() -> list[Any]:
    config = ReferenceConfig.from_target(TARGET)
    return [create_app(config), create_app(config)]


def _prepared(url: str = URL, **headers: str) -> requests.PreparedRequest:
    sent = {"Authorization": TARGET.users[0].authorization, "X-Xbl-Contract-Version": "107", **headers}
    return requests.Request("PUT", url, headers=sent, json=JOIN).prepare()


def _answer(status: int = 201, document: Any = None) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.headers.update({"Content-Type": "application/json", "ETag": "t-1"})
    response._content = json.dumps(document or {}).encode()
    return response


def _mirror(references: list[Any] | None = None) -> tuple[Mirror, OracleLog]:
    log = OracleLog()
    return Mirror(TARGET, references or _references(), log, lambda: "the-check"), log


def _sent(mirror: Mirror, request: requests.PreparedRequest, response: requests.Response | None) -> None:
    mirror.sending(request)
    mirror.observe(request, response, time.time())


def test_an_observer_that_raises_changes_nothing_a_check_gets() -> None:
    class Broken:
        def sending(self, request: Any) -> None:
            raise RuntimeError("boom")

        def observe(self, request: Any, response: Any, sent_at: float) -> None:
            raise RuntimeError("boom")

    with ReferenceServer(ReferenceConfig.from_target(TARGET)) as server:
        transport = Transport(server.url, Limits(timeout_s=5), observer=Broken())
        try:
            url = server.url + URL.split(":9", 1)[1]
            headers = {"Authorization": TARGET.users[0].authorization, "X-Xbl-Contract-Version": "107"}
            answered = transport.request("PUT", url, headers, json.dumps(JOIN).encode())
        finally:
            transport.close()
    assert answered.status_code == 201


def test_the_reference_is_asked_what_the_target_was_and_agreeing_answers_are_no_divergence() -> None:
    mirror, log = _mirror()
    with ReferenceServer(ReferenceConfig.from_target(TARGET)) as server:
        target = requests.Session()
        url = server.url + URL.split(":9", 1)[1]
        request = _prepared(url)
        mirror.sending(request)
        response = target.send(request)
        mirror.observe(request, response, time.time())
        mirror.close()
    block = finish(log, (), "on")
    assert (block.compared, block.groups) == (1, ())


def test_requests_to_one_session_in_flight_together_are_not_compared_nor_what_follows() -> None:
    mirror, log = _mirror()
    first, second, later = _prepared(), _prepared(), _prepared()
    mirror.sending(first)
    mirror.sending(second)
    mirror.observe(second, _answer(), time.time())
    mirror.observe(first, _answer(), time.time())
    _sent(mirror, later, _answer(200))
    mirror.close()
    assert log.not_compared == {CONCURRENT: 3}
    assert log.compared == 0


def test_what_the_target_did_without_answering_leaves_its_session_uncompared() -> None:
    mirror, log = _mirror()
    _sent(mirror, _prepared(), None)
    _sent(mirror, _prepared(), _answer())
    _sent(mirror, _prepared(URL.replace("m1", "m2")), _answer())
    mirror.close()
    assert log.not_compared == {NO_TARGET_ANSWER: 2}
    assert log.compared == 1


def test_the_suites_housekeeping_is_neither_sent_nor_counted() -> None:
    mirror, log = _mirror()
    _sent(mirror, _prepared(**dict([HOUSEKEEPING])), _answer())
    mirror.close()
    assert (log.compared, dict(log.not_compared)) == (0, {})


def test_a_broken_reference_leaves_exchanges_not_compared_and_then_is_left_alone() -> None:
    async def broken(scope: Any, receive: Any, send: Any) -> None:
        raise RuntimeError("the reference broke")

    mirror, log = _mirror([broken, broken])
    for n in range(5):
        _sent(mirror, _prepared(URL.replace("m1", f"b{n}")), _answer())
    mirror.close()
    assert log.not_compared == {NO_ANSWER: 3, STOPPED: 2}


def test_a_slow_reference_never_holds_a_check_up() -> None:
    async def slow(scope: Any, receive: Any, send: Any) -> None:
        await asyncio.sleep(0.3)
        raise RuntimeError("too late")

    mirror, log = _mirror([slow, slow])
    started = time.monotonic()
    for n in range(4):
        _sent(mirror, _prepared(URL.replace("m1", f"s{n}")), _answer())
    took = time.monotonic() - started
    mirror.close(wait_s=0.1)
    assert took < 0.1
    assert log.not_compared[UNFINISHED] in (2, 3)  # the one being sent when the run ended may yet finish
