"""The ledger and the checks agree in both directions."""

from __future__ import annotations

from conformance.coverage import cited_requirements
from conformance.ledger import load_ledger

# Requirements that need a capability the suite has no check for yet; each needs a declared
# capability that the embedded reference does not implement (see the ledger's `needs`).
NOT_YET_CHECKED: set[str] = set()


def test_no_check_cites_an_unknown_requirement() -> None:
    ledger = load_ledger()
    assert [i for i in cited_requirements() if i not in ledger] == []


def test_every_must_and_should_requirement_is_cited_by_a_check() -> None:
    cited = cited_requirements()
    uncovered = {r.id for r in load_ledger() if r.level != "PROBE" and r.id not in cited}
    assert uncovered == NOT_YET_CHECKED


def test_the_not_yet_checked_ones_all_need_an_undeclared_capability() -> None:
    ledger = load_ledger()
    for requirement_id in NOT_YET_CHECKED:
        assert set(ledger.get(requirement_id).needs) - {"server", "users-3"}, requirement_id


def test_every_probe_has_a_check_too() -> None:
    cited = cited_requirements()
    assert [r.id for r in load_ledger() if r.level == "PROBE" and r.id not in cited] == []
