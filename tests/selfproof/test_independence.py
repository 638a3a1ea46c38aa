"""The suite does not depend on the reference's incidental choices.

Each choice the documentation leaves open (first member index, ETag quoting, a charset on JSON,
unknown extra response fields, header-name case) is switched to its other value, alone and all
together, and the suite must still pass the reference.
"""

from __future__ import annotations

import dataclasses
import json

import pytest

from conformance.cli import main
from conformance.config import dump_target
from conformance.embedded import embedded_target
from conformance.reference import ReferenceConfig, ReferenceServer
from conformance.reference.config import Variant

VARIANTS = {
    "first-index-1": Variant(first_index=1),
    "quoted-etags": Variant(etag_quoted=True),
    "json-charset": Variant(json_charset=True),
    "extra-fields": Variant(extra_fields=True),
    "title-case-headers": Variant(title_case_headers=True),
    "all-at-once": Variant(
        first_index=1, etag_quoted=True, json_charset=True, extra_fields=True, title_case_headers=True
    ),
}


@pytest.mark.parametrize("variant", VARIANTS.values(), ids=VARIANTS.keys())
def test_the_suite_passes_whatever_the_incidental_choices(tmp_path, variant) -> None:
    target = embedded_target()
    with ReferenceServer(ReferenceConfig.from_target(target, variant=variant)) as server:
        config = tmp_path / "target.toml"
        config.write_text(dump_target(dataclasses.replace(target, url=server.url)))
        # The fuzz checks must not depend on these choices either; one combined run is enough for them.
        fuzz = ["--fuzz-examples", "3"] if variant == VARIANTS["all-at-once"] else ["--no-fuzz"]
        code = main(["run", "--config", str(config), *fuzz, "--report-dir", str(tmp_path / "out")])
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    problems = {
        r["id"]: r["reason"] for r in report["requirements"] if r["verdict"] in ("fail", "warn", "error")
    }
    assert (code, problems) == (0, {})
