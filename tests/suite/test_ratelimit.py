"""Rate limits: parsing, the pacer against a fake clock, and a 429 / Retry-After round trip."""

from __future__ import annotations

import argparse
import dataclasses
import json
import subprocess
import sys
import time

import pytest

from conformance.cli import main
from conformance.config import ConfigError, parse_target
from conformance.embedded import embedded_target
from conformance.http.shared import SharedWindows
from conformance.http.transport import Limits, Pacing, Transport
from conformance.paced import WaitNotice
from conformance.ratelimit import MPSD_LIMITS, Pacer, RateLimit, minimum_seconds, parse_limits, time_budget
from conformance.reference import ReferenceConfig, ReferenceServer
from conformance.reference.server import BackgroundServer
from conformance.report import load_report
from conformance.scenario import Burst


def test_limits_parse_from_the_flag_and_the_file_forms() -> None:
    assert parse_limits("30/15,300/300") == MPSD_LIMITS
    assert parse_limits(["300/300", "30/15"]) == MPSD_LIMITS
    assert parse_limits("none") == ()
    assert parse_limits("30/1.5") == (RateLimit(30, 1.5),)
    for bad in ("30", "0/15", "30/0", "thirty/15"):
        with pytest.raises(ValueError, match="CALLS/SECONDS"):
            parse_limits(bad)


def _target(**target_keys: object) -> dict:
    users = [{"xuid": "1", "authorization": "a"}, {"xuid": "2", "authorization": "b"}]
    return {"target": {"scid": "s", "template": "t", **target_keys}, "users": users}


def test_a_remote_target_gets_mpsds_limits_and_a_loopback_one_none_unless_told() -> None:
    remote = parse_target(_target(url="https://mpsd.vendor.test"), {}, {})
    local = parse_target(_target(url="http://127.0.0.1:8080"), {}, {})
    assert (remote.rate_limits, local.rate_limits) == (MPSD_LIMITS, ())
    told = parse_target(_target(url="http://localhost:8080", rate_limits=["10/1"]), {}, {})
    assert told.rate_limits == (RateLimit(10, 1),)
    flag = parse_target(_target(url="https://mpsd.vendor.test"), {"rate_limits": "none"}, {})
    assert flag.rate_limits == ()
    with pytest.raises(ConfigError, match="rate_limits"):
        parse_target(_target(url="http://127.0.0.1", rate_limits=["lots"]), {}, {})


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_the_pacer_holds_each_identity_under_every_window() -> None:
    clock = FakeClock()
    waits: list[tuple[str, float]] = []
    pacer = Pacer(
        (RateLimit(3, 10), RateLimit(4, 100)), clock, clock.sleep, lambda who, s: waits.append((who, s))
    )
    for _ in range(3):
        assert pacer.acquire("a", "user 1") == 0
    assert pacer.acquire("b", "user 2") == 0  # another identity has its own windows
    assert pacer.acquire("a", "user 1") == 10  # the burst window: the first call must leave it
    assert waits == [("user 1", 10)]
    clock.now += 5
    assert pacer.acquire("a", "user 1") == 85  # the sustain window: 4 calls per 100 s, the first at 1000
    assert clock.slept == [10, 85]


def test_past_the_time_budget_the_pacer_holds_nothing_back() -> None:
    clock = FakeClock()
    pacer = Pacer((RateLimit(1, 10),), clock, clock.sleep)
    assert pacer.acquire("a", until=clock.now + 20) == 0
    assert pacer.acquire("a", until=clock.now + 20) == 10  # the wait ends within the budget
    assert pacer.acquire("a", until=clock.now + 5) == 0  # it would not: the call goes at once
    assert clock.slept == [10]


