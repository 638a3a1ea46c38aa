"""Hand-built runs: every verdict, a baseline with a stale entry, and a hostile target."""

from __future__ import annotations

from typing import Any

from conformance.http.exchange import Exchange, HttpRequest, HttpResponse
from conformance.ledger import load_ledger
from conformance.verdicts import (
    CheckOutcome,
    CheckResult,
    Finding,
    LedgerInfo,
    Run,
    RunResult,
    Suite,
    TargetSummary,
    apply_baseline,
    exit_code,
    judge,
)

TARGET_URL = "https://mpsd.vendor.test:8443/base"
MARKER = "SCRUB-ME-7f3a"
HOSTILE_BODY = '<script>alert("pwned")</script> & <img src="https://evil.test/x.png"> \x07bell'
# In ledger order, which every report keeps.
FAIL_ID = "PUT-CREATE-201"
BASELINED_ID = "ETAG-PRESENT"
PASS_ID = "SESSION-SCHEMA"
STALE_ID = "PUT-UPDATE-MERGE"
PROBE_ID = "IMPLICIT-JOIN"
BLOCKED_ID = "JOIN-SECOND-USER"
NA_ID = "MEMBERS-INDEX-SERVER-REMOVE"
WARN_ID = "MEMBER-CUSTOM-NULL-DELETES"
SECOND_FAIL_ID = "COND-IF-MATCH-STALE-412"
ERROR_ID = "GET-304"


def exchange(status: int | None, body: str | None) -> Exchange:
    url = f"{TARGET_URL}/serviceconfigs/scid/sessions/s1?a=1&b=2"
    return Exchange(
        method="PUT",
        url=url,
        request=HttpRequest(
            {"Authorization": "[redacted]", "x-xbl-contract-version": "107"},
            '{"constants": {"system": {"visibility": "open"}}}',
        ),
        response=None
        if status is None
        else HttpResponse(status, {"Content-Type": "text/html", "X-Echo": MARKER}, body),
        elapsed_ms=12.34,
        curl=f"curl -X PUT '{url}' -H 'Authorization: [redacted]' --data '{{\"a\": \"`b`\"}}'",
        error="connection reset by peer" if status is None else None,
    )


def check(requirement: str, outcome: CheckOutcome, message: str = "", **extra: Any) -> Finding:
    """A check as the plugin records it: a pass or a failure judged the answers it carries."""
    name = f"test_{requirement.lower().replace('-', '_')}"
    if outcome == "passed":
        extra.setdefault("evidence", (exchange(200, '{"membersInfo": {"count": 1}}'),))
    if outcome in ("passed", "failed"):
        extra.setdefault("judged", max(1, len(extra.get("evidence", ()))))
    return requirement, CheckResult(check=name, outcome=outcome, message=message, duration_s=0.25, **extra)


def build_result(findings: list[Finding], baseline: dict[str, str]) -> RunResult:
    ledger = load_ledger()
    ids = list(dict.fromkeys(rid for rid, _ in findings))
    requirements = [r for r in ledger if r.id in ids]
    # The target declares no capabilities, so every need is unmet.
    verdicts = tuple(judge(r, [c for rid, c in findings if rid == r.id], r.needs) for r in requirements)
    verdicts = apply_baseline(verdicts, baseline)
    return RunResult(
        suite=Suite(version="0.1.0"),
        ledger=LedgerInfo(version=ledger.version),
        run=Run(
            id="20250101T000000Z-abcd",
            started_at="2025-01-01T00:00:00Z",
            finished_at="2025-01-01T00:00:42Z",
            duration_s=42.0,
            seed=1234,
            exit_code=exit_code(verdicts, strict=False),
            phases={"setup": 1.5, "scenarios": 40.5},
        ),
        target=TargetSummary(
            url=TARGET_URL,
            embedded=False,
            scid="00000000-0000-0000-0000-000000000001",
            template="conformance",
            contract_version=107,
            timeout_s=10.0,
            users=2,
            server_principal=False,
            capabilities=(),
        ),
        options={"strict": False, "select": ["*"]},
        verdicts=verdicts,
        sources=ledger.cited_sources(requirements),
    )


def every_verdict_checks() -> list[Finding]:
    return [
        check(
            FAIL_ID,
            "failed",
            f'expected 201, got 500 <b>"boom"</b> & token {MARKER}\x1b[0m',
            evidence=(exchange(500, HOSTILE_BODY), exchange(None, None)),
        ),
        check(BASELINED_ID, "failed", "no ETag header", evidence=(exchange(201, "{}"),)),
        check(PASS_ID, "passed", evidence=(exchange(201, '{"membersInfo": {"count": 1}}'),)),
        check(PROBE_ID, "passed", observations={"joined": True, "members": [1, 2]}),
        check(STALE_ID, "passed"),
        check(BLOCKED_ID, "blocked", "the create it needed was refused (500)"),
        check(NA_ID, "not-applicable", "needs a server principal"),
        check(WARN_ID, "failed", "custom property survived a null"),
        check(SECOND_FAIL_ID, "failed", "expected 412, got 200", evidence=(exchange(200, "{}"),)),
        check(ERROR_ID, "error", "harness: KeyError 'etag'"),
    ]


BASELINE = {BASELINED_ID: "vendor ticket 42", STALE_ID: "fixed in 2.1"}
