"""report.json: the machine-readable record of a run, and the only format other tools should parse.

Its shape is a published interface, pinned by ``report.schema.json`` beside this module; the
document is built key by key so that a new field is a deliberate schema change, not an accident
of a dataclass growing.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from conformance.ledger import Requirement, Source
from conformance.verdicts import Baselined, CheckResult, RequirementVerdict, RunResult, TargetSummary

SCHEMA_PATH = Path(__file__).with_name("report.schema.json")
SCHEMA_VERSION = 4
# Older reports stay readable (compare a run with last month's): each version's schema is kept.
# v2 -> v3: run.throttling (the target's limits, and per identity the requests and the waiting).
# v3 -> v4: run.load, optional (a load run's throughput and latency), and checks of kind "load".
_SCHEMAS = {
    SCHEMA_VERSION: SCHEMA_PATH,
    3: SCHEMA_PATH.with_name("report.schema.v3.json"),
    2: SCHEMA_PATH.with_name("report.schema.v2.json"),
    1: SCHEMA_PATH.with_name("report.schema.v1.json"),
}
SUITE_NAME = "mpsd-conformance"


_NO_EVIDENCE = "a passing requirement needs a passed check that lists a judged exchange"


class ReportError(ValueError):
    """A report file that is not a report this suite would write; the message is one line."""


@lru_cache(maxsize=2)
def validator(version: int = SCHEMA_VERSION) -> Draft202012Validator:
    schema = json.loads(_SCHEMAS[version].read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def to_dict(result: RunResult) -> dict[str, Any]:
    """The report document; requirements keep the order of ``result.verdicts`` (the ledger's)."""
    target = result.target
    return {
        "schema_version": SCHEMA_VERSION,
        "suite": {"name": SUITE_NAME, "version": result.suite_version},
        "ledger": {"version": result.ledger_version},
        "run": {
            "id": result.run_id,
            "started_at": result.started_at,
            "finished_at": result.finished_at,
            "duration_s": round(result.duration_s, 3),
            "seed": result.seed,
            "exit_code": result.exit_code,
            "phases": {name: round(seconds, 3) for name, seconds in result.phases.items()},
            "throttling": {
                "limits": list(result.throttling.get("limits", [])),
                "identities": {
                    label: {key: round(n, 3) if key.endswith("_s") else int(n) for key, n in counts.items()}
                    for label, counts in result.throttling.get("identities", {}).items()
                },
            },
            **({"load": dict(result.load)} if result.load else {}),
        },
        "target": {
            "url": target.url,
            "embedded": target.embedded,
            "scid": target.scid,
            "template": target.template,
            "contract_version": target.contract_version,
            "timeout_s": target.timeout_s,
            "users": target.users,
            "server_principal": target.server_principal,
            "capabilities": list(target.capabilities),
        },
        "options": dict(result.options),
        "summary": result.summary,
        "requirements": [_requirement(v) for v in result.verdicts],
        "leaks": list(result.leaks),
        "errors": list(result.errors),
        "sources": {source_id: source.to_dict() for source_id, source in result.sources.items()},
    }


def _requirement(verdict: RequirementVerdict) -> dict[str, Any]:
    requirement, baseline = verdict.requirement, verdict.baselined
    return {
        "id": requirement.id,
        "level": requirement.level,
        "why": requirement.why,
        "area": requirement.area,
        "statement": requirement.statement,
        "expected": requirement.expected,
        "source": list(requirement.source),
        "status": requirement.status,
        "needs": list(requirement.needs),
        "verdict": verdict.verdict,
        "judged": verdict.judged,
        "reason": verdict.reason,
        "baseline": None if baseline is None else {"reason": baseline.reason, "stale": baseline.stale},
        "checks": [check.to_dict() for check in verdict.checks],
    }


def render(result: RunResult) -> str:
    # default=str: options and observations are free-form and may hold paths or other non-JSON values.
    return json.dumps(to_dict(result), indent=2, ensure_ascii=False, default=str) + "\n"


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
    error = best_match(validator(version).iter_errors(document))
    if error is not None:
        # jsonschema quotes the whole array a "contains" rule was about; say what the rule means.
        message = _NO_EVIDENCE if error.validator == "contains" else _one_line(error.message)
        raise ReportError(f"{path}: not a valid report: {error.json_path}: {message}")
    return document


def _one_line(message: str, width: int = 200) -> str:
    """jsonschema quotes the offending value, which can be a whole requirement spread over lines."""
    message = " ".join(message.split())
    return message if len(message) <= width else message[: width - 3] + "..."


def result_from_report(document: dict[str, Any]) -> RunResult:
    """The inverse of ``to_dict`` for a document ``load_report`` has validated (any schema version)."""
    run, target = document["run"], document["target"]
    return RunResult(
        run_id=run["id"],
        suite_version=document["suite"]["version"],
        ledger_version=document["ledger"]["version"],
        # The schema closes "target" on exactly TargetSummary's fields.
        target=TargetSummary(**{**target, "capabilities": tuple(target["capabilities"])}),
        started_at=run["started_at"],
        finished_at=run["finished_at"],
        duration_s=run["duration_s"],
        seed=run["seed"],
        options=document["options"],
        verdicts=tuple(_verdict(entry) for entry in document["requirements"]),
        exit_code=run["exit_code"],
        phases=run["phases"],
        leaks=tuple(document["leaks"]),
        errors=tuple(document["errors"]),
        sources={k: Source.from_mapping(k, v) for k, v in document.get("sources", {}).items()},
        throttling=run.get("throttling", {}),
        load=run.get("load", {}),
    )


def _verdict(entry: dict[str, Any]) -> RequirementVerdict:
    requirement = Requirement.from_mapping(entry)
    baseline = entry["baseline"]
    return RequirementVerdict(
        requirement,
        entry["verdict"],
        entry["reason"],
        tuple(CheckResult.from_dict(entry["id"], check) for check in entry["checks"]),
        None if baseline is None else Baselined(baseline["reason"], baseline["stale"]),
    )
