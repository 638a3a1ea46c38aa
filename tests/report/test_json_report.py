"""report.json is the interface other tools parse: it must match its schema, and the schema must bite."""

from __future__ import annotations

import copy
import itertools
import json
from pathlib import Path
from typing import Any, get_args

import pytest
from jsonschema.exceptions import best_match
from msgspec import UNSET
from msgspec.structs import replace
from support import broken_once

from conformance.ledger import LEVELS
from conformance.report import ReportError, load_report, to_dict, write_reports
from conformance.report.json_report import SCHEMA_PATH, result_from_report, validator
from conformance.verdicts import SCHEMA_VERSION, VERDICTS, CheckOutcome, IdentityCounts, RunResult, Throttling

from .golden import as_version_5, golden_result
from .runs import BASELINED_ID, FAIL_ID, STALE_ID

TOP_LEVEL = [
    "schema_version",
    "suite",
    "ledger",
    "run",
    "target",
    "options",
    "summary",
    "requirements",
    "client",
    "leaks",
    "errors",
    "sources",
]


def _written(result: RunResult, tmp_path: Path) -> dict[str, Any]:
    return json.loads(write_reports(result, tmp_path)["json"].read_text(encoding="utf-8"))


def test_the_report_validates_and_round_trips(result: RunResult, tmp_path: Path) -> None:
    path = write_reports(result, tmp_path)["json"]
    document = load_report(path)
    assert list(document) == TOP_LEVEL
    assert document == json.loads(json.dumps(to_dict(result)))
    assert result_from_report(document) == result
    assert [r["id"] for r in document["requirements"]] == [v.requirement.id for v in result.verdicts]
    assert document["summary"] == result.summary
    assert document["run"]["exit_code"] == result.run.exit_code == 3


def test_baselines_and_missing_responses_are_explicit(result: RunResult, tmp_path: Path) -> None:
    requirements = {r["id"]: r for r in _written(result, tmp_path)["requirements"]}
    assert requirements[BASELINED_ID]["baseline"] == {"reason": "vendor ticket 42", "stale": False}
    assert requirements[STALE_ID]["baseline"] == {"reason": "fixed in 2.1", "stale": True}
    assert requirements[FAIL_ID]["baseline"] is None
    exchanges = requirements[FAIL_ID]["checks"][0]["evidence"]
    assert exchanges[0]["response"]["status"] == 500
    assert exchanges[1]["response"] is None
    assert exchanges[1]["error"] == "connection reset by peer"


def test_the_schema_speaks_the_suites_vocabulary() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["$id"] == "https://mpsd-conformance.invalid/report.schema.json"
    requirement = schema["$defs"]["RequirementVerdict"]["properties"]
    assert sorted(requirement["verdict"]["enum"]) == sorted(VERDICTS)
    assert sorted(requirement["level"]["enum"]) == sorted(LEVELS)
    outcome = schema["$defs"]["CheckResult"]["properties"]["outcome"]
    assert sorted(outcome["enum"]) == sorted(get_args(CheckOutcome))
    assert sorted(schema["properties"]["summary"]["additionalProperties"]["required"]) == sorted(VERDICTS)
    assert sorted(schema["required"]) == sorted(TOP_LEVEL)


def test_each_cited_source_carries_its_title_and_url(result: RunResult, tmp_path: Path) -> None:
    document = _written(result, tmp_path)
    cited = {s for r in document["requirements"] for s in r["source"]}
    assert set(document["sources"]) == cited
    assert document["sources"]["C1"] == {
        "title": "Multiplayer session status codes",
        "url": "https://learn.microsoft.com/en-us/gaming/xbox-live/features/multiplayer/mpsd/how-to/live-mpsd-status-codes",
        "archived": "https://github.com/MicrosoftDocs/xbox-live-docs/blob/38ab02c97042d783ba41192304c402880f8b1f66/"
        "xbox-live-docs-pr/features/multiplayer/mpsd/how-to/live-mpsd-status-codes.md",
    }


def _version_4(document: dict[str, Any]) -> dict[str, Any]:
    """A current report as version 4 wrote it: no profile, no scoring marks."""
    document = as_version_5(document)
    document["schema_version"] = 4
    del document["run"]["profile"]
    for requirement in document["requirements"]:
        del requirement["not_scored"], requirement["ledger_level"]
    return document


