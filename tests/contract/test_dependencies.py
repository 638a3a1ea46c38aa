"""The pinned set the README and CI install is one the declared ranges admit, and complete.

constraints.txt is what a fresh clone installs; pyproject.toml is what a user installing the package
alone gets. If the two disagree, the README's install fails (a pin outside a range) or silently takes
an untested release (a direct dependency left unpinned).
"""

from __future__ import annotations

import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from support import ROOT


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        lines += [line for line in extra if not line.startswith(project["name"])]
    return [Requirement(line) for line in lines]


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, sep, version = line.partition("==")
            assert sep, f"constraints.txt pins exact versions only, not {line!r}"
            pins[canonicalize_name(name)] = version
    return pins


def test_every_direct_dependency_is_pinned_inside_its_declared_range() -> None:
    pins = _pins()
    for requirement in _declared():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is declared but constraints.txt does not pin it"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"constraints.txt pins {name}=={pins[name]}, outside pyproject's {requirement}"
        )


def test_every_declared_range_has_a_floor_and_a_ceiling() -> None:
    """A floor the project was seen to pass with; a ceiling so a new major never arrives untested."""
    for requirement in _declared():
        operators = {spec.operator for spec in requirement.specifier}
        assert ">=" in operators, f"{requirement} has no lower bound"
        assert "<" in operators, f"{requirement} has no upper bound"


def test_the_readme_and_ci_install_the_pins_and_run_the_same_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick_start = readme.split("```sh\n", 1)[1].split("```", 1)[0].splitlines()
    install, test = quick_start
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert "-c constraints.txt" in install
    assert any("pip install" in line and "-c constraints.txt" in line for line in ci)
    assert test in ci, f".ci/run does not run the README's test command {test!r}"