def test_workers_count_their_calls_together_and_each_may_use_the_whole_window(tmp_path) -> None:
    """Two pacers standing for two xdist workers, on one clock: what one sends counts for the
    other, and one alone may send the whole window (an even split would hold it to half)."""
    clock = FakeClock()
    labels = {"token-a": "user 1"}
    limits = (RateLimit(4, 10),)
    first, second = (
        Pacer(limits, clock, clock.sleep, windows=SharedWindows(limits, tmp_path, labels)) for _ in range(2)
    )
    assert [first.acquire("token-a") for _ in range(4)] == [0, 0, 0, 0]  # the whole window, alone
    assert second.acquire("token-a") == 10  # the first worker's calls fill it for the second too
    assert first.acquire("token-a") == 0  # and the second's, sent after waiting, count for the first
    assert all("token" not in path.name for path in tmp_path.iterdir())  # no credential names a file


def test_a_limit_learned_in_one_worker_counts_the_calls_it_already_made(tmp_path) -> None:
    clock = FakeClock()
    labels = {"token-a": "user 1"}
    windows = SharedWindows((), tmp_path, labels)
    pacer = Pacer((), clock, clock.sleep, windows=windows)
    for _ in range(3):
        assert pacer.acquire("token-a") == 0  # no limit known: kept in this process only
    assert list(tmp_path.iterdir()) == []
    windows.learn("token-a", RateLimit(3, 10))
    assert pacer.acquire("token-a") == 10  # its three earlier calls fill the learned window


def test_the_shortest_time_the_limits_allow() -> None:
    assert minimum_seconds(30, MPSD_LIMITS) == 0
    assert minimum_seconds(31, MPSD_LIMITS) == 15
    assert minimum_seconds(301, MPSD_LIMITS) == 300
    assert minimum_seconds(100, ()) == 0


@pytest.fixture
def throttled():
    target = embedded_target()
    config = ReferenceConfig.from_target(target, rate_limits=(RateLimit(3, 1),))
    with ReferenceServer(config) as server:
        yield dataclasses.replace(target, url=server.url)


def _get(transport: Transport, target, name: str):
    url = f"{target.url}/serviceconfigs/{target.scid}/sessiontemplates/{target.template}/sessions/{name}"
    headers = {"Authorization": target.users[0].authorization, "X-Xbl-Contract-Version": "107"}
    return transport.request("GET", url, headers, None)


def test_a_429_is_waited_out_and_the_same_request_sent_again(throttled) -> None:
    pacing = Pacing(labels={throttled.users[0].authorization: "user 1"})
    transport = Transport(throttled.url, Limits(timeout_s=5), pacing)
    statuses = [_get(transport, throttled, f"s{i}").status_code for i in range(5)]
    assert statuses == [204] * 5
    counts = pacing.stats.by_label["user 1"]
    assert counts["throttled"] == 1  # then the window learned from the 429's body paced the rest
    assert counts["retry_wait_s"] >= 1
    assert pacing.pacer.windows._learned


def test_undeclared_limits_are_learned_from_the_first_429_of_each_window() -> None:
    """A target that never declared its limits: each window's first 429 teaches it (its body names
    the window), counting the calls already sent in it, so no later request is refused."""
    target = embedded_target()
    config = ReferenceConfig.from_target(target, rate_limits=(RateLimit(3, 0.2), RateLimit(6, 1)))
    with ReferenceServer(config) as server:
        live = dataclasses.replace(target, url=server.url)
        pacing = Pacing(labels={live.users[0].authorization: "user 1"})
        transport = Transport(live.url, Limits(timeout_s=5), pacing)
        statuses = [_get(transport, live, f"s{i}").status_code for i in range(20)]
    assert statuses == [204] * 20
    assert pacing.stats.by_label["user 1"]["throttled"] <= 2


def test_a_learned_limit_is_shared_between_the_workers_like_a_declared_one(throttled) -> None:
    pacing = Pacing(workers=2)
    transport = Transport(throttled.url, Limits(timeout_s=5), pacing)
    for i in range(5):
        _get(transport, throttled, f"s{i}")
    assert set(pacing.pacer.windows._learned.popitem()[1]) == {RateLimit(1, 1)}  # 3/1 over two workers


def test_a_request_still_throttled_past_its_budget_comes_back_as_429(throttled) -> None:
    pacing = Pacing(max_wait_s=0.1)
    transport = Transport(throttled.url, Limits(timeout_s=5), pacing)
    statuses = [_get(transport, throttled, f"s{i}").status_code for i in range(4)]
    assert statuses == [204, 204, 204, 429]


