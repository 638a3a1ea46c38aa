"""report.ctrf.json: valid CTRF, one test per requirement, and no MUST failure or broken harness
ever reads as passed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from msgspec.structs import replace
from support import ctrf_problems

from conformance.report import write_reports
from conformance.report.ctrf import SPEC_VERSION, STATUS, run_id
from conformance.report.merge import merge
from conformance.report.view import SECTIONS
from conformance.verdicts import RunResult

from .runs import (
    BASELINED_ID,
    BLOCKED_ID,
    ERROR_ID,
    FAIL_ID,
    NA_ID,
    PASS_ID,
    PROBE_ID,
    SECOND_FAIL_ID,
    STALE_ID,
    WARN_ID,
)


def _written(result: RunResult, folder: Path) -> dict[str, Any]:
    path = write_reports(result, folder)["ctrf"]
    assert ctrf_problems(path) == []
    return json.loads(path.read_text(encoding="utf-8"))


def _by_id(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {test["testId"]: test for test in document["results"]["tests"]}


def test_every_verdict_makes_a_valid_ctrf_file_with_one_test_per_requirement(
    result: RunResult, tmp_path: Path
) -> None:
    document = _written(result, tmp_path)
    assert (document["reportFormat"], document["specVersion"]) == ("CTRF", SPEC_VERSION)
    assert document["results"]["tool"] == {"name": "mpsd-conformance", "version": "0.1.0"}
    tests = document["results"]["tests"]
    assert [t["testId"] for t in tests] == [v.id for v in result.verdicts]
    assert [t["name"] for t in tests] == [f"{v.id} {v.statement}" for v in result.verdicts]
    assert [t["suite"] for t in tests] == [[v.area] for v in result.verdicts]


def test_no_must_failure_or_error_reads_as_passed(result: RunResult, tmp_path: Path) -> None:
    tests = _by_id(_written(result, tmp_path))
    statuses = {rid: (t["status"], t["rawStatus"]) for rid, t in tests.items()}
    assert statuses == {
        FAIL_ID: ("failed", "fail"),
        SECOND_FAIL_ID: ("failed", "fail"),
        ERROR_ID: ("failed", "error"),
        WARN_ID: ("other", "warn"),
        PROBE_ID: ("other", "observed"),
        PASS_ID: ("passed", "pass"),
        STALE_ID: ("passed", "stale"),
        BASELINED_ID: ("skipped", "baselined"),
        BLOCKED_ID: ("skipped", "blocked"),
        NA_ID: ("skipped", "not-applicable"),
    }
    summary = _written(result, tmp_path)["results"]["summary"]
    assert {k: summary[k] for k in ("tests", "passed", "failed", "skipped", "pending", "other")} == {
        "tests": 10,
        "passed": 2,
        "failed": 3,
        "skipped": 3,
        "pending": 0,
        "other": 2,
    }


def test_every_category_a_verdict_can_take_has_a_status() -> None:
    """A new verdict or category without a CTRF status would raise at the end of a run."""
    assert set(STATUS) == {key for key, _ in SECTIONS}
    assert {k for k, status in STATUS.items() if status == "failed"} == {"fail", "error"}
    assert {k for k, status in STATUS.items() if status == "passed"} == {"pass", "stale"}


def test_a_test_says_why_with_its_evidence_and_its_requirement(result: RunResult, tmp_path: Path) -> None:
    tests = _by_id(_written(result, tmp_path))
    failed = tests[FAIL_ID]
    assert failed["message"].startswith('expected 201, got 500 <b>"boom"</b> & token')
    assert "-> 500 in 12 ms" in failed["trace"]
    assert "-> no response (connection reset by peer)" in failed["trace"]
    assert "curl -X PUT 'https://mpsd.vendor.test:8443/base/" in failed["trace"]
    assert failed["duration"] == 250
    requirement = failed["extra"]["mpsd-conformance.requirement"]
    verdict = next(v for v in result.verdicts if v.id == FAIL_ID)
    assert {k: requirement[k] for k in ("level", "area", "verdict", "judged")} == {
        "level": "MUST",
        "area": verdict.area,
        "verdict": "fail",
        "judged": 2,
    }
    assert [s["id"] for s in requirement["sources"]] == list(verdict.source)
    assert all(s["url"] == result.sources[s["id"]].url for s in requirement["sources"])
    assert tests[WARN_ID]["message"] == "warning: custom property survived a null"
    assert tests[BASELINED_ID]["message"] == "baselined: vendor ticket 42"
    assert tests[STALE_ID]["message"] == "stale baseline entry, now passes: fixed in 2.1"
    assert tests[BLOCKED_ID]["message"] == "the create it needed was refused (500)"
    assert [rid for rid in (PASS_ID, NA_ID) if "trace" in tests[rid]] == []


def test_the_run_is_named_with_its_times_in_milliseconds(result: RunResult, tmp_path: Path) -> None:
    document = _written(result, tmp_path)
    summary = document["results"]["summary"]
    assert (summary["start"], summary["stop"], summary["duration"]) == (1735689600000, 1735689642000, 42000)
    assert document["timestamp"] == "2025-01-01T00:00:42Z"
    assert document["runId"] == result.run.id
    assert document["extra"]["mpsd-conformance.run"]["status"] == "ERROR"
    assert "environment" not in document["results"]


def test_the_report_id_follows_the_content(result: RunResult, tmp_path: Path) -> None:
    first = _written(result, tmp_path / "a")["reportId"]
    assert _written(result, tmp_path / "b")["reportId"] == first
    assert _written(replace(result, leaks=("conf-leak-1",)), tmp_path / "c")["reportId"] != first


@pytest.mark.parametrize("verdicts", ["some", "none"])
def test_harness_errors_are_one_failed_test_that_says_why(
    green_result: RunResult, tmp_path: Path, verdicts: str
) -> None:
    errors = ("harness error: scenarios/test_x.py could not be collected: ImportError", "fuzz phase crashed")
    broken = replace(green_result, errors=errors, run=replace(green_result.run, exit_code=3))
    if verdicts == "none":
        broken = replace(broken, verdicts=())
    tests = _written(broken, tmp_path)["results"]["tests"]
    assert tests[0] == {
        "name": "harness error",
        "testId": "harness-error",
        "status": "failed",
        "rawStatus": "harness-error",
        "duration": 0,
        "suite": ["harness"],
        "message": "\n".join(errors),
    }
    assert [t["status"] for t in tests].count("failed") == 1
    assert len(tests) == 1 + len(broken.verdicts)
    assert "failed" not in {
        t["status"] for t in _written(green_result, tmp_path / "clean")["results"]["tests"]
    }


def _shard(result: RunResult, shard: str, url: str, run: str = "1") -> RunResult:
    return replace(
        result,
        options={**result.options, "shard": shard},
        target=replace(result.target, url=url),
        run=replace(result.run, id=f"20250101T000000Z-{run}"),
    )


def test_the_shards_of_one_campaign_and_their_merged_report_share_a_run_id(
    green_result: RunResult, tmp_path: Path
) -> None:
    embedded = replace(green_result, target=replace(green_result.target, embedded=True))
    # Each shard's embedded reference listens on a port of its own, and each shard is a run of its own.
    shards = [_shard(embedded, f"{k}/2", f"http://127.0.0.1:{4000 + k}", str(k)) for k in (1, 2)]
    documents = [_written(shard, tmp_path / f"shard-{k}") for k, shard in enumerate(shards, start=1)]
    campaign = documents[0]["runId"]
    assert campaign.startswith("campaign-")
    assert documents[1]["runId"] == campaign
    assert [d["results"]["environment"] for d in documents] == [{"shardId": "1/2"}, {"shardId": "2/2"}]
    assert documents[0]["reportId"] != documents[1]["reportId"]
    merged = merge([tmp_path / "shard-1", tmp_path / "shard-2"])
    assert _written(merged, tmp_path / "merged")["runId"] == campaign


@pytest.mark.parametrize(
    "other",
    [
        lambda r: replace(r, run=replace(r.run, seed=r.run.seed + 1)),
        lambda r: replace(r, suite=replace(r.suite, version="0.2.0")),
        lambda r: replace(r, ledger=replace(r.ledger, version=r.ledger.version + 1)),
        lambda r: replace(r, target=replace(r.target, url="https://other.vendor.test")),
        lambda r: replace(r, options={**r.options, "shard": "1/3"}),
    ],
    ids=["seed", "suite", "ledger", "target", "shard count"],
)
def test_another_campaign_has_another_run_id(green_result: RunResult, other: Any) -> None:
    shard = _shard(green_result, "1/2", green_result.target.url)
    assert run_id(other(shard)) != run_id(shard)
    assert run_id(replace(shard, run=replace(shard.run, id="20250101T000000Z-2"))) == run_id(shard)
