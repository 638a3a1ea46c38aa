"""How a check ends decides what it says: typed skips, judged answers, and the harness's own bugs."""

from __future__ import annotations

import dataclasses
import json

import pytest

from conformance.config import dump_target
from conformance.embedded import embedded_target
from conformance.reference import ReferenceConfig, ReferenceServer

CHECKS = """
import pytest

from conformance import bodies
from conformance.expect import expect

requirement = pytest.mark.requirement


@requirement("PUT-CREATE-201")
def test_judges_nothing(mpsd):
    mpsd.user(1).put(mpsd.new_name(), bodies.join(mpsd.user(1).xuid))


@requirement("GET-ABSENT-204")
def test_skips_its_own_way(mpsd):
    pytest.skip("some library decided to skip")


@requirement("PUT-UPDATE-MERGE")
def test_blocked(mpsd):
    raise mpsd.blocked("the arrange step answered 500")


@requirement("MEMBERS-INDEX-SERVER-REMOVE")
def test_needs_a_capability(mpsd):
    expect(mpsd.server.get(mpsd.new_name())).status(204)


@requirement("LEAVE-200")
def test_crashes(mpsd):
    {}["no such key"]


@requirement("GET-304")
def test_the_transport_refuses_the_request(mpsd):
    transport = mpsd.user(1).transport
    host, transport.host = transport.host, "elsewhere.invalid"
    try:
        mpsd.user(1).get(mpsd.new_name())
    finally:
        transport.host = host


@requirement("ETAG-PRESENT")
def test_judges_one_answer(mpsd):
    expect(mpsd.user(1).get(mpsd.new_name())).status(204)
"""


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    folder = tmp_path_factory.mktemp("outcomes")
    (folder / "test_checks.py").write_text(CHECKS, encoding="utf-8")
    target = embedded_target()
    with ReferenceServer(ReferenceConfig.from_target(target)) as server:
        config = folder / "target.toml"
        config.write_text(dump_target(dataclasses.replace(target, url=server.url, server_authorization=None)))
        out = folder / "out"
        import subprocess
        import sys

        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "-q",
             "--rootdir", str(folder), "-c", "/dev/null", str(folder / "test_checks.py"),
             "--mpsd-config", str(config), "--mpsd-report-dir", str(out)],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    report = json.loads((out / "report.json").read_text())
    return done, {r["id"]: r for r in report["requirements"]}


@pytest.mark.parametrize(
    ("requirement", "verdict", "reason"),
    [
        ("PUT-CREATE-201", "error", "passed without judging any answer"),
        ("GET-ABSENT-204", "error", "an unexpected skip (some library decided to skip)"),
        ("PUT-UPDATE-MERGE", "blocked", "the arrange step answered 500"),
        ("MEMBERS-INDEX-SERVER-REMOVE", "not-applicable", "needs server"),
        ("LEAVE-200", "error", "KeyError"),
        ("GET-304", "blocked", "not the target"),
        ("ETAG-PRESENT", "pass", ""),
    ],
)
def test_each_ending_gives_its_verdict(outcomes, requirement, verdict, reason) -> None:
    _, found = outcomes
    assert found[requirement]["verdict"] == verdict, found[requirement]["reason"]
    assert reason in found[requirement]["reason"]


def test_a_pass_lists_the_answer_it_judged(outcomes) -> None:
    _, found = outcomes
    (check,) = found["ETAG-PRESENT"]["checks"]
    assert check["judged"] == 1
    assert check["evidence"][0]["response"]["status"] == 204


def test_harness_errors_make_the_run_a_harness_failure(outcomes) -> None:
    done, _ = outcomes
    assert done.returncode == 3, done.stdout[-3000:]