class ThrottledNow:
    """Answers 429 with ``Retry-After: 0`` to everything: "come back now", forever."""

    async def __call__(self, scope, receive, send) -> None:
        headers = [(b"content-type", b"text/plain"), (b"retry-after", b"0")]
        await send({"type": "http.response.start", "status": 429, "headers": headers})
        await send({"type": "http.response.body", "body": b"slow down"})


def test_a_target_that_always_says_retry_now_gets_the_429_back_after_a_few_tries() -> None:
    target = embedded_target()
    with BackgroundServer(ThrottledNow()) as server:
        live = dataclasses.replace(target, url=server.url)
        pacing = Pacing()
        transport = Transport(live.url, Limits(timeout_s=5), pacing)
        assert _get(transport, live, "s").status_code == 429
    assert sum(counts["throttled"] for counts in pacing.stats.by_label.values()) == Pacing.GIVE_UP + 1


def test_the_reference_throttles_as_mpsd_documents(throttled) -> None:
    transport = Transport(throttled.url, Limits(timeout_s=5))
    with transport.unpaced():
        answers = [_get(transport, throttled, "s") for _ in range(4)]
    refused = answers[-1]
    assert [a.status_code for a in answers] == [204, 204, 204, 429]
    assert refused.headers["Content-Type"] == "application/json"
    assert int(refused.headers["Retry-After"]) >= 1
    body = json.loads(refused.content)
    assert body == {
        "version": 1,
        "currentRequests": 4,
        "maxRequests": 3,
        "periodInSeconds": 1,
        "limitType": "Rate",
    }


@pytest.fixture
def overloaded():
    target = embedded_target()
    config = ReferenceConfig.from_target(target, scid_capacity={target.scid: (RateLimit(3, 1),)})
    with ReferenceServer(config) as server:
        yield dataclasses.replace(target, url=server.url)


def test_the_reference_sheds_load_past_its_capacity_with_503_and_retry_after(overloaded) -> None:
    """Capacity is the service's: calls from different users fill it together (C1)."""
    transport = Transport(overloaded.url, Limits(timeout_s=5))
    other = dataclasses.replace(overloaded, users=overloaded.users[1:])
    with transport.unpaced():
        answers = [_get(transport, overloaded if i % 2 else other, f"s{i}") for i in range(4)]
    shed = answers[-1]
    assert [a.status_code for a in answers] == [204, 204, 204, 503]
    assert shed.headers["Content-Type"].startswith("text/plain")
    assert int(shed.headers["Retry-After"]) >= 1


def test_a_503_is_waited_out_and_the_same_request_sent_again(overloaded) -> None:
    pacing = Pacing()
    transport = Transport(overloaded.url, Limits(timeout_s=5), pacing)
    assert [_get(transport, overloaded, f"s{i}").status_code for i in range(5)] == [204] * 5
    assert sum(counts["unavailable"] for counts in pacing.stats.by_label.values()) >= 1


def test_a_throttled_embedded_run_is_paced_and_judged_as_a_fast_one(tmp_path) -> None:
    """The issue's end-to-end proof at CI size: the default run against the reference throttling
    each caller (windows 60x shorter than MPSD's), paced so that the limits decide the pace and not
    the verdicts. A small fuzz budget: one generated example per operation and an eighth of the
    coverage cases (shard 1 of 8 of the campaign). The whole default run is bench/throttled_run.py."""
    out = tmp_path / "out"
    budget = ["--fuzz-examples", "1", "--shard", "1/8"]
    # Not shorter: THROTTLE-429's burst must still put 31 calls into one window on a loaded machine
    # (at 30/0.125 it managed 23 while the suite's tests ran four at once, and was blocked).
    code = main(["run", "--rate-limit", "30/0.25,300/5", *budget, "--report-dir", str(out)])
    report = load_report(out / "report.json")
    failed = {r["id"]: r["reason"] for r in report["requirements"] if r["verdict"] in ("fail", "error")}
    assert (code, failed) == (0, {})
    verdicts = {r["id"]: r["verdict"] for r in report["requirements"]}
    assert verdicts["THROTTLE-429"] == "pass"  # --rate-limit on the embedded reference declares throttling
    assert set(report["run"]["phases"]) >= {"scenarios", "fuzz"}
    throttling = report["run"]["throttling"]
    assert throttling["limits"] == ["30/0.25", "300/5"]
    identities = throttling["identities"]
    sent = sum(counts["requests"] for counts in identities.values())
    refused = sum(counts["throttled"] for counts in identities.values())
    assert sent > 1000
    assert refused <= 0.05 * sent, identities
    assert identities["user 1"]["paced_s"] > 0


