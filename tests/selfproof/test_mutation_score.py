"""The suite's verdicts are right in both directions, proved against every reference fault.

One self-test run (the whole scenario suite against a clean tenant, a tenant per fault and a
reference per latitude variant): the clean reference passes; every fault fails the requirements it
declares and nothing else; every MUST requirement the reference can exercise is made to fail by
some fault; every latitude variant passes with no failure or warning.
"""

from __future__ import annotations

import msgspec
import pytest

from conformance.config import Target
from conformance.embedded import embedded_target
from conformance.plugin import token_of
from conformance.reference.faults import OPTION, FaultLog, FaultSet
from conformance.replay import Failure, failures_of, replay_all
from conformance.selftest import (
    CAPABILITIES,
    SCENARIO_FAULTS,
    FaultReference,
    SelfTestResult,
    _asked_by_check,
    run_selftest,
    summary_lines,
    variant_table,
)
from conformance.verdicts import SelfProof, this_suite


@pytest.fixture(scope="module")
def selftest() -> SelfTestResult:
    return run_selftest(workers="2")


def test_the_clean_reference_passes(selftest) -> None:
    assert selftest.clean_problems == ()


@pytest.mark.parametrize("fault", SCENARIO_FAULTS)
def test_each_fault_is_detected_on_exactly_its_requirements(selftest, fault) -> None:
    outcome = next(o for o in selftest.faults if o.fault == fault)
    assert (outcome.missed, outcome.over_broad, outcome.errors) == ((), (), ())


@pytest.mark.parametrize("variant", [*variant_table()], ids=str)
def test_each_latitude_variant_passes_with_no_failure_or_warning(selftest, variant) -> None:
    """The false-failure score: every choice the documents leave a service (latitude.yaml), alone
    and all at once, passes the whole scenario suite."""
    outcome = next(v for v in selftest.variants if v.variant == variant)
    assert outcome.problems == ()


def test_the_false_failure_score_is_printed_next_to_the_mutation_score(selftest) -> None:
    lines = summary_lines(selftest)
    assert lines[0].startswith("mutation score: ")
    assert lines[1].startswith(f"false-failure score: {len(variant_table())}/{len(variant_table())} ")
    assert selftest.to_dict()["false_failure_score"] == {
        "passed": len(variant_table()),
        "variants": len(variant_table()),
    }


def test_every_report_carries_the_scores_proved_here(selftest) -> None:
    """conformance/selfproof.json is what a report says of the suite's proof (suite.selftest): it
    must be this self-test's own result, so a fault or a variant added updates it too."""
    proof = this_suite().selftest
    assert isinstance(proof, SelfProof)
    proved = selftest.to_dict()
    shipped = msgspec.to_builtins(proof)
    assert shipped["mutation_score"] == proved["score"], (
        f"update conformance/selfproof.json: {proved['score']}"
    )
    assert shipped["false_failure_score"] == proved["false_failure_score"], (
        f"update conformance/selfproof.json: {proved['false_failure_score']}"
    )


def test_every_exercisable_must_requirement_is_killed_by_some_fault(selftest) -> None:
    assert selftest.never_killed == ()


def test_the_fault_model_is_covered_statement_by_statement(selftest) -> None:
    model = selftest.model
    assert model["statements_with_a_fault"] == model["statements"]
    assert model["statements_fully_checked"] == model["statements"]
    assert model["faults_with_a_check"] == model["faults"] == len(SCENARIO_FAULTS)


def test_running_only_the_checks_that_reach_a_fault_gives_the_exhaustive_verdicts(selftest) -> None:
    """Faults asked about on every answer, on some writes, and during the leave that cleanup also
    sends; latitudes whose option is read on some refusals, on nocommit answers only, and by no
    scenario at all: every check against each of them gives what the pruned self-test above gave."""
    faults = ["no-etag", "leave-ignored", "index-reused", "keywords-appended"]
    latitudes = ["refusal-status", "nocommit-etag", "empty-conditional-headers"]
    exhaustive = run_selftest(faults, "0", exhaustive=True, variants=latitudes)
    pruned = sorted((o.to_dict() for o in selftest.faults if o.fault in faults), key=str)
    assert pruned == sorted((o.to_dict() for o in exhaustive.faults), key=str)
    for name in latitudes:
        assert _verdicts(selftest.verdicts[name]) == _verdicts(exhaustive.verdicts[name]), name
    # Per tenant (the clean one, one per fault, one per variant), pruning runs fewer checks.
    tenants = len(SCENARIO_FAULTS) + 1 + len(variant_table())
    assert selftest.check_runs / tenants < exhaustive.check_runs / (len(faults) + 1 + len(latitudes))


def test_a_session_name_sent_upper_cased_is_still_its_checks() -> None:
    """The pruning learns from session names which check asked about a fault or read an option;
    a name a check sends upper-cased is still that check's, and what a session no check names
    asked counts for every check."""
    key = "scenarios/test_create.py::test_a_name"
    log = FaultLog()
    with log.listening(f"mpsdcf-run1-{token_of(key)}-1-ab".upper()):
        FaultSet().on("no-etag")
    with log.listening("mpsdcf-preflight-1"):
        log.note("gzip")
    assert _asked_by_check(log, [key]) == ({key: {"no-etag"}}, {OPTION + "gzip"})


def _verdicts(verdicts) -> dict[str, str]:
    return {v.id: v.verdict for v in verdicts}


def test_replaying_each_faults_failures_says_still_failing_there_and_fixed_on_the_clean_reference(
    selftest,
) -> None:
    """The issue's proof for ``replay``: every fault's failures (as the self-test found them, so as
    that fault's report lists them), replayed against a reference with that fault, still fail for
    the same reason; against the clean reference, every one is fixed. On the clean side a check
    failed by many faults is replayed once per clean tenant: its answer there is the same whichever
    fault's report named it."""
    tenants = {}
    clean: dict[str | None, tuple[Target, dict[tuple[str, str], Failure]]] = {}
    with FaultReference(SCENARIO_FAULTS, CAPABILITIES, embedded_target()) as reference:
        for fault in SCENARIO_FAULTS:
            found = failures_of(selftest.verdicts[fault], label=fault)
            assert found, f"{fault} failed no check"
            tenants[fault] = (reference.tenant(fault, reference.needs[fault]), found)
            side = clean.setdefault(reference.needs[fault], (reference.clean_for(fault), {}))
            side[1].update({(f.requirement, f.key): f for f in found})
        for capability, (target, unique) in clean.items():
            tenants[f"{capability or 'plain'}-clean"] = (target, list(unique.values()))
        replayed = replay_all(tenants, workers="2")
    wrong = {
        (label, r.requirement, r.check, r.outcome, r.now)
        for label, results in replayed.items()
        for r in results
        if r.outcome != ("fixed" if label.endswith("-clean") else "still-failing")
    }
    assert wrong == set()
