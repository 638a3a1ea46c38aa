"""Scoring against a requirement profile: what the profile did not score counts for nothing, and a
level is at most the profile's, so upgrading the suite never makes a vendor who passed fail."""

from __future__ import annotations

import datetime
import itertools

import pytest

from conformance.ledger import Ledger, Level, Requirement, Source
from conformance.profiles import Profile
from conformance.verdicts import CheckResult, apply_baseline, exit_code, judge_all, run_errors, summarize

SOURCES = {"S1": Source("A document", "https://learn.example.test/doc")}


def _requirement(rid: str, level: Level) -> Requirement:
    return Requirement(rid, level, "area", f"{rid} holds.", "it holds", ("S1",))


SAME = _requirement("SAME", "MUST")
RAISED = _requirement("RAISED", "MUST")  # a SHOULD when the profile was released
LOWERED = _requirement("LOWERED", "SHOULD")  # a MUST then
ADDED = _requirement("ADDED", "MUST")  # added to the ledger after the profile
LEDGER = Ledger(2, (SAME, RAISED, LOWERED, ADDED), SOURCES)
PROFILE = Profile(
    "mpsd-test",
    datetime.date(2026, 1, 1),
    "0.1.0",
    {"SAME": "MUST", "RAISED": "SHOULD", "LOWERED": "MUST", "GONE": "MUST"},
)
# The ledger as it was when the profile was released: what a vendor passed then.
THEN = Ledger(
    1,
    (_requirement("SAME", "MUST"), _requirement("RAISED", "SHOULD"), _requirement("LOWERED", "MUST"),
     _requirement("GONE", "MUST")),
    SOURCES,
)  # fmt: skip

OUTCOMES = {
    "passed": CheckResult(check="t", outcome="passed", judged=1),
    "failed": CheckResult(check="t", outcome="failed", message="no", judged=1),
    "error": CheckResult(check="t", outcome="error", message="harness: KeyError"),
    "blocked": CheckResult(check="t", outcome="blocked", message="429"),
}


def _verdicts(ledger: Ledger, outcomes: dict[str, str], profile: Profile | None = PROFILE):
    findings = [(rid, OUTCOMES[o]) for rid, o in outcomes.items() if rid in ledger]
    return {v.id: v for v in judge_all(ledger, ledger.requirements, findings, frozenset(), profile)}


def test_a_requirement_added_after_the_profile_runs_and_is_reported_but_not_scored() -> None:
    passing = {"SAME": "passed", "RAISED": "passed", "LOWERED": "passed"}
    verdicts = _verdicts(LEDGER, passing | {"ADDED": "failed"})
    added = verdicts["ADDED"]
    assert (added.verdict, added.level) == ("fail", "MUST")
    assert added.not_scored == "added after the profile mpsd-test"
    assert not added.counts_as_failure
    assert exit_code(verdicts.values(), strict=True) == 0
    assert summarize(verdicts.values())["MUST"]["fail"] == 0  # the score leaves it out
    assert all(verdicts[rid].scored for rid in ("SAME", "RAISED", "LOWERED"))


def test_a_level_raised_since_the_profile_is_scored_at_the_profiles_level() -> None:
    raised = _verdicts(LEDGER, {"RAISED": "failed"})["RAISED"]
    assert (raised.verdict, raised.level, raised.ledger_level) == ("warn", "SHOULD", "MUST")
    assert raised.scored
    assert exit_code([raised], strict=False) == 0
    assert exit_code([raised], strict=True) == 1  # a scored SHOULD warning, as --strict means


def test_a_level_lowered_since_the_profile_is_scored_as_the_ledger_has_it_now() -> None:
    """The profile's level is a ceiling: a MUST the ledger found it had misread is not kept."""
    lowered = _verdicts(LEDGER, {"LOWERED": "failed"})["LOWERED"]
    assert (lowered.verdict, lowered.level, lowered.ledger_level) == ("warn", "SHOULD", None)


def test_without_a_profile_every_requirement_counts_at_the_ledgers_level() -> None:
    verdicts = _verdicts(LEDGER, {"RAISED": "failed", "ADDED": "failed"}, profile=None)
    marks = [(v.verdict, v.scored, v.ledger_level) for v in verdicts.values() if v.id in ("RAISED", "ADDED")]
    assert marks == [("fail", True, None), ("fail", True, None)]
    assert exit_code(verdicts.values(), strict=False) == 1


def test_what_the_profile_does_not_score_never_changes_the_exit_code() -> None:
    base = {"SAME": "passed", "RAISED": "passed", "LOWERED": "passed"}
    for outcome in OUTCOMES:
        verdicts = _verdicts(LEDGER, base | {"ADDED": outcome})
        assert exit_code(verdicts.values(), strict=True) == 0, outcome
    stale = apply_baseline(_verdicts(LEDGER, base | {"ADDED": "passed"}).values(), {"ADDED": "fixed"})
    assert next(v for v in stale if v.id == "ADDED").baselined.stale
    assert exit_code(stale, strict=True) == 0


def test_a_baseline_and_strict_combine_with_the_profiles_levels() -> None:
    verdicts = _verdicts(LEDGER, {"SAME": "passed", "RAISED": "failed", "LOWERED": "passed"}).values()
    assert exit_code(verdicts, strict=True) == 1  # RAISED warns at the profile's SHOULD
    excused = apply_baseline(verdicts, {"RAISED": "vendor ticket 7"})
    assert exit_code(excused, strict=True) == 0
    stale = apply_baseline(verdicts, {"RAISED": "vendor ticket 7", "SAME": "fixed"})
    assert exit_code(stale, strict=False) == 0
    assert exit_code(stale, strict=True) == 1  # a scored stale entry still fails --strict


@pytest.mark.parametrize("strict", [False, True])
def test_upgrading_never_fails_a_vendor_who_passed_the_profile(strict: bool) -> None:
    """Every way the checks can come out: a run that passed the profile with the ledger of its
    release passes it with today's ledger, whatever the requirement added since does. The one
    exception is no failure: when the only requirement judged was one the ledger has since lost,
    nothing the profile still scores was judged, and the run says so (exit 3)."""
    kinds = ("passed", "failed", "blocked")
    for combination in itertools.product(kinds, repeat=5):
        outcomes = dict(zip(("SAME", "RAISED", "LOWERED", "GONE", "ADDED"), combination, strict=True))
        then = _verdicts(THEN, outcomes, profile=None).values()
        if exit_code(then, strict, run_errors(then)) == 0:
            now = _verdicts(LEDGER, outcomes).values()
            errors = run_errors(now)
            assert exit_code(now, strict, errors) == (3 if errors else 0), outcomes
            assert all(e.startswith("nothing could be judged") for e in errors)


def test_the_requirements_a_profile_scores_but_the_ledger_lost_are_named() -> None:
    assert PROFILE.retired(LEDGER) == ("GONE",)
    assert PROFILE.retired(LEDGER, ["G*"]) == ("GONE",)
    assert PROFILE.retired(LEDGER, ["SAME"]) == ()  # a --select that leaves it out


def test_nothing_was_judged_when_only_what_the_profile_does_not_score_was() -> None:
    blocked = {"SAME": "blocked", "RAISED": "blocked", "LOWERED": "blocked"}
    assert run_errors(_verdicts(LEDGER, blocked | {"ADDED": "passed"}).values()) == (
        "nothing could be judged: every check was blocked (429)",
    )
    assert run_errors(_verdicts(LEDGER, blocked | {"SAME": "passed"}).values()) == ()
