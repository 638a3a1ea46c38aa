"""A fixed run, built by hand down to its requirements, whose report files are kept in tests/data/report.

Nothing here comes from the ledger or the clock, so the files change only when a report's shape
or wording does: ``test_golden.py`` compares what the reporters write today with them.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from conformance.http.exchange import Exchange, HttpRequest, HttpResponse
from conformance.ledger import Ledger, Requirement, Source
from conformance.profiles import Profile
from conformance.verdicts import (
    CheckResult,
    FalseFailureScore,
    Finding,
    IdentityCounts,
    LedgerInfo,
    MutationScore,
    ProfileUsed,
    Run,
    RunResult,
    SelfProof,
    Suite,
    TargetSummary,
    Throttling,
    apply_baseline,
    exit_code,
    judge_all,
)

GOLDEN = Path(__file__).parents[1] / "data" / "report"
# Made-up scores, not the shipped ones: the golden files must not change when a fault is added.
GOLDEN_PROOF = SelfProof(
    mutation_score=MutationScore(detected=9, faults=10),
    false_failure_score=FalseFailureScore(passed=3, variants=3),
)
URL = "https://mpsd.golden.test/serviceconfigs/scid/sessiontemplates/t/sessions/s1"

CREATE = Requirement(
    "PUT-CREATE-201", "MUST", "create", "A create answers 201.", "201 Created", ("put-doc",), why="documented"
)
ETAG = Requirement(
    "ETAG-PRESENT", "MUST", "etag", "Every answer has an ETag.", "an ETag header", ("put-doc",)
)
REJECT = Requirement(
    "BODY-INVALID-REJECTED",
    "MUST",
    "body",
    "An invalid body is rejected.",
    "a 4xx",
    ("put-doc", "seed"),
    status="any-4xx",
)
MERGE = Requirement("PUT-UPDATE-MERGE", "SHOULD", "update", "An update merges.", "merged", ("put-doc",))
JOIN = Requirement("IMPLICIT-JOIN", "PROBE", "join", "A PUT joins its caller.", "joined", ("seed",))
SERVER = Requirement(
    "MEMBERS-INDEX-SERVER",
    "MUST",
    "members",
    "A server adds by index.",
    "added",
    ("put-doc",),
    needs=("server",),
)
# Added to the ledger after the run's profile: run and reported, not scored.
LATER = Requirement(
    "SESSION-NAME-CASE", "MUST", "names", "Names ignore case.", "the same session", ("put-doc",)
)
SOURCES = {
    "put-doc": Source("PUT (sessions)", "https://learn.example.test/put"),
    "seed": Source(
        "The seed page",
        "https://learn.example.test/seed",
        original="https://learn.example.test/ko/seed",
        archived="https://archive.example.test/seed",
    ),
}


# The run's profile: ETAG-PRESENT was a SHOULD then, LATER came after it, and it scores one
# requirement the ledger no longer has.
PROFILE = Profile(
    "mpsd-golden",
    datetime.date(2026, 1, 1),
    "9.9.0",
    {
        CREATE.id: "MUST",
        ETAG.id: "SHOULD",
        REJECT.id: "MUST",
        MERGE.id: "SHOULD",
        JOIN.id: "PROBE",
        SERVER.id: "MUST",
        "PUT-RETIRED": "MUST",
    },
)


def _exchange(status: int | None, body: str | None, elapsed_ms: float = 12.3456) -> Exchange:
    return Exchange(
        method="PUT",
        url=URL,
        request=HttpRequest(
            {"Authorization": "[redacted]", "Content-Type": "application/json"},
            '{"constants": {"system": {"visibility": "open"}}}',
        ),
        response=None
        if status is None
        else HttpResponse(status, {"Content-Type": "application/json", "ETag": '"7"'}, body),
        elapsed_ms=elapsed_ms,
        curl=f"curl -X PUT '{URL}' -H 'Authorization: [redacted]' --data '{{}}'",
        error="connection reset by peer" if status is None else None,
    )


def _findings() -> list[Finding]:
    create = CheckResult(
        check="tests/test_create.py::test_create[user 1]",
        outcome="failed",
        message="expected 201, got 500 — «ünïcode» <b>&</b>",
        observations={"status": 500},
        evidence=(_exchange(500, "<html>oops</html>"), _exchange(None, None, 30000.04)),
        duration_s=1.23456,
        judged=1,
    )
    fuzzed = CheckResult(
        check="fuzz::PUT",
        outcome="passed",
        kind="fuzz",
        observations={"statuses": [400, 422], "nested": {"a": None}},
        evidence=(_exchange(400, '{"error": "bad"}'),),
        duration_s=0.0004,
        judged=7,
    )
    return [
        (CREATE.id, create),
        (
            ETAG.id,
            CheckResult(
                check="test_etag",
                outcome="failed",
                message="no ETag",
                evidence=(_exchange(201, "{}"),),
                judged=1,
            ),
        ),
        (REJECT.id, fuzzed),
        (
            REJECT.id,
            CheckResult(
                check="test_reject_blocked", outcome="blocked", message="throttled", cause="throttled"
            ),
        ),
        (
            MERGE.id,
            CheckResult(check="test_merge", outcome="passed", evidence=(_exchange(200, "{}"),), judged=2),
        ),
        (JOIN.id, CheckResult(check="test_join", outcome="passed", observations={"joined": True}, judged=1)),
        (
            LATER.id,
            CheckResult(
                check="test_name_case",
                outcome="failed",
                message="SESSION-A and session-a are two sessions",
                evidence=(_exchange(201, "{}"),),
                judged=1,
            ),
        ),
        (
            SERVER.id,
            CheckResult(check="test_server", outcome="not-applicable", message="needs a server principal"),
        ),
    ]


def golden_result() -> RunResult:
    ledger = Ledger(7, (CREATE, ETAG, REJECT, MERGE, JOIN, SERVER, LATER), SOURCES)
    capabilities = frozenset({"large", "s2s"})
    verdicts = judge_all(ledger, ledger.requirements, _findings(), capabilities, PROFILE)
    verdicts = apply_baseline(verdicts, {ETAG.id: "vendor ticket 42", MERGE.id: "fixed in 2.1"})
    return RunResult(
        suite=Suite(version="9.9.9", selftest=GOLDEN_PROOF),
        ledger=LedgerInfo(version=ledger.version),
        run=Run(
            id="20260101T000000Z-golden",
            started_at="2026-01-01T00:00:00Z",
            finished_at="2026-01-01T00:01:02Z",
            duration_s=62.34567,
            seed=424242,
            exit_code=exit_code(verdicts, strict=False),
            phases={"scenarios": 40.12345, "fuzz": 20.0, "total": 62.3},
            throttling=Throttling(
                limits=("30/15", "300/300"),
                identities={
                    "user 1": IdentityCounts.tally(
                        {
                            "requests": 40.0,
                            "paced_s": 1.23456,
                            "throttled": 2.0,
                            "unavailable": 0.0,
                            "retry_wait_s": 3.0,
                        }
                    ),
                    "user 2": IdentityCounts.tally(
                        {
                            "requests": 12.0,
                            "paced_s": 0.0,
                            "throttled": 0.0,
                            "unavailable": 1.0,
                            "retry_wait_s": 0.5,
                        }
                    ),
                },
            ),
            profile=ProfileUsed(PROFILE.name, PROFILE.retired(ledger)),
        ),
        target=TargetSummary(
            url="https://mpsd.golden.test",
            embedded=False,
            scid="00000000-0000-0000-0000-0000000000ab",
            template="conformance",
            contract_version=107,
            timeout_s=10.0,
            users=3,
            server_principal=False,
            capabilities=tuple(sorted(capabilities)),
        ),
        options={"strict": False, "select": ["PUT-*"], "baseline": None, "report_dir": Path("out/run")},
        verdicts=verdicts,
        leaks=("conf-leak-1",),
        errors=("fuzz phase crashed: <Timeout>",),
        sources=SOURCES,
    )


def as_version_5(document: dict[str, Any]) -> dict[str, Any]:
    """A current report as version 5 wrote it: no client side, no divergences, no self-test scores."""
    document["schema_version"] = 5
    del document["client"]
    document.pop("divergences", None)
    document["suite"].pop("selftest", None)
    return document