def test_a_bad_rate_limit_is_a_usage_error(capsys) -> None:
    assert main(["run", "--rate-limit", "fast"]) == 2
    assert "--rate-limit" in capsys.readouterr().err


def test_waiting_on_a_limit_is_said_at_most_every_few_seconds() -> None:
    lines: list[str] = []
    notice = WaitNotice(lines.append, every_s=60)
    notice("user 1", 0.2)  # too short to look hung
    notice("user 1", 12)
    notice("user 2", 12)  # within the minute: not repeated
    assert lines == ["waiting 12 s: user 1 is at the target's rate limit"]


def test_a_time_budget_cuts_the_fuzz_budget_and_bounds_the_run(tmp_path) -> None:
    """MPSD's own limits on the embedded reference and a 3 s budget: the plan says the fuzz
    examples were cut, and past the budget the run neither holds requests back nor waits out a
    429, so it ends in seconds with throttled checks blocked, not failed."""
    command = [sys.executable, "-m", "conformance.cli", "run", "--rate-limit", "30/15,300/300"]
    command += ["--time-budget", "3", "--fuzz-examples", "5", "--select", "JOIN-SECOND-USER"]
    command += ["--select", "SRV-NO-5XX", "--report-dir", str(tmp_path / "out")]
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, timeout=240, check=False)
    assert time.monotonic() - started < 120
    assert "plan: about" in done.stdout
    assert "fuzz examples cut from 5 to 1 per operation to fit the 3 s time budget" in done.stdout
    report = load_report(tmp_path / "out" / "report.json")
    assert {r["verdict"] for r in report["requirements"]} <= {"pass", "blocked", "not-applicable"}
    assert sum(c["throttled"] for c in report["run"]["throttling"]["identities"].values()) > 0


def test_a_burst_too_slow_to_exceed_the_window_blocks_the_throttle_check(tmp_path) -> None:
    """A window shorter than the round trips cannot be exceeded: no 429 is then no failure."""
    out = tmp_path / "out"
    select = ["--select", "THROTTLE-429", "--select", "PUT-CREATE-201"]
    code = main(["run", "--rate-limit", "30/0.001", "--no-fuzz", *select, "--report-dir", str(out)])
    verdicts = {r["id"]: r for r in load_report(out / "report.json")["requirements"]}
    assert code == 0
    assert verdicts["THROTTLE-429"]["verdict"] == "blocked"
    assert "too slow to exceed 30/0.001" in verdicts["THROTTLE-429"]["reason"]


def test_the_densest_stretch_of_a_burst() -> None:
    burst = Burst(None, (0.0, 0.01, 0.02, 0.5, 0.51))  # type: ignore[arg-type]
    assert (burst.densest(0.1), burst.densest(1.0), burst.densest(0.001)) == (3, 5, 1)
    assert str(burst) == "5 quick reads"


def test_xdist_workers_share_every_window_and_the_budget_must_be_positive() -> None:
    assert RateLimit(30, 15).share(2) == RateLimit(15, 15)
    assert RateLimit(3, 1).share(8) == RateLimit(1, 1)  # never no calls at all
    assert time_budget("90") == 90.0
    for bad in ("0", "-5", "nan", "inf", "soon"):
        with pytest.raises(argparse.ArgumentTypeError):
            time_budget(bad)


def test_a_bad_time_budget_is_a_usage_error(capsys) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["run", "--time-budget", "-1"])
    assert stopped.value.code == 2
    assert "positive number of seconds" in capsys.readouterr().err
