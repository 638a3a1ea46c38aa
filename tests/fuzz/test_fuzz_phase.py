"""The fuzz phase finds nothing on a conformant reference, finds each fuzzable fault, and replays by seed.

Each run is a fresh ``mpsd-conformance run`` process, as a user replays a seed; one test runs twice
in this process, since a seed must replay there too (the self-test and CI tools call the runner in
process). The reference runs here, in the test, so its app can record what it got.
"""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from conformance.cli import main
from conformance.config import dump_target
from conformance.embedded import embedded_target
from conformance.plan import plan
from conformance.reference import ReferenceConfig
from conformance.reference.app import create_app
from conformance.reference.config import Variant
from conformance.reference.recorder import Recorded, Recorder
from conformance.reference.server import BackgroundServer, http_protocol
from conformance.seed import suite_seed
from conformance.selftest import ALL_AT_ONCE, variant_table

# Small budgets: the coverage phase's cases (about 1,800) come whatever the budget, and they
# find every fuzzable fault here; the clean runs get more generated cases to find nothing in.
EXAMPLES = 3
CLEAN_EXAMPLES = 5
SEED = 5
GUID = re.compile(rb"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")


def _case(request: Recorded) -> tuple:
    """What the generator chose, without the run's own names and the service's GUIDs (ETags reach
    later requests through the links, If-Match: $response.header.ETag)."""
    path = re.sub(r"/mpsdfz-[^/]+", "/NAME", request.path)
    headers = sorted(
        (k, GUID.sub(b"GUID", v)) for k, v in request.headers if k.startswith((b"if-", b"x-xbl"))
    )
    return (request.method, path, request.query, tuple(headers), request.body)


def _session_number(request: Recorded) -> int:
    """Which of the run's sessions a request went to: the requests of one case (its arrange, the
    case, its cleanup) come in order, while the next cases are sent ahead of their judging
    (``FuzzContext.send_each``), so the cases are compared session by session, in the order
    their sessions were handed out."""
    return int(re.search(r"/mpsdfz-[^-/]+-(\d+)-", request.path)[1])


class Run(NamedTuple):
    code: int
    fuzz: dict[str, list[dict]]  # requirement -> its fuzz checks
    cases: list[tuple]
    seed: int  # as the report names it
    stdout: str
    requests: dict[str, int]  # per identity, as the report counts them
    problems: dict[str, str]  # requirement -> reason, for each one failed, warned, in error or blocked