def _loaded(document: dict[str, Any], path: Path) -> RunResult:
    path.write_text(json.dumps(document), encoding="utf-8")
    return result_from_report(load_report(path))


def test_a_version_6_report_round_trips_its_profile(tmp_path: Path) -> None:
    result = golden_result()
    document = _written(result, tmp_path)
    assert document["schema_version"] == 6
    assert document["run"]["profile"] == {"name": "mpsd-golden", "retired": ["PUT-RETIRED"]}
    marks = {r["id"]: (r["level"], r["ledger_level"], r["not_scored"]) for r in document["requirements"]}
    assert marks["ETAG-PRESENT"] == ("SHOULD", "MUST", None)
    assert marks["SESSION-NAME-CASE"] == ("MUST", None, "added after the profile mpsd-golden")
    assert marks["PUT-CREATE-201"] == ("MUST", None, None)
    loaded = result_from_report(load_report(tmp_path / "report.json"))
    assert (loaded.run, loaded.verdicts, loaded.summary) == (result.run, result.verdicts, result.summary)


def test_a_version_5_report_still_loads(result: RunResult, tmp_path: Path) -> None:
    loaded = _loaded(as_version_5(_written(result, tmp_path)), tmp_path / "v5.json")
    assert loaded.client == ()
    assert (loaded.verdicts, loaded.summary) == (result.verdicts, result.summary)


def test_a_version_5_report_is_checked_against_its_own_schema(result: RunResult, tmp_path: Path) -> None:
    """A version 5 report with a client side, or a traffic check, is no report version 5 wrote."""
    document = _written(result, tmp_path)
    document["schema_version"] = 5
    with pytest.raises(ReportError, match="'client' was unexpected"):
        _loaded(document, tmp_path / "v5.json")
    document = as_version_5(_written(result, tmp_path))
    document["requirements"][0]["checks"][0]["kind"] = "traffic"
    with pytest.raises(ReportError, match="kind"):
        _loaded(document, tmp_path / "v5-traffic.json")


def test_a_version_4_report_still_loads(result: RunResult, tmp_path: Path) -> None:
    loaded = _loaded(_version_4(_written(result, tmp_path)), tmp_path / "v4.json")
    assert loaded.run.profile is None
    assert all(v.scored and v.ledger_level is None for v in loaded.verdicts)
    assert loaded.summary == result.summary


def test_a_version_4_report_is_checked_against_its_own_schema(result: RunResult, tmp_path: Path) -> None:
    """A version 4 report with version 5's fields is no report either version wrote."""
    document = as_version_5(_written(result, tmp_path))
    document["schema_version"] = 4
    with pytest.raises(ReportError, match="'profile' was unexpected"):
        _loaded(document, tmp_path / "v4.json")


def test_a_version_3_report_still_loads(result: RunResult, tmp_path: Path) -> None:
    document = _version_4(_written(result, tmp_path))
    document["schema_version"] = 3
    for requirement in document["requirements"]:
        assert all(check["kind"] != "load" for check in requirement["checks"])
    assert _loaded(document, tmp_path / "v3.json").run.load is UNSET


def test_a_version_1_report_still_loads(result: RunResult, tmp_path: Path) -> None:
    document = _version_4(_written(result, tmp_path))
    del document["sources"], document["run"]["throttling"]
    document["schema_version"] = 1
    for requirement in document["requirements"]:
        del requirement["judged"], requirement["why"]
        for check in requirement["checks"]:
            del check["judged"], check["cause"]
    old = tmp_path / "v1.json"
    old.write_text(json.dumps(document), encoding="utf-8")
    assert result_from_report(load_report(old)).sources == {}


def test_a_version_2_report_still_loads(result: RunResult, tmp_path: Path) -> None:
    document = _version_4(_written(result, tmp_path))
    document["schema_version"] = 2
    del document["run"]["throttling"]
    old = tmp_path / "v2.json"
    old.write_text(json.dumps(document), encoding="utf-8")
    assert result_from_report(load_report(old)).run.throttling == Throttling()


