"""Which checks cite which requirements, read from the check code itself (no target needed).

The ledger tests use it to prove coverage in both directions; the self-test uses it to say
which requirements no check exercises.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from types import ModuleType

from conformance import scenarios


def _scenario_modules() -> Iterator[ModuleType]:
    for info in pkgutil.iter_modules(scenarios.__path__, scenarios.__name__ + "."):
        if info.name.rsplit(".", 1)[-1].startswith("test_"):
            yield importlib.import_module(info.name)


def cited_requirements() -> dict[str, list[str]]:
    """requirement ID -> the checks (``module::function``) that cite it."""
    cited: dict[str, list[str]] = {}
    for module in _scenario_modules():
        for name, function in vars(module).items():
            if not (name.startswith("test_") and callable(function)):
                continue
            for mark in getattr(function, "pytestmark", []):
                if mark.name == "requirement":
                    for requirement_id in mark.args:
                        cited.setdefault(requirement_id, []).append(f"{module.__name__}::{name}")
    return cited
