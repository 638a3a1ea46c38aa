"""Makes tests/data/traffic/reference.har: the reference serving a scenario run, captured by the proxy.

``python -m tests.traffic.reference_har`` from the repository root writes it again. The run is the
scenarios of SELECTED, which a real client could send as they are (none sends a request the
documents forbid), against the embedded reference's identities, through ``Proxy``; the file is the
HAR the proxy writes, every credential in it a pseudonym.
"""

from __future__ import annotations

import json
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from conformance.config import dump_target
from conformance.embedded import embedded_target
from conformance.http.transport import Limits
from conformance.options import RunOptions
from conformance.reference import ReferenceConfig, ReferenceServer
from conformance.reference.config import Variant
from conformance.runner import run
from conformance.traffic import har
from conformance.traffic.proxy import Proxy

DATA = Path(__file__).parents[1] / "data" / "traffic"
AS_IT_IS = Variant()  # the reference's own choices, where the documents leave several
REFERENCE_HAR = DATA / "reference.har"
SELECTED = (
    "PUT-CREATE-201",
    "JOIN-SECOND-USER",
    "LEAVE-200",
    "COND-IF-MATCH-200",
    "COND-IF-MATCH-STALE-412",
    "COND-ETAG-CHANGES",
    "GET-304",
    "PROPS-IF-MATCH-412",
)


def capture(path: Path = REFERENCE_HAR, variant: Variant = AS_IT_IS) -> int:
    """The run's exit code; ``variant``: the reference making those of the documents' choices."""
    target = embedded_target()
    with (
        ReferenceServer(ReferenceConfig.from_target(target, variant=variant)) as server,
        tempfile.TemporaryDirectory() as folder,
    ):
        proxy = Proxy(server.url, ("127.0.0.1", 0), Limits(10.0), say=lambda line: None).start()
        try:
            target_file = Path(folder) / "target.toml"
            target_file.write_text(dump_target(replace(target, url=proxy.url)), encoding="utf-8")
            options = RunOptions(
                config=target_file, select=SELECTED, fuzz=False, workers="0", report_dir=Path(folder) / "run"
            )
            outcome = run(options)
        finally:
            proxy.stop()
        text = json.dumps(har.document(proxy.entries), separators=(",", ":"), ensure_ascii=False)
        path.write_text(proxy.redactor.text(text) + "\n", encoding="utf-8")
    return outcome.exit_code


if __name__ == "__main__":
    sys.exit(capture(Path(sys.argv[1]) if len(sys.argv) > 1 else REFERENCE_HAR))
