"""The layering ARCHITECTURE.md describes, read from the imports themselves.

A module may import from its own layer and the layers below it, never above; the reference service
is a target like any other, so only the entry points that start it may import it, and it imports
nothing of the suite but the contract's data. Lazy imports inside functions count too.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "conformance"

# Lowest first. A top-level module is named by its file stem, a package by its folder.
LAYERS: tuple[tuple[str, frozenset[str]], ...] = (
    (
        "values",
        frozenset(
            {
                "conformance",
                "resources",
                "ledger",
                "profiles",
                "latitude",
                "spec",
                "ratelimit",
                "seed",
                "shard",
                "outcomes",
                "session",
                "bodies",
                "text",
            }
        ),
    ),
    ("configuration", frozenset({"config", "options", "baseline", "plan"})),
    ("http", frozenset({"http"})),
    ("verdicts", frozenset({"verdicts"})),
    ("checks", frozenset({"expect", "scenario", "headstart", "scenarios", "fuzz", "oracle"})),
    ("reports", frozenset({"report"})),
    ("controller", frozenset({"plugin", "handoff", "collect", "preflight", "paced"})),
    (
        "entry points",
        frozenset({"runner", "selftest", "replay", "embedded", "coverage", "cli", "load", "traffic"}),
    ),
)
REFERENCE = "reference"
# What the reference may read of the suite: the contract's data, the shared value parsers and
# the one way to cut a long text for a message.
REFERENCE_MAY_IMPORT = frozenset(
    {"conformance", "resources", "spec", "ratelimit", "config", "text", REFERENCE}
)
# pytest's glue of the fuzz phase reads the run's settings from the plugin: a conftest is loaded by
# the plugin's own pytest session, so this edge is configuration, not a call upward.
# The plugin starts run --oracle's reference instances through embedded.py, the one module that
# starts the reference for a run: a plain pytest run (--mpsd-oracle) has no entry point to do it.
GLUE = {("conformance.fuzz.conftest", "plugin"), ("conformance.plugin", "embedded")}


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _is_module(name: str) -> bool:
    return (PACKAGE / f"{name}.py").exists() or (PACKAGE / name).is_dir()


def _imports() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        names = found.setdefault(module, set())
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and node.module.split(".")[0] == "conformance"
            ):
                names.add(node.module)
                if node.module == "conformance":  # from conformance import bodies: a module, or __version__
                    names.update(f"conformance.{a.name}" for a in node.names if _is_module(a.name))
            elif isinstance(node, ast.Import):
                names.update(a.name for a in node.names if a.name.split(".")[0] == "conformance")
    return found


def _layer(unit: str) -> int:
    for rank, (_, units) in enumerate(LAYERS):
        if unit in units:
            return rank
    raise AssertionError(f"conformance/{unit} belongs to no layer: add it to LAYERS and ARCHITECTURE.md")


def test_every_import_goes_down_or_sideways() -> None:
    upward = []
    for module, imported in sorted(_imports().items()):
        unit = _unit(module)
        if unit == REFERENCE:
            continue
        for name in sorted(imported):
            target = _unit(name)
            if target == REFERENCE or (module, target) in GLUE:
                continue
            if _layer(target) > _layer(unit):
                upward.append(
                    f"{module} ({LAYERS[_layer(unit)][0]}) imports {name} ({LAYERS[_layer(target)][0]})"
                )
    assert not upward, "\n".join(upward)


def test_only_the_entry_points_start_the_reference_and_it_imports_no_check() -> None:
    entry = LAYERS[-1][1]
    wrong = []
    for module, imported in sorted(_imports().items()):
        unit = _unit(module)
        for name in sorted(imported):
            target = _unit(name)
            if unit == REFERENCE and target not in REFERENCE_MAY_IMPORT:
                wrong.append(f"the reference's {module} imports {name}")
            if target == REFERENCE and unit not in entry | {REFERENCE}:
                wrong.append(f"{module} imports the reference ({name})")
    assert not wrong, "\n".join(wrong)


def test_the_rule_sees_the_imports_it_judges() -> None:
    """A rule that reads no imports would pass anything: it must see known edges, lazy ones too."""
    found = _imports()
    assert "conformance.http.exchange" in found["conformance.verdicts"]
    assert "conformance.fuzz.judging" in found["conformance.plugin"]  # imported inside a function
    assert any(_unit(n) == REFERENCE for n in found["conformance.embedded"])
