"""What a fuzz item judged, per requirement: findings fail it, judged answers pass it, and nothing
else does.

Every answer the fuzz phase gets is tallied against the requirements it *exercised* (an answer
with no session body says nothing about the session schema; a 429 says nothing about anything).
A requirement passes only on answers that exercised it; with none, it is blocked when answers were
lost to throttling, refused credentials or transport trouble, and not applicable otherwise.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis.errors import FlakyFailure
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode
from schemathesis.generation.meta import CoverageScenario, coverage_scenario

from conformance.fuzz.classify import ReadBackLost, UnmappedFinding, failures_in, requirement_of
from conformance.fuzz.shrink import Spent
from conformance.http.exchange import Exchange
from conformance.http.transport import TransportError
from conformance.ledger import NOT_A_VERDICT, TEXT_ERRORS
from conformance.outcomes import Blocked, NotApplicable
from conformance.verdicts import CheckOutcome, CheckResult

# The PROBE the fuzz phase records: whether a nocommit answer carries an ETag (nothing was stored,
# so the documents leave it open).
NOCOMMIT_ETAG = "ETAG-NOCOMMIT"
TALLY = pytest.StashKey["Tally"]()
VERSIONS = ("104", "105", "107")


def header(response: Any, name: str) -> str:
    values = response.headers.get(name.lower()) or []
    return values[0] if isinstance(values, list) and values else (values or "")


def session_of(response: Any) -> dict[str, Any] | None:
    """The answer's JSON object body, if it is one (any shape: the checks judge the shape)."""
    if not header(response, "content-type").lower().startswith("application/json"):
        return None
    try:
        body = json.loads(response.content)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def is_nocommit(case: Any) -> bool:
    return str((case.query or {}).get("nocommit", "")).lower() == "true"


def undeclared_method(case: Any) -> bool:
    """A coverage probe sending a method the document does not declare for the path."""
    return coverage_scenario(case) == CoverageScenario.UNSPECIFIED_HTTP_METHOD


def body_mode(case: Any) -> GenerationMode | None:
    """Whether the case's body is valid (positive) or the invalid part (negative); None without one."""
    meta = case.meta
    if meta is None or case.method.upper() != "PUT":
        return None
    component = meta.components.get(ParameterLocation.BODY)
    if component is not None:
        return component.mode
    return meta.generation.mode if not meta.generation.mode.is_negative else None


def exercised(case: Any, response: Any) -> set[str]:
    """The requirements this answer can show met or broken (the fuzz checks judge the same answers)."""
    status = response.status_code
    if status in NOT_A_VERDICT:
        return set()
    # A refusal may be any 4xx (document_wins): only the other answers show a status documented.
    found = set() if 400 <= status < 500 else {"RESPONSE-STATUS-DOCUMENTED"}
    if undeclared_method(case):
        found.add("METHOD-405")
        if status == 501:  # HTTP's answer for a method the server does not implement
            return found
    found.add("SRV-NO-5XX")
    if status in TEXT_ERRORS:
        found.add("ERR-TEXT-PLAIN")
    session = session_of(response) if status in (200, 201, 412) else None
    if session is not None and "membersInfo" in session:
        found.add("MEMBERS-CHAIN")
    if session is not None and status in (200, 201):
        found.add("SESSION-SCHEMA")
        found.add(NOCOMMIT_ETAG if is_nocommit(case) else "ETAG-PRESENT")
        if (
            str((case.headers or {}).get("X-Xbl-Contract-Version")) in VERSIONS
            and "contractVersion" in session
        ):
            found.add("CV-ECHO")
    mode = body_mode(case)
    if mode == GenerationMode.NEGATIVE and status < 500 and status != 403:
        found.add("BODY-INVALID-REJECTED")
    elif mode == GenerationMode.POSITIVE and status < 500:
        found.add("BODY-VALID-ACCEPTED")
    return found


# The observation of a failed fuzz check that says how to send its findings again.
REPLAY = "replay"


