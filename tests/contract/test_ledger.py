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
    for source_id, source in ledger.sources.items():
        assert source.title, source_id
        assert source.url.startswith("https://"), source_id
    assert ledger.sources["seed"].original.startswith("https://learn.microsoft.com/ko-kr/")


def test_levels_follow_the_modelling_rule_and_say_why() -> None:
    """A documented obligation is a MUST (any-4xx where only its status is undocumented); only a
    status is ever a PROBE; the official client's word alone is at most a SHOULD."""
    ledger = load_ledger()
    for r in ledger:
        documented = [s for s in r.source if not s.startswith("X")]
        assert r.why.strip(), r.id
        if r.level == "MUST":
            assert documented, f"{r.id}: a MUST needs a documented source"
        if r.any_4xx and r.level != "PROBE":
            assert "status" in r.why, f"{r.id}: say that the refusal's status is undocumented"
        if r.level == "SHOULD":
            only_client = not documented
            assert only_client or "warning" in r.why, f"{r.id}: a documented obligation is a MUST"
        if r.level == "PROBE":
            assert "recorded" in r.why, f"{r.id}: a probe only records"
    # The rule's own examples: each obligation is judged, its undocumented code only recorded.
    for obligation, code in (("CV-REQUIRED", "CV-MISSING"), ("AUTH-REQUIRED", "AUTH-MISSING")):
        assert (ledger.get(obligation).level, ledger.get(obligation).any_4xx) == ("MUST", True)
        assert ledger.get(code).level == "PROBE"
    assert ledger.get("JOIN-FULL").level == "MUST"  # a documented limit, whoever names the status


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
        "why": "w",
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
        ({"sources": S1, "requirements": [{k: v for k, v in _entry().items() if k != "why"}]}, "why"),
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
