"""report.json: the machine-readable record of a run, and the only format other tools should parse.

Its shape is a published interface, pinned by ``report.schema.json`` beside this module. Both the
document and the schema come from one model, the structs of ``conformance.verdicts``: a new
field there is a schema change, which ``python -m conformance.report.schema`` writes out and a
test holds the committed schema to.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import msgspec
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from conformance.text import shorten
from conformance.verdicts import SCHEMA_VERSION, RunResult

SCHEMA_PATH = Path(__file__).with_name("report.schema.json")
# Older reports stay readable (compare a run with last month's): each version's schema is kept.
# v2 -> v3: run.throttling (the target's limits, and per identity the requests and the waiting).
# v3 -> v4: run.load, optional (a load run's throughput and latency), and checks of kind "load".
# v4 -> v5: run.profile (the requirement profile scored), and per requirement not_scored and
# ledger_level (what the profile did not score, and a level it scored lower than the ledger's).
# v5 -> v6: divergences, optional (run --oracle: where the target answered otherwise than the
# reference); client (what the requests of a traffic check break), and checks of kind "traffic";
# suite.selftest (the self-test's scores the suite version shipped with).
_SCHEMAS = {
    SCHEMA_VERSION: SCHEMA_PATH,
    5: SCHEMA_PATH.with_name("report.schema.v5.json"),
    4: SCHEMA_PATH.with_name("report.schema.v4.json"),
    3: SCHEMA_PATH.with_name("report.schema.v3.json"),
    2: SCHEMA_PATH.with_name("report.schema.v2.json"),
    1: SCHEMA_PATH.with_name("report.schema.v1.json"),
}


_NO_EVIDENCE = "a passing requirement needs a passed check that lists a judged exchange"


class ReportError(ValueError):
    """A report file that is not a report this suite would write; the message is one line."""


@lru_cache(maxsize=2)
def validator(version: int = SCHEMA_VERSION) -> Draft202012Validator:
    schema = json.loads(_SCHEMAS[version].read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


@lru_cache(maxsize=2)
def _fast(version: int) -> Any:
    """jsonschema-rs on the same schema: a default run's report takes it 0.5 ms to accept, where
    jsonschema takes 100 ms (compare, merge and badge read reports, and the tests read hundreds)."""
    import jsonschema_rs

    return jsonschema_rs.validator_for(validator(version).schema)


def to_dict(result: RunResult) -> dict[str, Any]:
    """The report document; requirements keep the order of ``result.verdicts`` (the ledger's).

    ``str`` stands in for what JSON cannot hold: options and observations are free-form and may
    hold paths or other values.
    """
    return msgspec.to_builtins(result, enc_hook=str)


def render(result: RunResult) -> str:
    # json.dumps writes the text: unlike msgspec's encoder it lets a lone surrogate from the
    # target through, for write_reports to replace, rather than losing the whole report to it.
    return json.dumps(to_dict(result), indent=2, ensure_ascii=False) + "\n"


def load_report(path: Path) -> dict[str, Any]:
    """Read a report.json and check it against the schema, e.g. before comparing two runs."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ReportError(f"{path}: cannot read ({exc.strerror})") from None
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        raise ReportError(f"{path}: not JSON ({exc})") from None
    version = document.get("schema_version") if isinstance(document, dict) else None
    if version not in _SCHEMAS:
        version = SCHEMA_VERSION  # the current schema names what is wrong with it
    if _fast(version).is_valid(document):
        return document
    # jsonschema decides, and says why: a document only jsonschema-rs refuses (its regular
    # expressions' "$" matches at the very end only, Python's before a last newline too) passes.
    error = best_match(validator(version).iter_errors(document))
    if error is not None:
        # jsonschema quotes the offending value, which can be a whole requirement spread over lines,
        # or the whole array a "contains" rule was about: say what that rule means instead.
        message = _NO_EVIDENCE if error.validator == "contains" else shorten(error.message)
        raise ReportError(f"{path}: not a valid report: {error.json_path}: {message}")
    return document


def result_from_report(document: dict[str, Any]) -> RunResult:
    """The inverse of ``to_dict`` for a document ``load_report`` has validated (any schema version).

    What an older version lacks takes the model's default, and the result is a current one.
    """
    return msgspec.convert({**document, "schema_version": SCHEMA_VERSION}, RunResult)
