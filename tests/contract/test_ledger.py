"""The requirement ledger is well formed and traces back to the facts it came from."""

from __future__ import annotations

import re

import pytest
from support import SPEC_DIR

from conformance.ledger import LedgerError, load_ledger, parse_ledger

FACTS = (SPEC_DIR / "mpsd-facts.md").read_text(encoding="utf-8")


def _candidates_in_facts() -> set[str]:
    section = FACTS.split("## 8. Candidate testable requirements", 1)[1].split("## 9.", 1)[0]
    return set(re.findall(r"^\d+\. ([A-Z0-9]+-\d+) ", section, re.M))


def _source_ids_in_facts() -> set[str]:
    table = FACTS.split("## 0.", 1)[1].split("## 1.", 1)[0]
    return set(re.findall(r"^\| ([A-Z][A-Z0-9]*) \|", table, re.M)) - {"id"}


def test_every_candidate_requirement_in_the_facts_has_a_ledger_entry() -> None:
    covered = {c for r in load_ledger() for c in r.candidates}
    assert _candidates_in_facts() - covered == set()


def test_ledger_entries_only_cite_real_candidates_and_sources() -> None:
    candidates, sources = _candidates_in_facts(), _source_ids_in_facts() | {"seed"}
    for requirement in load_ledger():
        assert set(requirement.candidates) <= candidates, requirement.id
        assert requirement.source, requirement.id
        assert set(requirement.source) <= sources, requirement.id


def test_levels_follow_the_rules() -> None:
    ledger = load_ledger()
    # Evidence only from the official client is at most SHOULD; nothing from XSAPI alone is a MUST.
    for requirement in ledger:
        if requirement.level == "MUST":
            assert any(not s.startswith("X") for s in requirement.source), requirement.id
    # A "rejected without a status" requirement must name the status rule.
    assert ledger.get("BODY-UNKNOWN-KEY").any_4xx
    assert not ledger.get("PUT-CREATE-201").any_4xx


def test_selection_by_pattern() -> None:
    ledger = load_ledger()
    assert {r.id for r in ledger.select(["COND-IF-MATCH-*"])} == {
        "COND-IF-MATCH-200",
        "COND-IF-MATCH-STALE-412",
    }
    assert len(ledger.select([])) == len(ledger)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"requirements": [{"id": "X"}]}, "missing"),
        ({"requirements": "nope"}, "requirements"),
        (
            {
                "requirements": [
                    dict(id="a-b", level="MUST", area="x", statement="s", expected="e", source=["S1"])
                ]
            },
            "upper-case",
        ),
        (
            {
                "requirements": [
                    dict(id="A", level="MAY", area="x", statement="s", expected="e", source=["S1"])
                ]
            },
            "level",
        ),
        (
            {
                "requirements": [
                    dict(id="A", level="MUST", area="x", statement="s", expected="e", source=["S1"]),
                    dict(id="A", level="MUST", area="x", statement="s", expected="e", source=["S1"]),
                ]
            },
            "duplicate",
        ),
        (
            {
                "requirements": [
                    dict(
                        id="A",
                        level="MUST",
                        area="x",
                        statement="s",
                        expected="e",
                        source=["S1"],
                        needs=["moon"],
                    )
                ]
            },
            "needs",
        ),
    ],
)
def test_malformed_ledgers_are_refused_with_the_entry_named(data, message) -> None:
    with pytest.raises(LedgerError, match=message):
        parse_ledger(data)
