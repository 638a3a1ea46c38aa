"""The whole default run, fuzzing included, passes a reference making every latitude's choice at once.

The self-test proves each latitude of ``latitude.yaml`` against the scenario checks; the fuzz phase
judges generated requests with its own checks, so it runs here too, as a user's
``mpsd-conformance run`` would, against the variant with every choice switched on.
"""

from __future__ import annotations

import dataclasses
import json

from conformance.cli import main
from conformance.config import dump_target
from conformance.embedded import embedded_target
from conformance.reference import ReferenceConfig, ReferenceServer
from conformance.selftest import ALL_AT_ONCE, variant_table


def test_the_default_run_passes_every_latitude_at_once(tmp_path) -> None:
    target = embedded_target()
    variant = variant_table()[ALL_AT_ONCE]
    with ReferenceServer(ReferenceConfig.from_target(target, variant=variant)) as server:
        config = tmp_path / "target.toml"
        config.write_text(dump_target(dataclasses.replace(target, url=server.url)))
        code = main(["run", "--config", str(config), "--report-dir", str(tmp_path / "out")])
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    problems = {
        r["id"]: r["reason"]
        for r in report["requirements"]
        if r["verdict"] in ("fail", "warn", "error", "blocked")
    }
    assert (code, problems) == (0, {})
