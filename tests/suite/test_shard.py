"""run --shard K/N and merge: a fuzz campaign split across machines, judged as one run."""

from __future__ import annotations

import argparse
import json

import pytest
from support import ctrf_problems

from conformance.cli import main
from conformance.report import load_report
from conformance.shard import Shard, parse_shard


def test_a_shard_is_k_of_n() -> None:
    assert parse_shard("2/4") == Shard(2, 4)
    for bad in ("0/4", "5/4", "two", "1/0"):
        with pytest.raises(argparse.ArgumentTypeError):
            parse_shard(bad)


def test_the_shards_deal_out_every_case_once_and_always_the_same_way() -> None:
    keys = [json.dumps(["PUT", "/sessions/{name}", i]).encode() for i in range(300)]
    owners = [[k for k in range(1, 4) if Shard(k, 3).owns(key)] for key in keys]
    assert all(len(found) == 1 for found in owners)
    assert {found[0] for found in owners} == {1, 2, 3}
    assert owners == [[k for k in range(1, 4) if Shard(k, 3).owns(key)] for key in keys]
    assert all(Shard(1, 1).owns(key) for key in keys)


def test_each_shard_generates_its_share_with_a_seed_of_its_own() -> None:
    assert [Shard(k, 3).examples(40) for k in (1, 2, 3)] == [14, 14, 14]
    assert Shard(1, 8).examples(4) == 1
    seeds = {Shard(k, 3).seed(1234) for k in (1, 2, 3)}
    assert len(seeds) == 3
    assert all(0 <= s < 2**31 for s in seeds)
    assert Shard(2, 3).seed(1234) == Shard(2, 3).seed(1234)
    assert Shard(1, 1).seed(1234) == 1234


def test_two_shards_merge_into_one_run_with_each_finding(tmp_path, capsys) -> None:
    """A reference that answers 500 to wrongly typed fields: each shard sends half the coverage
    cases, the scenarios run in shard 1, and the merged run fails SRV-NO-5XX and passes the rest."""
    common = ["run", "--fault", "wrong-types-500", "--fuzz-examples", "2", "--seed", "7"]
    common += ["--select", "SRV-NO-5XX", "--select", "PUT-CREATE-201"]
    for k in (1, 2):
        main([*common, "--shard", f"{k}/2", "--report-dir", str(tmp_path / f"shard-{k}")])
    shards = [load_report(tmp_path / f"shard-{k}" / "report.json") for k in (1, 2)]
    assert [r["options"]["shard"] for r in shards] == ["1/2", "2/2"]
    second = {r["id"]: r for r in shards[1]["requirements"]}
    assert second["PUT-CREATE-201"]["checks"] == []  # the scenarios are shard 1's
    capsys.readouterr()

    code = main(
        ["merge", str(tmp_path / "shard-1"), str(tmp_path / "shard-2"), "--out", str(tmp_path / "merged")]
    )
    merged = load_report(tmp_path / "merged" / "report.json")
    verdicts = {r["id"]: r["verdict"] for r in merged["requirements"]}
    assert (code, merged["run"]["exit_code"]) == (1, 1)
    assert verdicts == {"SRV-NO-5XX": "fail", "PUT-CREATE-201": "pass"}
    assert merged["options"]["merged"] == ["1/2", "2/2"]
    sent = [
        sum(c["requests"] for c in r["run"]["throttling"]["identities"].values()) for r in (*shards, merged)
    ]
    assert sent[2] == sent[0] + sent[1]
    assert "merged shards: 1/2, 2/2" in capsys.readouterr().out
    # CTRF names the campaign as one logical run: each shard, and the merge, with the same runId.
    folders = [tmp_path / name for name in ("shard-1", "shard-2", "merged")]
    assert [ctrf_problems(folder / "report.ctrf.json") for folder in folders] == [[], [], []]
    ctrf = [json.loads((folder / "report.ctrf.json").read_text()) for folder in folders]
    assert len({document["runId"] for document in ctrf}) == 1
    assert len({document["reportId"] for document in ctrf}) == 3
    assert [d["results"].get("environment") for d in ctrf] == [{"shardId": "1/2"}, {"shardId": "2/2"}, None]
    assert ctrf[2]["results"]["summary"]["failed"] == 1


def test_merge_refuses_an_incomplete_campaign(tmp_path, capsys) -> None:
    main(
        [
            "run",
            "--no-fuzz",
            "--select",
            "PUT-CREATE-201",
            "--shard",
            "1/2",
            "--report-dir",
            str(tmp_path / "a"),
        ]
    )
    capsys.readouterr()
    assert main(["merge", str(tmp_path / "a")]) == 2
    assert "missing 2/2" in capsys.readouterr().err