def replay_records(observations: dict[str, Any]) -> list[dict[str, Any]]:
    """The records ``_failed`` kept; none in a report of an older suite."""
    text = observations.get(REPLAY)
    return json.loads(text) if isinstance(text, str) else []


def read_back(stored: bool, case: Any, response: Any) -> tuple[bool, ReadBackLost | None]:
    """Whether the sequence's session is stored after this step, and the loss this answer shows:
    a read that finds nothing right after a write stored the session (GET-READ). A write with a
    pending timer (nextTimer) may legitimately change before the next read, so it stores nothing
    to hold the target to."""
    status, writes = response.status_code, case.method.upper() == "PUT"
    if writes and status in (200, 201) and not (case.query or {}).get("nocommit"):
        return "nextTimer" not in response.text, None
    if writes and status == 204:
        return False, None
    if case.method.upper() == "GET" and stored and status in (204, 404):
        return stored, ReadBackLost(
            f"a read answered {status} right after a successful PUT stored the session"
        )
    return stored, None


@dataclass
class Tally:
    """What one fuzz item saw: answers per requirement, one sample each, and what kept answers out."""

    judged: Counter[str] = field(default_factory=Counter)
    # Answers that judged at least one requirement: while there is none, lost answers block the item.
    useful: int = 0
    samples: dict[str, Exchange] = field(default_factory=dict)
    unjudged: Counter[int] = field(default_factory=Counter)
    transport: str | None = None
    stopped: str | None = None
    observations: dict[str, Any] = field(default_factory=dict)

    def saw(self, case: Any, response: Any, evidence: Callable[[Any], Exchange]) -> None:
        if response.status_code in NOT_A_VERDICT:
            self.unjudged[response.status_code] += 1
        found = exercised(case, response)
        self.useful += bool(found)
        for requirement in found:
            self.count(requirement, lambda: evidence(response))
        if is_nocommit(case) and response.status_code in (200, 201):
            key = (
                "nocommit_answers_with_etag" if header(response, "etag") else "nocommit_answers_without_etag"
            )
            self.observations[key] = self.observations.get(key, 0) + 1

    def count(self, requirement: str, exchange: Callable[[], Exchange]) -> None:
        """One answer judged ``requirement``; the first one is kept as the evidence of a pass."""
        self.judged[requirement] += 1
        if requirement not in self.samples:
            self.samples[requirement] = exchange()

    def lost(self, trouble: str, stopped: bool = False) -> None:
        self.transport = trouble
        if stopped:
            self.stopped = trouble

    def why_unjudged(self) -> tuple[str, str] | None:
        """(cause, reason) when the item judged nothing because its answers were lost; None when
        nothing got in the way, or other answers were judged (this requirement was then simply
        not exercised by what the item generates)."""
        if self.useful and not self.stopped:
            return None
        if self.stopped:
            return "target-stopped", self.stopped
        if self.unjudged:
            status, count = self.unjudged.most_common(1)[0]
            cause = {429: "throttled", 503: "overloaded"}.get(status, "credentials")
            return cause, f"{count} answers were {status} (the target {NOT_A_VERDICT[status]})"
        if self.transport:
            return "transport", f"the target gave no usable answer: {self.transport}"
        return None


