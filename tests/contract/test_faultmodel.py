"""The fault model is written from the documents: every statement has a defect, every defect a requirement."""

from __future__ import annotations

from conformance.ledger import load_ledger
from conformance.reference.faults import FAULTS, STATEMENTS


def test_every_statement_lists_at_least_one_defect_and_cites_defined_sources() -> None:
    ledger = load_ledger()
    assert len(STATEMENTS) >= 60
    for statement in STATEMENTS:
        assert statement.faults, statement.id
        assert statement.sources, statement.id
        assert set(statement.sources) <= set(ledger.sources), statement.id


def test_every_defect_is_a_fault_linked_to_the_requirements_it_breaks() -> None:
    ledger = load_ledger()
    named = [f for s in STATEMENTS for f in s.faults]
    assert sorted(named) == sorted(FAULTS)  # one statement per fault, no fault outside the model
    for fault in FAULTS.values():
        assert fault.breaks, fault.name
        for requirement in (*fault.breaks, *fault.collateral):
            assert requirement in ledger, (fault.name, requirement)
        assert bool(fault.collateral) == bool(fault.why_collateral), fault.name


def test_every_checkable_must_requirement_has_a_fault_that_breaks_it() -> None:
    ledger = load_ledger()
    broken = {r for f in FAULTS.values() for r in f.breaks}
    gated = {r.id for r in ledger if set(r.needs) - {"server", "users-3"}}
    unbroken = {r.id for r in ledger if r.level == "MUST" and r.id not in broken and r.id not in gated}
    assert unbroken == set()


def test_every_fault_no_check_of_run_catches_records_whether_the_oracle_shows_it_and_why_not() -> None:
    """selftest --oracle proves each record (tests/selfproof/test_oracle_proof.py)."""
    from conformance.selftest import SCENARIO_FAULTS

    for fault in FAULTS.values():
        if fault.name in SCENARIO_FAULTS:
            assert (fault.oracle, fault.why_oracle) == ("", ""), fault.name
            continue
        assert fault.oracle in ("shows", "hidden"), fault.name
        assert bool(fault.why_oracle) == (fault.oracle == "hidden"), fault.name