class LargeBodies500:
    """A defect only generated cases reach: a PUT whose body is over 1 KiB is answered 500 (a
    fixed-size buffer). The coverage phase's bodies stay well under that; some generated ones do not."""

    LIMIT = 1024

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "PUT":
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        while not messages or messages[-1].get("more_body"):
            messages.append(await receive())
        if sum(len(m.get("body", b"")) for m in messages) > self.LIMIT:
            await send({"type": "http.response.start", "status": 500, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else {"type": "http.disconnect"}

        await self.app(scope, replay, send)


def _run(
    tmp_path: Path,
    seed: int | str | None,
    faults=(),
    select=(),
    defect=None,
    options=(),
    examples=EXAMPLES,
    in_process=False,
    variant: Variant | None = None,
) -> Run:
    """One run, in a fresh process unless ``in_process``, against the reference making
    ``variant``'s choices (its own, by default); ``seed`` None passes no --seed (the suite's default)."""
    target = embedded_target()
    reference = ReferenceConfig.from_target(target, faults=frozenset(faults), variant=variant or Variant())
    app = create_app(reference)
    recorder = Recorder(defect(app) if defect else app, keep=lambda scope: "/mpsdfz-" in scope["path"])
    with BackgroundServer(recorder, http=http_protocol(reference.variant)) as server:
        config = tmp_path / "target.toml"
        config.write_text(dump_target(dataclasses.replace(target, url=server.url)))
        command = [sys.executable, "-m", "conformance.cli", "run", "--config", str(config)]
        command += [] if seed is None else ["--seed", str(seed)]
        command += ["--fuzz-examples", str(examples), "--report-dir", str(tmp_path / "out")]
        for pattern in select:
            command += ["--select", pattern]
        command += options
        if in_process:
            code, stdout = main(command[3:]), ""
        else:
            done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
            code, stdout = done.returncode, done.stdout
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    fuzz = {r["id"]: [c for c in r["checks"] if c["kind"] == "fuzz"] for r in report["requirements"]}
    cases = [_case(r) for r in sorted(recorder.requests, key=_session_number)]
    requests = {label: c["requests"] for label, c in report["run"]["throttling"]["identities"].items()}
    problems = {
        r["id"]: r["reason"]
        for r in report["requirements"]
        if r["verdict"] in ("fail", "warn", "error", "blocked")
    }
    return Run(code, fuzz, cases, report["run"]["seed"], stdout, requests, problems)


# What the seed tests replay: the stored sequence of one cheap operation (GET) and the stateful
# sequences that read a session back. A random seed generates every case it sends: a whole run at
# one, and its replay, cost as much as default runs that generate (the fixture took 41 s of CPU
# with them, 27.7 s with this selection).
SEEDED = ("GET-READ",)


@pytest.fixture(scope="module")
def clean_runs(tmp_path_factory):
    """A default run against the reference making every latitude's choice at once (the self-test's
    all-at-once variant, a conformant service); then, against the reference as it is and selecting
    only ``SEEDED``, the default seed again (it reads what the default run stored), a random seed,
    and a fresh process replaying the seed that run named."""
    every_latitude = variant_table()[ALL_AT_ONCE]
    runs = {
        "first": _run(tmp_path_factory.mktemp("first"), None, examples=CLEAN_EXAMPLES, variant=every_latitude)
    }
    for label, seed in (("first-seeded", None), ("random", "random")):
        runs[label] = _run(tmp_path_factory.mktemp(label), seed, select=SEEDED, examples=CLEAN_EXAMPLES)
    runs["replay"] = _run(
        tmp_path_factory.mktemp("replay"), runs["random"].seed, select=SEEDED, examples=CLEAN_EXAMPLES
    )
    return runs


def test_the_default_run_passes_every_latitude_at_once(clean_runs) -> None:
    """The self-test proves each latitude of ``latitude.yaml`` against the scenario checks; the fuzz
    phase judges generated requests with its own checks, so the whole default run, fuzzing
    included, meets the variant with every choice switched on here, as a user's run would."""
    first = clean_runs["first"]
    assert (first.code, first.problems) == (0, {})


def test_fuzzing_a_conformant_reference_finds_nothing(clean_runs) -> None:
    code, checks = clean_runs["first"].code, clean_runs["first"].fuzz
    assert code == 0
    # Each requirement passes on answers that exercised it; an operation whose cases never
    # exercise one (a GET has no nocommit answer) leaves it not applicable, never passed.
    outcomes = {rid: {c["outcome"] for c in found} for rid, found in checks.items() if found}
    assert all("passed" in seen and seen <= {"passed", "not-applicable"} for seen in outcomes.values()), (
        outcomes
    )
    for found in checks.values():
        for check in found:
            assert (check["outcome"] == "passed") == (check["judged"] > 0), check["name"]
    assert checks["GET-READ"]  # the stateful phase ran too


def test_the_same_seed_sends_the_same_cases(clean_runs) -> None:
    first, seeded, drawn, replay = (clean_runs[k] for k in ("first", "first-seeded", "random", "replay"))
    # Same suite version, same target: the suite's own seed (a gate is reproducible: a seed
    # replays its cases, as the random run's replay shows).
    assert len(first.cases) > 500
    assert first.seed == seeded.seed == suite_seed()
    assert f"fuzz seed: {first.seed}, the default of mpsd-conformance" in first.stdout
    # --seed random explores, and names its seed so that --seed N in a fresh process replays it.
    assert drawn.seed != first.seed
    assert len(seeded.cases) > 20
    assert drawn.cases != seeded.cases
    assert f"fuzz seed: {drawn.seed} (replay: --seed {drawn.seed})" in drawn.stdout
    assert replay.seed == drawn.seed
    assert replay.cases == drawn.cases


def test_a_seed_replays_in_the_same_process(tmp_path_factory) -> None:
    """What schemathesis remembers between runs (it probes each path with each undeclared method
    once per schema object) is forgotten at the start of each run. The stateless items only, one
    generated example, a quarter of the coverage cases: the coverage phase is where the memory was
    (the state machine's seed is the fresh-process replay's to show)."""
    runs = [
        _run(
            tmp_path_factory.mktemp("in-process"),
            SEED,
            select=("SESSION-SCHEMA",),
            in_process=True,
            options=["-n", "0", "--shard", "1/4"],
            examples=1,
        )
        for i in range(2)
    ]
    assert [r.code for r in runs] == [0, 0]
    assert len(runs[0].cases) > 100
    assert runs[0].cases == runs[1].cases


@pytest.mark.parametrize(
    ("fault", "requirement", "phrase"),
    [
        # A non-empty malformed body reaches the server only by chance (seen measuring schemathesis,
        # and the seed's luck here): the scenario BODY-MALFORMED-400 covers malformed-json-500 for
        # certain; the fuzz phase's coverage cases always send wrongly typed system fields.
        ("wrong-types-500", "SRV-NO-5XX", "Server error"),
        ("unknown-keys-accepted", "BODY-INVALID-REJECTED", "Schema-violating request accepted"),
        ("legacy-read-lost", "GET-READ", "right after a successful PUT stored the session"),
    ],
)
def test_fuzzing_reports_the_fault_with_a_reproduction(tmp_path, fault, requirement, phrase) -> None:
    code, checks = _run(tmp_path, SEED, faults=(fault,), select=(requirement,), in_process=True)[:2]
    failed = [c for c in checks[requirement] if c["outcome"] == "failed"]
    assert code == 1
    assert failed, checks[requirement]
    message = failed[0]["message"]
    assert phrase in message
    assert "curl" in message
    assert f"--seed {SEED} --fuzz-examples {EXAMPLES}" in message
    assert failed[0]["evidence"]


def test_a_generated_finding_is_shrunk_within_its_budget_and_the_report_says_so(tmp_path) -> None:
    budget = 3
    options = ["--fuzz-shrink-budget", str(budget)]
    run = _run(
        tmp_path, SEED, select=("SRV-NO-5XX",), defect=LargeBodies500, options=options, in_process=True
    )
    failed = [c for c in run.fuzz["SRV-NO-5XX"] if c["outcome"] == "failed" and "test_operation" in c["name"]]
    assert run.code == 1
    assert failed, run.fuzz["SRV-NO-5XX"]
    for check in failed:
        assert f"not fully shrunk (budget {budget} spent)" in check["message"]
        shrinking = {k: v for k, v in check["observations"].items() if k != "replay"}
        assert shrinking == {"fully_shrunk": False, "shrink_budget": budget}
        assert check["observations"]["replay"]  # how to send it again (mpsd-conformance replay)
        assert "reproduce: curl" in check["message"]
        assert f"--seed {SEED} --fuzz-examples {EXAMPLES} --fuzz-shrink-budget {budget}" in check["message"]
        assert check["evidence"]


def test_the_plan_estimates_each_identitys_requests_within_a_quarter(clean_runs) -> None:
    """The calibration in conformance/plan.py against a default run (every requirement, fuzz):
    when the checks change what they send, this says to measure it again."""
    first = clean_runs["first"]
    estimate = plan(embedded_target(), 1.0, CLEAN_EXAMPLES)
    assert f"plan: about {sum(estimate.requests.values()):,} requests" in first.stdout
    for label, sent in first.requests.items():
        if sent >= 50:
            assert abs(estimate.requests[label] - sent) <= 0.25 * sent, (
                label,
                estimate.requests,
                first.requests,
            )
