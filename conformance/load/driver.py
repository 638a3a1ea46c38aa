"""Drive the players with Locust in one process, as a master, or as a worker (imports Locust).

In one process (the default) or as a master, the run ends with final reads: every session read
once more after the players stopped, so a write lost at the very end still shows, and then the
members left seated leave. Workers send their observations to the master when it stops them; the
master's statistics are Locust's own merge of the workers'.
"""

from __future__ import annotations

import json
import logging
import time
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import gevent
import requests
from locust import events
from locust.argument_parser import get_empty_argument_parser, setup_parser_arguments
from locust.env import Environment
from locust.stats import RequestStats

from conformance import bodies
from conformance.config import Target, User, dump_target, parse_target
from conformance.load.invariants import FINAL
from conformance.load.observe import Observation, summarize_body
from conformance.load.plan import Plan
from conformance.load.players import Context, Player, within
from conformance.ratelimit import Pacer
from conformance.verdicts import LoadStats, OperationStats

OBSERVATIONS = "mpsd-observations"
# How long a master waits for its workers to connect, and then for their observations.
CONNECT_TIMEOUT_S = 60.0
REPORT_TIMEOUT_S = 60.0
LOCAL = "p0"

log = logging.getLogger(__name__)


@dataclass
class LoadRun:
    observations: list[Observation] = field(default_factory=list)
    stats: LoadStats = field(default_factory=lambda: LoadStats(0.0))
    duration_s: float = 0.0
    errors: list[str] = field(default_factory=list)


def _options(plan: Plan, target_text: str | None) -> Any:
    """Locust's parsed options with the plan (and, for the embedded target, the target) added: the
    master ships custom options to its workers with every spawn message."""
    parser = get_empty_argument_parser()
    setup_parser_arguments(parser)
    options = parser.parse(args=[])
    options.headless = True
    options.mpsd_plan = json.dumps(plan.to_dict())
    options.mpsd_target = target_text
    return options


def run_local(target: Target, plan: Plan) -> LoadRun:
    env = Environment(user_classes=[Player], host=target.url, events=events)
    context = _context(target, plan, LOCAL)
    runner = env.create_local_runner()
    result = LoadRun(duration_s=_drive(runner, plan))
    result.observations = context.observations
    _finish(env, runner, target, result)
    return result


def run_master(
    target: Target, plan: Plan, bind_host: str, port: int, workers: int, share_target: bool
) -> LoadRun:
    """Wait for ``workers``, run the plan on them, gather their observations, read back, judge."""
    env = Environment(
        user_classes=[Player],
        host=target.url,
        events=events,
        parsed_options=_options(plan, dump_target(target) if share_target else None),
    )
    runner = env.create_master_runner(master_bind_host=bind_host, master_bind_port=port)
    reports: dict[str, list[Observation]] = {}

    def on_observations(environment: Environment, msg: Any, **_: Any) -> None:
        reports[msg.node_id] = [Observation.from_wire(values) for values in msg.data]

    runner.register_message(OBSERVATIONS, on_observations)
    result = LoadRun()
    if not _wait(lambda: len(runner.clients.ready) >= workers, CONNECT_TIMEOUT_S):
        result.errors.append(f"only {len(runner.clients.ready)} of {workers} workers connected")
        runner.quit()
        return result
    result.duration_s = _drive(runner, plan)
    if not _wait(lambda: len(reports) >= workers, REPORT_TIMEOUT_S):
        result.errors.append(f"only {len(reports)} of {workers} workers sent what their players saw")
    result.observations = [o for seen in reports.values() for o in seen]
    _finish(env, runner, target, result)
    return result


def run_worker(target: Target | None, master_host: str, port: int) -> int:
    """Run players for a master until it quits. ``target`` None: the master shares its own."""
    env = Environment(user_classes=[Player], events=events)
    runner = env.create_worker_runner(master_host, port)
    contexts: list[Context] = []

    @events.test_start.add_listener
    def _start(environment: Environment, **_: Any) -> None:
        options = environment.parsed_options
        plan = Plan.from_dict(json.loads(options.mpsd_plan))
        own = target
        if own is None and options.mpsd_target:
            own = parse_target(tomllib.loads(options.mpsd_target), {}, {})
        if own is None:
            raise SystemExit("this worker has no target: give it --config/--target as the master has")
        contexts.append(_context(own, plan, f"w{runner.worker_index}"))

    @events.test_stop.add_listener
    def _stop(environment: Environment, **_: Any) -> None:
        if contexts:
            runner.send_message(OBSERVATIONS, [o.to_wire() for o in contexts.pop().observations])

    runner.greenlet.join()
    return 0


