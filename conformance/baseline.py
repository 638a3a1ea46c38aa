"""Known failures a user accepts for now (``--baseline FILE``), each with the reason it is accepted.

The file is YAML (JSON works too)::

    known-failures:
      COND-UPDATE-ONLY-ABSENT-412: "answers 404 instead; tracked as VENDOR-123"

A baselined failure does not fail the run; a baselined requirement that passes is reported as
stale, so the file cannot silently outlive the bug it excuses.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from conformance.config import ConfigError
from conformance.ledger import Ledger
from conformance.resources import load_yaml


def load_baseline(path: Path, ledger: Ledger) -> dict[str, str]:
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"baseline {path}: cannot read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"baseline {path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    known = data.get("known-failures") if isinstance(data, dict) else None
    if not isinstance(known, dict):
        raise ConfigError(f"baseline {path}: expected a 'known-failures' mapping of requirement id -> reason")
    for requirement_id, reason in known.items():
        if requirement_id not in ledger:
            raise ConfigError(f"baseline {path}: unknown requirement id {requirement_id!r}")
        if not isinstance(reason, str) or not reason.strip():
            raise ConfigError(f"baseline {path}: {requirement_id} needs a reason")
    return {str(k): str(v) for k, v in known.items()}
