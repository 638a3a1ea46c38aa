"""run --oracle end to end: nothing diverges on a conformant reference, a divergence is shown with
both sides redacted, it changes no verdict and no exit code unless --oracle strict, and the pytest
plugin takes --mpsd-oracle with xdist workers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from support import run_against_every_latitude

from conformance.cli import main
from conformance.config import dump_target
from conformance.embedded import embedded_reference, embedded_target
from conformance.oracle.mirror import REFERENCE_URL
from conformance.report import load_report

# A fault whose requirement (CORRELATION-ID-STABLE) is not selected: the checks that run pass, and
# only the oracle sees the correlationId change on the update.
UNSEEN = ("--fault", "correlation-id-changes", "--select", "PUT-UPDATE-MERGE")
# In one process, with a generated example per operation: each test takes a quarter of the
# coverage cases (--shard) so that the two together compare half of them.
ORACLE_RUN = ("--oracle", "-n", "0", "--fuzz-examples", "1")


def _divergences(out: Path) -> dict[str, Any]:
    return load_report(out / "report.json")["divergences"]  # validated against the shipped schema


def test_against_the_reference_itself_nothing_diverges(tmp_path) -> None:
    """The scenarios and a quarter of the fuzz phase's cases (shard 1 of 4)."""
    code = main(["run", *ORACLE_RUN, "--shard", "1/4", "--report-dir", str(tmp_path)])
    found = _divergences(tmp_path)
    assert (code, found["groups"]) == (0, [])
    assert found["compared"] > 500
    # Two processes' timers never fire at the same instant: a read near one may find it acted on
    # one side only, which the timer latitude allows. No other latitude has anything to allow here.
    assert set(found["allowed"]) <= {"timer-granularity"}


def test_with_every_latitude_at_once_nothing_diverges(tmp_path) -> None:
    """Another quarter of the fuzz cases (the scenarios are selftest --oracle's, tests/selfproof)."""
    out = tmp_path / "out"
    code = run_against_every_latitude(tmp_path, *ORACLE_RUN, "--shard", "2/4", "--report-dir", str(out))
    found = _divergences(out)
    assert (code, found["groups"]) == (0, [])
    assert found["compared"] > 300
    assert {"refusal-status", "empty-conditional-headers"} <= set(
        found["allowed"]
    )  # latitudes, not divergences


def test_a_divergence_is_shown_with_both_sides_redacted_and_changes_no_verdict(tmp_path, capfd) -> None:
    target = embedded_target()
    with embedded_reference(target, faults=["correlation-id-changes"]) as live:
        config = tmp_path / "target.toml"
        config.write_text(dump_target(live))
        code = main(["run", "--config", str(config), "--oracle", "--no-fuzz", "-n", "0", *UNSEEN[2:],
                     "--report-dir", str(tmp_path / "out")])  # fmt: skip
    report = load_report(tmp_path / "out" / "report.json")
    assert code == 0
    assert {r["id"]: r["verdict"] for r in report["requirements"]} == {"PUT-UPDATE-MERGE": "pass"}
    (group,) = report["divergences"]["groups"]
    assert group["differences"] == [
        {"part": "body", "path": "correlationId", "target": '"#2"', "reference": '"#1"'}
    ]
    assert group["requirements"][0] == "CORRELATION-ID-STABLE"
    assert group["gap"] is False
    example = group["examples"][0]
    assert example["check"].startswith("scenarios/")
    assert example["target"]["url"].startswith(live.url)
    assert example["reference"]["url"].startswith(REFERENCE_URL)
    assert example["reference"]["curl"].startswith(f"curl -sS -i -X PUT {REFERENCE_URL}/")
    for side in ("target", "reference"):
        assert example[side]["request"]["headers"]["Authorization"] == "[redacted]"
    out, err = capfd.readouterr()
    texts = [out, err] + [p.read_text(errors="replace") for p in (tmp_path / "out").iterdir()]
    tokens = [s.split(";", 1)[1] for s in live.secrets]
    assert [t for t in tokens if any(t in text for text in texts)] == []
    assert "oracle: 1 divergence from the reference in 1 group" in out


def test_oracle_strict_fails_a_passing_run_on_a_divergence(tmp_path) -> None:
    on = main(["run", "--oracle", "--no-fuzz", "-n", "0", *UNSEEN, "--report-dir", str(tmp_path / "on")])
    strict = main(
        [
            "run",
            "--oracle",
            "strict",
            "--no-fuzz",
            "-n",
            "0",
            *UNSEEN,
            "--report-dir",
            str(tmp_path / "strict"),
        ]
    )
    clean = main(["run", "--oracle", "strict", "--no-fuzz", "-n", "0", "--select", "PUT-UPDATE-MERGE",
                  "--report-dir", str(tmp_path / "clean")])  # fmt: skip
    assert (on, strict, clean) == (0, 1, 0)
    assert _divergences(tmp_path / "strict")["mode"] == "strict"
    assert load_report(tmp_path / "on" / "report.json")["options"]["oracle"] == "on"


def test_the_pytest_plugin_takes_mpsd_oracle_and_its_workers_send_theirs(tmp_path) -> None:
    target = embedded_target()
    with embedded_reference(target, faults=["correlation-id-changes"]) as live:
        config = tmp_path / "target.toml"
        config.write_text(dump_target(live))
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-c", os.devnull,
             "--rootdir", str(tmp_path), "--pyargs", "conformance.scenarios", "--mpsd-config", str(config),
             "--mpsd-oracle", "-n", "2",
             "--mpsd-select", "PUT-UPDATE-*", "--mpsd-select", "CORRELATION-ID-STABLE",
             "--mpsd-report-dir", str(tmp_path / "out")],
            capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path,
        )  # fmt: skip
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]  # CORRELATION-ID-STABLE fails
    found = _divergences(tmp_path / "out")  # the workers' own: the controller runs no check
    assert found["compared"] > 0
    assert any(g["differences"][0]["path"] == "correlationId" for g in found["groups"])
    assert json.loads((tmp_path / "out" / "report.json").read_text())["schema_version"] == 6
