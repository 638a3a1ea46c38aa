"""Honest targets: correct implementations behind trouble the suite must not mistake for verdicts.

Each run goes end to end through the CLI. In every one: no requirement fails (each target is the
correct reference underneath), no requirement passes without an answer that exercised it, and
the exit code is the documented one.
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.config import Target, User, dump_target
from conformance.embedded import embedded_target
from conformance.reference import ReferenceConfig, ReferenceServer
from conformance.reference.app import create_app
from conformance.reference.config import Variant
from conformance.reference.server import BackgroundServer

from .honest import AlwaysThrottled, HangOnCreate, ResettingProxy


def _run(tmp_path: Path, target: Target, *extra: str) -> tuple[int, dict | None]:
    config = tmp_path / "target.toml"
    config.write_text(dump_target(target), encoding="utf-8")
    out = tmp_path / "out"
    code = main(["run", "--config", str(config), "--report-dir", str(out), *extra])
    report = out / "report.json"
    return code, json.loads(report.read_text()) if report.exists() else None


def _honest(report: dict) -> None:
    """No verdict against the correct implementation underneath, and no pass without evidence."""
    assert [r["id"] for r in report["requirements"] if r["verdict"] in ("fail", "warn")] == []
    for requirement in report["requirements"]:
        if requirement["verdict"] == "pass":
            assert requirement["judged"] >= 1, requirement["id"]
            passed = [c for c in requirement["checks"] if c["outcome"] == "passed" and c["judged"]]
            assert passed, requirement["id"]
            assert all(c["evidence"] for c in passed), requirement["id"]


def _with_token(user: User, token: str) -> User:
    return dataclasses.replace(user, authorization=f"XBL3.0 x=-;{token}")


def test_every_token_wrong_ends_the_run_in_one_line_naming_the_identities(tmp_path, capsys) -> None:
    served = embedded_target()
    with ReferenceServer(ReferenceConfig.from_target(served)) as server:
        wrong = dataclasses.replace(
            served,
            url=server.url,
            users=tuple(_with_token(u, f"wrong-{i}") for i, u in enumerate(served.users)),
            server_authorization="XBL3.0 x=-;wrong-server",
        )
        code, report = _run(tmp_path, wrong)
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert (code, report) == (2, None)
    assert len(lines) == 1
    assert "user 1 (401" in lines[0]
    assert "user 4 (401" in lines[0]
    assert "the server principal (401" in lines[0]
    assert "wrong-" not in lines[0]


def test_one_users_wrong_token_is_named_alone(tmp_path, capsys) -> None:
    served = embedded_target()
    with ReferenceServer(ReferenceConfig.from_target(served)) as server:
        users = list(served.users)
        users[2] = _with_token(users[2], "not-what-the-service-knows")
        code, report = _run(tmp_path, dataclasses.replace(served, url=server.url, users=tuple(users)))
    message = capsys.readouterr().err
    assert (code, report) == (2, None)
    assert "user 3 (401" in message
    assert "user 1" not in message
    assert "user 2" not in message


def test_a_target_that_throttles_everything_judges_nothing(tmp_path) -> None:
    with BackgroundServer(AlwaysThrottled()) as server:
        started = time.monotonic()
        target = dataclasses.replace(embedded_target(), url=server.url)
        code, report = _run(tmp_path, target, "--no-fuzz", "--time-budget", "2")
    # Past the time budget nothing waits out a 429: the run ends soon after it (measured: ~5 s).
    assert time.monotonic() - started < 30
    assert code == 3
    _honest(report)
    assert {r["verdict"] for r in report["requirements"]} <= {"blocked", "not-applicable"}
    assert any("nothing could be judged" in e and "429" in e for e in report["errors"]), report["errors"]


def test_a_target_that_starts_resetting_connections_keeps_what_was_judged(tmp_path) -> None:
    target = embedded_target()
    with (
        ReferenceServer(ReferenceConfig.from_target(target)) as reference,
        ResettingProxy(reference.url, allowed=150) as proxy,
    ):
        code, report = _run(tmp_path, dataclasses.replace(target, url=proxy.url), "--no-fuzz")
    assert code == 3
    _honest(report)
    assert any(r["verdict"] == "pass" for r in report["requirements"])
    assert any("blocked" in e and "reset" in e for e in report["errors"]), report["errors"]


def test_a_target_that_hangs_on_every_create_blocks_what_needs_one(tmp_path) -> None:
    target = dataclasses.replace(embedded_target(), timeout_s=1.0)
    app = HangOnCreate(create_app(ReferenceConfig.from_target(target)))
    with BackgroundServer(app) as server:
        code, report = _run(tmp_path, dataclasses.replace(target, url=server.url), "--no-fuzz")
    assert code == 3
    _honest(report)
    verdicts = {r["id"]: r["verdict"] for r in report["requirements"]}
    assert verdicts["PUT-CREATE-201"] == "blocked"
    assert any("timeouts" in e for e in report["errors"]), report["errors"]


@pytest.mark.parametrize("workers", ["0"])
def test_a_correct_target_may_make_each_choice_http_and_the_documents_allow(tmp_path, workers) -> None:
    target = embedded_target()
    variant = Variant(unknown_method_501=True, nocommit_etag=False)
    with ReferenceServer(ReferenceConfig.from_target(target, variant=variant)) as server:
        code, report = _run(
            tmp_path, dataclasses.replace(target, url=server.url), "--fuzz-examples", "3", "-n", workers
        )
    assert code == 0, [(r["id"], r["reason"]) for r in report["requirements"] if r["verdict"] == "fail"]
    _honest(report)
    verdicts = {r["id"]: r for r in report["requirements"]}
    assert verdicts["METHOD-405"]["verdict"] == "pass"
    assert verdicts["ETAG-PRESENT"]["verdict"] == "pass"
    assert verdicts["ETAG-NOCOMMIT"]["verdict"] == "observed"
    assert "etag=False" in verdicts["ETAG-NOCOMMIT"]["reason"]
