"""The requirement ledger is well formed and traces back, from inside the project, to its sources."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

import conformance
from conformance.ledger import LedgerError, load_ledger, parse_ledger
from conformance.resources import openapi_path

CANDIDATES = yaml.safe_load(
    (Path(conformance.__file__).parent / "candidates.yaml").read_text(encoding="utf-8")
)["candidates"]


def test_every_candidate_requirement_has_a_ledger_entry() -> None:
    covered = {c for r in load_ledger() for c in r.candidates}
    assert {c["id"] for c in CANDIDATES} - covered == set()


def test_ledger_entries_only_cite_listed_candidates() -> None:
    candidates = {c["id"] for c in CANDIDATES}
    for requirement in load_ledger():
        assert set(requirement.candidates) <= candidates, requirement.id
        assert requirement.source, requirement.id


def _cited_in_the_openapi_document() -> set[str]:
    """Source IDs the contract's comments and descriptions name, e.g. "(S1, C4)" or "(C4 §Timeouts)"."""
    text = openapi_path().read_text(encoding="utf-8")
    return set(re.findall(r"\b(seed|S2S|[SJCGX]\d{1,2})\b", text))


def test_every_source_is_defined_where_cited_and_cited_where_defined() -> None:
    ledger = load_ledger()
    cited = {s for r in ledger for s in r.source} | {s for c in CANDIDATES for s in c["sources"]}
    cited |= _cited_in_the_openapi_document()
    assert set(ledger.sources) == cited
    for source in ledger.sources.values():
        assert source.title, source.id
        assert source.url.startswith("https://"), source.id
    assert ledger.sources["seed"].original.startswith("https://learn.microsoft.com/ko-kr/")


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


S1 = {"S1": {"title": "PUT session", "url": "https://learn.microsoft.com/put"}}


def _entry(**fields):
    return {
        "id": "A",
        "level": "MUST",
        "area": "x",
        "statement": "s",
        "expected": "e",
        "source": ["S1"],
    } | fields


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"sources": S1, "requirements": [{"id": "X"}]}, "missing"),
        ({"sources": S1, "requirements": "nope"}, "requirements"),
        ({"sources": S1, "requirements": [_entry(id="a-b")]}, "upper-case"),
        ({"sources": S1, "requirements": [_entry(level="MAY")]}, "level"),
        ({"sources": S1, "requirements": [_entry(), _entry()]}, "duplicate"),
        ({"sources": S1, "requirements": [_entry(needs=["moon"])]}, "needs"),
        ({"requirements": [_entry()]}, "sources"),
        (
            {"sources": S1, "requirements": [_entry(source=["S1", "C99"])]},
            r"\['C99'\] are not in the sources",
        ),
        ({"sources": {"S1": {"title": "PUT session"}}, "requirements": [_entry()]}, "url must be"),
        ({"sources": {"S1": {"title": "t", "url": "http://x.test"}}, "requirements": [_entry()]}, "https"),
    ],
)
def test_malformed_ledgers_are_refused_with_the_entry_named(data, message) -> None:
    with pytest.raises(LedgerError, match=message):
        parse_ledger(data)
