"""Hand-built runs: every verdict, a baseline with a stale entry, and a hostile target."""

from __future__ import annotations

from typing import Any

from conformance.ledger import load_ledger
from conformance.verdicts import (
    CheckOutcome,
    CheckResult,
    Exchange,
    RunResult,
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
        request_headers=(("Authorization", "[redacted]"), ("x-xbl-contract-version", "107")),
        request_body='{"constants": {"system": {"visibility": "open"}}}',
        status=status,
        response_headers=() if status is None else (("Content-Type", "text/html"), ("X-Echo", MARKER)),
        response_body=body,
        elapsed_ms=12.34,
        curl=f"curl -X PUT '{url}' -H 'Authorization: [redacted]' --data '{{\"a\": \"`b`\"}}'",
        error="connection reset by peer" if status is None else None,
    )


def check(requirement: str, outcome: CheckOutcome, message: str = "", **extra: Any) -> CheckResult:
    """A check as the plugin records it: a pass or a failure judged the answers it carries."""
    name = f"test_{requirement.lower().replace('-', '_')}"
    if outcome == "passed":
        extra.setdefault("evidence", (exchange(200, '{"membersInfo": {"count": 1}}'),))
    if outcome in ("passed", "failed"):
        extra.setdefault("judged", max(1, len(extra.get("evidence", ()))))
    return CheckResult(name, requirement, outcome, message=message, duration_s=0.25, **extra)


def build_result(checks: list[CheckResult], baseline: dict[str, str]) -> RunResult:
    ledger = load_ledger()
    ids = list(dict.fromkeys(c.requirement for c in checks))
    requirements = [r for r in ledger if r.id in ids]
    # The target declares no capabilities, so every need is unmet.
    verdicts = tuple(judge(r, [c for c in checks if c.requirement == r.id], r.needs) for r in requirements)
    verdicts = apply_baseline(verdicts, baseline)
    return RunResult(
        run_id="20250101T000000Z-abcd",
        suite_version="0.1.0",
        ledger_version=ledger.version,
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
        started_at="2025-01-01T00:00:00Z",
        finished_at="2025-01-01T00:00:42Z",
        duration_s=42.0,
        seed=1234,
        options={"strict": False, "select": ["*"]},
        verdicts=verdicts,
        exit_code=exit_code(verdicts, strict=False),
        phases={"setup": 1.5, "scenarios": 40.5},
        sources=ledger.cited_sources(requirements),
    )


def every_verdict_checks() -> list[CheckResult]:
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
