"""Which checks cite which requirements, read from the check code itself (no target needed).

The load invariants count as checks of the requirements they judge (area ``load``).

The ledger tests use it to prove coverage in both directions; the self-test uses it to say
which requirements no check exercises.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from types import ModuleType

from conformance import fuzz, scenarios
from conformance.load.invariants import INVARIANTS

CHECK_PACKAGES = (scenarios, fuzz)


def _check_modules() -> Iterator[ModuleType]:
    for package in CHECK_PACKAGES:
        for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
            if info.name.rsplit(".", 1)[-1].startswith("test_"):
                yield importlib.import_module(info.name)


def cited_requirements() -> dict[str, list[str]]:
    """requirement ID -> the checks (``module::name``) that cite it."""
    cited: dict[str, list[str]] = {}
    for module in _check_modules():
        for name, check in vars(module).items():
            defined_here = getattr(check, "__module__", None) == module.__name__
            if not (name.startswith(("test_", "Test")) and defined_here):
                continue
            for mark in getattr(check, "pytestmark", []):
                if mark.name == "requirement":
                    for requirement_id in mark.args:
                        cited.setdefault(requirement_id, []).append(f"{module.__name__}::{name}")
    for requirement_id, invariant in INVARIANTS.items():  # judged by mpsd-conformance load
        cited.setdefault(requirement_id, []).append(f"{invariant.__module__}::{invariant.__name__}")
    return cited
