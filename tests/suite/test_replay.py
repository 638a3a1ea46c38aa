"""replay: each failure of a report sent again, and said fixed, still failing or failing differently.

The proof over every fault of the self-test is in tests/selfproof/test_mutation_score.py; here the
command itself, a fuzz finding, a stateful chain and the ways a replay can go wrong.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.replay import Replayed, _normal, exit_code


def _report(folder: Path, *args: str) -> Path:
    out = folder / "run"
    main(["run", "-n", "0", *args, "--report-dir", str(out)])
    return out / "report.json"


def _replay(folder: Path, report: Path, *args: str) -> tuple[int, dict]:
    out = folder / "replay"
    code = main(["replay", str(report), *args, "--report-dir", str(out)])
    return code, json.loads((out / "replay.json").read_text())


def _outcomes(replay: dict) -> dict[str, str]:
    return {f"{f['requirement']} {f['kind']}": f["outcome"] for f in replay["failures"]}


@pytest.fixture(scope="module")
def created_200(tmp_path_factory) -> Path:
    return _report(
        tmp_path_factory.mktemp("create-200"), "--fault", "create-200", "--no-fuzz", "--select", "PUT-*"
    )


def test_a_scenario_failure_still_fails_where_it_failed_and_is_fixed_where_it_does_not(created_200, tmp_path):
    code, faulted = _replay(tmp_path / "a", created_200, "--fault", "create-200")
    assert (code, _outcomes(faulted)) == (1, {"PUT-CREATE-201 scenario": "still-failing"})
    code, clean = _replay(tmp_path / "b", created_200)
    assert (code, _outcomes(clean)) == (0, {"PUT-CREATE-201 scenario": "fixed"})
    report = json.loads(created_200.read_text())
    assert clean["original"]["id"] == report["run"]["id"]
    assert clean["target"] != clean["original"]["target"]  # a fresh reference, another port


def test_another_reason_is_failing_differently_and_is_shown(created_200, tmp_path, capsys) -> None:
    code, replay = _replay(tmp_path, created_200, "--fault", "session-as-text-plain")
    (failure,) = replay["failures"]
    assert (code, failure["outcome"]) == (1, "failing-differently")
    assert failure["was"] == "expected status 201; got 200"
    assert failure["now"].startswith("expected Content-Type application/json")
    assert "now: expected Content-Type" in capsys.readouterr().out


def test_a_fuzz_finding_is_sent_again_as_the_fuzz_phase_sent_it(tmp_path) -> None:
    report = _report(tmp_path, "--fault", "wrong-types-500", "--select", "SRV-NO-5XX", "--fuzz-examples", "1")
    code, faulted = _replay(tmp_path / "a", report, "--fault", "wrong-types-500", "--select", "SRV-NO-5XX")
    fuzzed = [f for f in faulted["failures"] if f["kind"] == "fuzz"]
    assert fuzzed
    assert {f["outcome"] for f in fuzzed} == {"still-failing"}
    assert code == 1
    code, clean = _replay(tmp_path / "b", report)
    assert (code, {f["outcome"] for f in clean["failures"]}) == (0, {"fixed"})


def test_a_stateful_chain_is_sent_again_whole(tmp_path) -> None:
    """A read that loses what a write stored shows only after the write: the whole sequence goes
    again, from the same join, with the ETags the target gives now."""
    report = _report(tmp_path, "--fault", "legacy-read-lost", "--select", "GET-READ", "--fuzz-examples", "10")
    stateful = [
        c
        for r in json.loads(report.read_text())["requirements"]
        for c in r["checks"]
        if c["name"].endswith("test_stateful") and c["outcome"] == "failed"
    ]
    assert stateful
    assert len(json.loads(stateful[0]["observations"]["replay"])[0]["chain"]) >= 2
    code, faulted = _replay(tmp_path / "a", report, "--fault", "legacy-read-lost")
    assert _outcomes(faulted)["GET-READ fuzz"] == "still-failing"
    code, clean = _replay(tmp_path / "b", report)
    assert (code, _outcomes(clean)["GET-READ fuzz"]) == (0, "fixed")


def test_select_replays_only_the_requirements_it_names(created_200, tmp_path) -> None:
    code, replay = _replay(tmp_path, created_200, "--select", "GET-*")
    assert (code, replay["failures"]) == (0, [])


def test_no_credential_reaches_the_replay_file(created_200, tmp_path) -> None:
    _, replay = _replay(tmp_path, created_200, "--fault", "create-200")
    text = json.dumps(replay)
    assert "XBL3.0" not in text
    assert "[redacted]" in text  # the evidence is there, its Authorization redacted


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["/no/such/report.json"], "cannot read"),
        (["{report}", "--fault", "no-such-fault"], "unknown fault"),
        (["{notreport}"], "not a valid report"),
    ],
)
def test_bad_input_is_a_usage_error_in_one_line(created_200, tmp_path, capsys, args, message) -> None:
    (tmp_path / "not.json").write_text("{}")
    argv = [a.format(report=created_200, notreport=tmp_path / "not.json") for a in args]
    assert main(["replay", *argv, "--report-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_what_differs_from_run_to_run_is_not_a_different_reason() -> None:
    a = "expected 'a1b2c3d4-0000-4000-8000-000000000001' at http://127.0.0.1:4000/s/mpsdcf-1-a in 12 ms"
    b = "expected 'FFFFFFFF-1111-4111-8111-111111111111' at http://127.0.0.1:5000/s/mpsdcf-9-d in 3 ms"
    assert _normal(a) == _normal(b)
    # The same expectation failing is the same reason, whatever came back this time.
    assert _normal("expected status 201; got 200") == _normal("expected status 201; got 204")
    assert _normal("expected status 201; got 200") != _normal("expected Content-Type text/plain; got x")


def test_the_exit_code_says_the_worst_outcome() -> None:
    def replayed(outcome: str) -> Replayed:
        return Replayed(requirement="R", level="MUST", check="c", kind="scenario", outcome=outcome, was="x")

    assert exit_code([]) == 0
    assert exit_code([replayed("fixed")]) == 0
    assert exit_code([replayed("fixed"), replayed("not-judged")]) == 3
    assert exit_code([replayed("not-judged"), replayed("failing-differently")]) == 1