def test_throttling_is_counted_per_identity(result: RunResult, tmp_path: Path) -> None:
    counts = {"requests": 40, "paced_s": 1.5, "throttled": 2, "unavailable": 0, "retry_wait_s": 3}
    throttling = Throttling(limits=("30/15",), identities={"user 1": IdentityCounts.tally(counts)})
    document = _written(replace(result, run=replace(result.run, throttling=throttling)), tmp_path)
    assert document["run"]["throttling"] == {"limits": ["30/15"], "identities": {"user 1": counts}}
    assert result_from_report(load_report(tmp_path / "report.json")).run.throttling == throttling
    document["run"]["throttling"]["identities"]["user 1"]["throttled"] = "two"
    assert list(validator().iter_errors(document))


def test_options_and_observations_may_grow(result: RunResult, tmp_path: Path) -> None:
    document = _written(result, tmp_path)
    document["options"]["future_flag"] = {"nested": [1, 2]}
    document["requirements"][0]["checks"][0]["observations"]["new_fact"] = None
    assert not list(validator().iter_errors(document))


def _drop_requirements(d: dict[str, Any]) -> None:
    del d["requirements"]


def _unknown_verdict(d: dict[str, Any]) -> None:
    d["requirements"][0]["verdict"] = "maybe"


def _unknown_outcome(d: dict[str, Any]) -> None:
    d["requirements"][0]["checks"][0]["outcome"] = "flaky"


def _seed_as_text(d: dict[str, Any]) -> None:
    d["run"]["seed"] = "1234"


def _unknown_key(d: dict[str, Any]) -> None:
    d["requirements"][0]["verdikt"] = "pass"


def _missing_status(d: dict[str, Any]) -> None:
    del d["requirements"][0]["checks"][0]["evidence"][0]["response"]["status"]


def _pass_without_evidence(d: dict[str, Any]) -> None:
    passing = next(r for r in d["requirements"] if r["verdict"] == "pass")
    for check in passing["checks"]:
        check["evidence"] = []


def _pass_judging_nothing(d: dict[str, Any]) -> None:
    next(r for r in d["requirements"] if r["verdict"] == "pass")["judged"] = 0


@pytest.mark.parametrize(
    ("breakage", "where"),
    [
        (_pass_without_evidence, "a passing requirement needs a passed check that lists a judged exchange"),
        (_pass_judging_nothing, "judged"),
        (_drop_requirements, "'requirements' is a required property"),
        (_unknown_verdict, "$.requirements[0].verdict"),
        (_unknown_outcome, "$.requirements[0].checks[0].outcome"),
        (_seed_as_text, "$.run.seed"),
        (_unknown_key, "verdikt"),
        (_missing_status, "'status' is a required property"),
    ],
)
def test_a_broken_report_is_rejected_in_one_line(
    result: RunResult, tmp_path: Path, breakage: Any, where: str
) -> None:
    document = _written(result, tmp_path)
    breakage(document)
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(ReportError, match="not a valid report") as caught:
        load_report(broken)
    assert where in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("text", ["{not json", "\xff\xfe"])
def test_a_file_that_is_not_json_is_rejected(tmp_path: Path, text: str) -> None:
    path = tmp_path / "not-json.json"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(ReportError, match="not JSON"):
        load_report(path)


def test_a_missing_file_is_a_report_error(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="cannot read"):
        load_report(tmp_path / "absent.json")


def test_the_fast_check_accepts_what_jsonschema_accepts_and_jsonschema_explains_the_rest(
    tmp_path: Path,
) -> None:
    """load_report asks jsonschema-rs whether a report is valid and jsonschema only why it is not:
    on the golden report with one part at a time missing or wrongly typed, and on its version 5
    form, it accepts and refuses what jsonschema alone did, with the same message."""
    path = tmp_path / "broken.json"  # not report.json: the session's end checks every report.json
    golden = json.loads((Path(__file__).parents[1] / "data" / "report" / "report.json").read_text())
    compared = 0
    for document in (golden, as_version_5(copy.deepcopy(golden))):
        # A tenth of them: 1.5 s, not 15 (jsonschema takes about 10 ms to explain one).
        for broken in itertools.islice(broken_once(document, drop_keys=True), 0, None, 10):
            path.write_text(json.dumps(broken), encoding="utf-8")
            version = broken.get("schema_version") if isinstance(broken, dict) else None
            error = best_match(
                validator(version if version in (5, SCHEMA_VERSION) else SCHEMA_VERSION).iter_errors(broken)
            )
            if error is None:
                assert load_report(path) == broken
            else:
                with pytest.raises(ReportError) as refused:
                    load_report(path)
                assert error.json_path in str(refused.value)
            compared += 1
    assert compared > 150