def results_for(
    item: pytest.Item,
    requirements: tuple[str, ...],
    tally: Tally | None,
    error: BaseException | None,
    replay: str,
) -> dict[str, CheckResult]:
    """One result per requirement the fuzz item covers; a transport failure that escaped the item
    blocks it, as it blocks a scenario."""
    name = item.nodeid
    if isinstance(error, TransportError):
        error = error.blocked()
    if isinstance(error, NotApplicable):
        return dict.fromkeys(requirements, _fuzz(name, "not-applicable", error.reason))
    if isinstance(error, Blocked):
        return dict.fromkeys(requirements, _blocked(name, error.cause, error.reason))
    findings, harness = _split(error)
    if harness is not None:
        return dict.fromkeys(requirements, _fuzz(name, "error", f"harness error: {harness}"))
    try:
        by_requirement: dict[str, list[BaseException]] = {}
        for finding in findings:
            rid = requirement_of(finding, getattr(finding, "mpsd_status", None))
            by_requirement.setdefault(rid, []).append(finding)
    except UnmappedFinding as gap:
        return dict.fromkeys(requirements, _fuzz(name, "error", f"harness error: {gap}"))
    tally = tally or Tally()
    shrinking = _shrinking(error)
    results = {}
    for rid in requirements:
        found = by_requirement.get(rid, [])
        judged = tally.judged[rid] + len(found)
        observations = tally.observations if rid == NOCOMMIT_ETAG else {}
        if found:
            results[rid] = _failed(name, found, judged, replay.format(requirement=rid), shrinking)
        elif judged:
            evidence = (tally.samples[rid],) if rid in tally.samples else ()
            results[rid] = _fuzz(name, "passed", observations=observations, evidence=evidence, judged=judged)
        elif (lost := tally.why_unjudged()) is not None:
            results[rid] = _blocked(name, *lost)
        else:
            results[rid] = _fuzz(name, "not-applicable", "no generated case exercised it")
    return results


def _split(error: BaseException | None) -> tuple[list[BaseException], BaseException | None]:
    """The findings inside ``error``, and the first thing in it that is not a finding (a bug)."""
    if error is None:
        return [], None
    findings, others = failures_in(error)
    return findings, (others[0] if others else None)


def _fuzz(name: str, outcome: CheckOutcome, message: str = "", **found: Any) -> CheckResult:
    return CheckResult(check=name, kind="fuzz", outcome=outcome, message=message, **found)


def _blocked(name: str, cause: str, reason: str) -> CheckResult:
    return _fuzz(name, "blocked", reason, cause=cause)


def _shrinking(error: BaseException | None) -> tuple[str, dict[str, Any]]:
    """What a failed check says of how far its findings were shrunk: nothing when Hypothesis
    finished, or never shrinks (explicit examples, stateful sequences)."""
    if isinstance(error, Spent):
        note = f"not fully shrunk (budget {error.budget} spent): the shortest failing request is shown"
        return note, {"fully_shrunk": False, "shrink_budget": error.budget}
    if isinstance(error, FlakyFailure):
        # Hypothesis replays the shrunk case once more; a live target may answer it differently.
        note = "the shrunk case did not fail the same way when replayed: shown as it failed first"
        return note, {"reproduced_on_replay": False}
    return "", {}


def _failed(
    name: str,
    found: list[BaseException],
    judged: int,
    replay: str,
    shrinking: tuple[str, dict[str, Any]],
) -> CheckResult:
    evidence = tuple(e for f in found if (e := getattr(f, "mpsd_exchange", None)) is not None)
    distinct = list(dict.fromkeys(_finding_line(f) for f in found))
    lines = [f"fuzzing found: {line}" for line in distinct[:3]]
    if len(distinct) > 3:
        lines.append(f"  (and {len(distinct) - 3} more distinct findings)")
    note, observations = shrinking
    # What `mpsd-conformance replay` sends again: each kind of finding once, with how it was sent.
    kinds = {_title(f): f for f in found if getattr(f, "mpsd_replay", None) is not None}
    if kinds:
        replays = [{"title": title, **f.mpsd_replay} for title, f in list(kinds.items())[:3]]  # type: ignore[attr-defined]
        # As JSON text: a generated body's integers can be any size, and xdist's channel carries
        # only those that fit in 64 bits (a worker died sending one).
        observations = {**observations, REPLAY: json.dumps(replays)}
    if note:
        lines.append(f"  {note}")
    if evidence:
        lines.append(f"  reproduce: {evidence[0].curl}")
    lines.append(f"  replay:    {replay}")
    message = "\n".join(lines)
    return _fuzz(name, "failed", message, observations=observations, evidence=evidence[:3], judged=judged)


def _title(finding: BaseException) -> str:
    return str(getattr(finding, "title", type(finding).__name__))


def _finding_line(finding: BaseException) -> str:
    title = _title(finding)
    message = " ".join(str(getattr(finding, "message", finding)).split())
    return f"{title}: {message[:300]}"
