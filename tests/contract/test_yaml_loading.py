"""The package's YAML is read with libyaml where PyYAML has it (conformance.resources.load_yaml):
that must read every shipped document as PyYAML's own safe loader does, and a baseline the user
wrote wrongly must still be refused with PyYAML's error."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conformance.resources import load_yaml, openapi_path

DOCUMENTS = sorted(Path(__file__).resolve().parents[2].joinpath("conformance").glob("*.yaml"))


@pytest.mark.parametrize("path", [*DOCUMENTS, openapi_path()], ids=lambda path: path.name)
def test_each_shipped_document_reads_as_the_safe_loader_reads_it(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert load_yaml(text) == yaml.safe_load(text)


def test_what_is_not_yaml_raises_pyyamls_error() -> None:
    with pytest.raises(yaml.YAMLError):
        load_yaml("key: [unclosed")
