"""report.ctrf.json: the run in the Common Test Report Format (CTRF, https://ctrf.io), one test per
requirement (and per client rule of a traffic check, in suite ``client``), for the CI tools and
dashboards that read CTRF rather than JUnit.

CTRF has five statuses, and the mapping decides what such a tool counts as failed. It never lets a
MUST failure or a broken harness read as passed, and never lets a test read as passed that did not:

- ``pass`` -> ``passed``; a stale baseline entry too (the requirement passes; its message says the
  entry is stale).
- ``fail`` (a MUST) -> ``failed``.
- ``error`` -> ``failed``, not ``other``: a CI gate on a CTRF file reads ``summary.failed``, and
  ``other`` is counted apart, so an error there would let a run nobody could judge through as clean.
- ``warn`` (a SHOULD) and ``observed`` (a PROBE) -> ``other``: judged or recorded, yet the run does
  not fail for them (``--strict`` aside), so they are neither passed nor failed, which is what
  ``other`` is for; the message says which (``warning: ...``, ``observed: ...``).
- ``not-applicable`` and ``blocked`` -> ``skipped``, with the reason: nothing was judged.
- baselined -> ``skipped``, with the baseline's excuse: an accepted failure.
- not scored by the run's profile (a requirement added after it) -> ``skipped``, whatever its
  verdict, which ``rawStatus`` and the message keep: it fails nothing.
- the run's harness errors (``RunResult.errors``: a check module that did not import, a pytest
  internal error or interrupt, an unreachable target, nothing judged, a run that ended before any
  verdict) -> one more test, ``harness error``, ``failed``, carrying every cause, so that a tool
  never sees "all passed" or "nothing ran" where the harness broke.

Each test keeps the verdict word in ``rawStatus`` and the requirement's level, area and sources in
``extra``; ``message`` is its reason and ``trace`` the checks with their requests and curl lines.

``runId`` names the logical run. A shard's is derived from what every shard of its campaign shares
and ``mpsd-conformance merge`` checks (the target as ``same_target`` sees it, the suite and ledger
versions, the seed) and from the number of shards, so the shards of one campaign and their merged
report agree on it, and campaigns that differ in any of those do not (a campaign run again with
the same seed is that campaign replayed, and has its runId). A whole run's is its own id.
``reportId`` is derived from the document's content and ``timestamp`` is the time the run finished,
so the same run always renders the same file, and a different document gets a different id.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime
from typing import Any

from conformance.report.compare import target_identity
from conformance.report.view import HARNESS_ERROR, category, evidence, note, scoring_note, status
from conformance.shard import parse_shard
from conformance.verdicts import SUITE_NAME, RequirementVerdict, RunResult

# The version of the CTRF specification the schema in tests/data/ctrf/ was published with.
SPEC_VERSION = "0.0.0"
# Extension keys are namespaced, as the specification asks.
EXTRA = f"{SUITE_NAME}.run"
REQUIREMENT_EXTRA = f"{SUITE_NAME}.requirement"
_REPORT_IDS = uuid.uuid5(uuid.NAMESPACE_URL, "urn:mpsd-conformance:ctrf")

STATUS = {
    "not-scored": "skipped",
    "pass": "passed",
    "stale": "passed",
    "fail": "failed",
    "error": "failed",
    "warn": "other",
    "observed": "other",
    "not-applicable": "skipped",
    "blocked": "skipped",
    "baselined": "skipped",
}
STATUSES = ("passed", "failed", "skipped", "pending", "other")


def render(result: RunResult) -> str:
    tests = ([_harness_error(result.errors)] if result.errors else []) + [
        _test(v, result) for v in (*result.verdicts, *result.client)
    ]
    start, stop = _ms(result.run.started_at), _ms(result.run.finished_at)
    summary: dict[str, int] = {"tests": len(tests)}
    summary |= {s: sum(t["status"] == s for t in tests) for s in STATUSES}
    summary |= {"start": start, "stop": stop, "duration": round(result.run.duration_s * 1000)}
    results: dict[str, Any] = {
        "tool": {"name": SUITE_NAME, "version": result.suite.version},
        "summary": summary,
        "tests": tests,
    }
    shard = result.options.get("shard")
    if shard:
        results["environment"] = {"shardId": str(shard)}
    head = {"reportFormat": "CTRF", "specVersion": SPEC_VERSION}
    body: dict[str, Any] = {
        "runId": run_id(result),
        "timestamp": result.run.finished_at,
        "generatedBy": f"{SUITE_NAME} {result.suite.version}",
        "extra": {
            EXTRA: {
                "status": status(result),
                "exit_code": result.run.exit_code,
                "run_id": result.run.id,
                "target": result.target.url,
                "contract_version": result.target.contract_version,
                "ledger_version": result.ledger.version,
                "seed": result.run.seed,
                "leaks": list(result.leaks),
            }
        },
        "results": results,
    }
    report_id = uuid.uuid5(_REPORT_IDS, json.dumps({**head, **body}, sort_keys=True))
    document = {**head, "reportId": str(report_id), **body}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def run_id(result: RunResult) -> str:
    """The logical run: a campaign's for a shard or a merged report, else the run's own id."""
    shard = result.options.get("shard") or next(iter(result.options.get("merged") or ()), None)
    if not shard:
        return result.run.id
    campaign = [
        *target_identity(result.target),
        result.suite.version,
        result.ledger.version,
        result.run.seed,
        parse_shard(str(shard)).count,
    ]
    digest = hashlib.sha256(json.dumps(campaign).encode()).hexdigest()
    return f"campaign-{digest[:16]}"


def _test(verdict: RequirementVerdict, result: RunResult) -> dict[str, Any]:
    kind = category(verdict)
    test: dict[str, Any] = {
        "name": f"{verdict.id} {verdict.statement}",
        "testId": verdict.id,
        "status": STATUS[kind],
        "rawStatus": kind,
        "duration": round(sum(c.duration_s for c in verdict.checks) * 1000),
        "suite": [verdict.area],
    }
    said = note(verdict)
    if kind == "not-scored":
        said = f"{scoring_note(verdict)}; {verdict.verdict}" + (f": {said}" if said else "")
        test["rawStatus"] = verdict.verdict
    if said:
        test["message"] = said
    trace = evidence(verdict) if kind not in ("pass", "stale", "not-applicable", "blocked") else ""
    if trace:
        test["trace"] = trace
    sources = [{"id": sid, **_source(result, sid)} for sid in verdict.source]
    test["extra"] = {
        REQUIREMENT_EXTRA: {
            "level": verdict.level,
            "area": verdict.area,
            "verdict": verdict.verdict,
            "judged": verdict.judged,
            "sources": sources,
        }
    }
    return test


def _source(result: RunResult, source_id: str) -> dict[str, str]:
    source = result.sources.get(source_id)
    return {} if source is None else {"title": source.title, "url": source.url}


def _harness_error(errors: tuple[str, ...]) -> dict[str, Any]:
    return {
        "name": HARNESS_ERROR,
        "testId": HARNESS_ERROR.replace(" ", "-"),
        "status": "failed",
        "rawStatus": "harness-error",
        "duration": 0,
        "suite": ["harness"],
        "message": "\n".join(errors),
    }


def _ms(timestamp: str) -> int:
    """Milliseconds since the epoch, as CTRF counts time, from a report's ISO 8601 time."""
    return round(datetime.fromisoformat(timestamp).timestamp() * 1000)
