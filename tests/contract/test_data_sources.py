"""Every file of test data says where it comes from and under which licence."""

from __future__ import annotations

import re

from support import CORPUS, DATA

ROW = re.compile(
    r"^\| `([^`]+)` \| ([\w.-]+/[\w.-]+) \| `([^`]+)`[:\d]* \| `([0-9a-f]{12})` \| (\w+) \|", re.M
)


def test_every_client_payload_names_its_repository_path_commit_and_licence() -> None:
    rows = {m[0]: m[1:] for m in ROW.findall((CORPUS / "SOURCES.md").read_text(encoding="utf-8"))}
    payloads = {p.name for p in CORPUS.glob("*.json")}
    assert len(payloads) == 122
    assert set(rows) == payloads
    for repo, path, _commit, licence in rows.values():
        assert (repo, licence) == ("microsoft/xbox-live-api", "MIT")
        assert path.startswith(("Tests/", "Source/"))
    assert (CORPUS / "LICENSE-xbox-live-api.md").read_text(encoding="utf-8").startswith("MIT License")


def test_every_data_folder_has_its_sources_file() -> None:
    folders = [p for p in DATA.iterdir() if p.is_dir()]
    assert folders
    for folder in folders:
        text = (folder / "SOURCES.md").read_text(encoding="utf-8")
        assert "Licen" in text, folder.name
        for data in folder.iterdir():
            assert data.name == "SOURCES.md" or data.name.startswith("LICENSE") or data.name in text, data