def _context(target: Target, plan: Plan, process: str) -> Context:
    context = Context(target, plan, process, Pacer(target.rate_limits, sleep=gevent.sleep))
    Player.shared = context
    Player.host = target.url
    return context


def _drive(runner: Any, plan: Plan) -> float:
    """Play the plan; the seconds the players played (stopping them is not counted)."""
    started = time.monotonic()
    runner.start(plan.users, spawn_rate=plan.spawn_rate)
    gevent.sleep(plan.duration_s)
    played = time.monotonic() - started
    runner.stop()
    return played


def _wait(condition: Callable[[], bool], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        gevent.sleep(0.1)
    return True


def _finish(env: Environment, runner: Any, target: Target, result: LoadRun) -> None:
    """Read back, let the runner go (workers send their last statistics as they quit), count."""
    try:
        result.observations += final_reads(target, result.observations)
    except requests.RequestException as exc:
        result.errors.append(f"the final reads failed: {exc}")
    runner.quit()
    result.stats = operation_stats(env.stats, result.duration_s)


def operation_stats(stats: RequestStats, duration_s: float) -> LoadStats:
    """Per operation: requests, failures, requests per second and the latency percentiles (ms)."""
    operations = {}
    entries = sorted(stats.entries.values(), key=lambda e: e.name)
    for entry in [*entries, stats.total]:
        operations["all" if entry is stats.total else entry.name] = OperationStats(
            requests=entry.num_requests,
            failures=entry.num_failures,
            rps=round(entry.num_requests / duration_s, 1) if duration_s else 0.0,
            p50_ms=_ms(entry.get_response_time_percentile(0.5)),
            p95_ms=_ms(entry.get_response_time_percentile(0.95)),
            p99_ms=_ms(entry.get_response_time_percentile(0.99)),
        )
    return LoadStats(duration_s, operations)


def _ms(value: float | None) -> float:
    return round(value or 0.0, 1)


def final_reads(target: Target, observations: Sequence[Observation]) -> list[Observation]:
    """Read every session once after the run, as each of its players would see it; then have the
    members still seated leave, so the run leaves nothing behind on the target."""
    by_xuid = {user.xuid: user for user in target.users}
    players: dict[str, dict[str, Observation]] = {}
    for o in observations:
        players.setdefault(o.session, {}).setdefault(o.player, o)
    final = []
    with requests.Session() as http:
        for session, seen in players.items():
            any_player = next(iter(seen.values()))
            reader = by_xuid[any_player.xuid]
            start = time.monotonic()
            url = target.url + any_player.path
            with within(target.timeout_s, f"the final read of {session}"):
                response = http.get(url, headers=_headers(target, reader), timeout=target.timeout_s)
            end = time.monotonic()
            body = response.json() if response.status_code == 200 else None
            for player, first in seen.items():
                final.append(
                    Observation(
                        process=first.process, player=player, xuid=first.xuid, session=session, op=FINAL,
                        method="GET", path=first.path, request_body=None, start=start, end=end,
                        status=response.status_code, etag=response.headers.get("ETag"),
                        **summarize_body(body, player),
                    )
                )  # fmt: skip
            for _, xuid, _ in final[-1].members or ():
                if xuid in by_xuid:
                    with within(target.timeout_s, f"the last leave of {session}"):
                        http.put(
                            target.url + any_player.path,
                            data=json.dumps(bodies.leave()),
                            headers=_headers(target, by_xuid[xuid]),
                            timeout=target.timeout_s,
                        )
    return final


def _headers(target: Target, user: User) -> dict[str, str]:
    return {
        "Authorization": user.authorization,
        "X-Xbl-Contract-Version": str(target.contract_version),
        "Content-Type": "application/json",
    }
