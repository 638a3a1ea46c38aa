"""compare: two real runs differ by exactly what their faults break, and the pages stay safe.

The runs are real (the CLI in-process against the embedded reference, once per session) because
the point is that compare reads what ``run`` actually writes; variations (reordered, stale,
hostile) are edits of those documents, which is cheaper than more runs and says exactly what
changed.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conformance.cli import main
from conformance.reference import FAULTS
from conformance.report import load_report, write_reports
from conformance.report.compare import compare, must_score
from conformance.report.json_report import result_from_report

from .pages import Tags, assert_loads_nothing
from .runs import BASELINE, FAIL_ID, PASS_ID, build_result, every_verdict_checks

INJECTED = ("create-200", "no-etag")
HOSTILE_URL = 'https://mpsd.vendor.test/"><script>alert(1)</script>'
HOSTILE_RUN_ID = "<img src=https://evil.test/r.png>"


@dataclass(frozen=True)
class CliRuns:
    clean: Path  # report folder of the clean reference
    faulty: Path  # ... and of the reference with INJECTED on


_RUNS: dict[Path, CliRuns] = {}


def cli_runs(factory: pytest.TempPathFactory) -> CliRuns:
    """The two runs, made once per test session whichever module asks first (about 2 s each)."""
    base = factory.getbasetemp()
    if base not in _RUNS:
        root = base / "cli-runs"
        clean, faulty = root / "clean", root / "faulty"
        assert main(["run", "--no-fuzz", "--report-dir", str(clean)]) == 0
        faults = [arg for name in INJECTED for arg in ("--fault", name)]
        assert main(["run", "--no-fuzz", *faults, "--report-dir", str(faulty)]) == 1
        _RUNS[base] = CliRuns(clean, faulty)
    return _RUNS[base]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> CliRuns:
    return cli_runs(tmp_path_factory)


def read(folder: Path) -> dict[str, Any]:
    return load_report(folder / "report.json")


def write(document: dict[str, Any], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "report.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    load_report(path)  # an edited document must still be a valid report
    return path


# ---------------------------------------------------------------------------------------- the diff


def test_two_runs_differ_by_exactly_what_the_faults_break(runs: CliRuns, tmp_path: Path, capsys) -> None:
    breaks = {rid for name in INJECTED for rid in FAULTS[name].breaks}
    collateral = {rid for name in INJECTED for rid in FAULTS[name].collateral}
    comparison = compare([runs.clean, runs.faulty])
    found = comparison.diff
    assert found is not None
    assert found.before.path.parent == runs.clean
    assert found.ids("failing") == breaks
    assert found.ids("passing") == set()
    # The rest only ever involves the faults' declared collateral, and is never called a failure:
    # no-etag leaves the conditional checks blocked.
    assert found.ids("warning") | found.ids("other") <= collateral
    assert {c.after.verdict for c in found.group("other").changes if c.after} == {"blocked"}
    # no-etag takes the ETag off nocommit answers too, which the probe ETAG-NOCOMMIT records.
    assert found.ids("observations") == {"ETAG-NOCOMMIT"}
    for key in ("stale", "only-before", "only-after"):
        assert found.ids(key) == set(), key

    assert main(["compare", str(runs.clean), str(runs.faulty), "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed == [f"markdown: {tmp_path / 'compare.md'}", f"html: {tmp_path / 'compare.html'}"]
    markdown = (tmp_path / "compare.md").read_text(encoding="utf-8")
    failing = markdown.split(f"#### Newly failing ({len(breaks)})")[1].split("####")[0]
    assert {m for m in re.findall(r"\*\*([A-Z0-9-]+)\*\*", failing)} == breaks
    page = (tmp_path / "compare.html").read_text(encoding="utf-8")
    assert f'<h3 id="diff-failing">Newly failing ({len(breaks)})</h3>' in page


def test_the_diff_runs_from_the_older_run_to_the_newer(runs: CliRuns, tmp_path: Path) -> None:
    """Argument order does not matter; swapping the start times turns failures into fixes."""
    clean, faulty = read(runs.clean), read(runs.faulty)
    assert clean["run"]["started_at"] < faulty["run"]["started_at"]
    forward = compare([runs.faulty, runs.clean]).diff
    assert forward is not None
    assert forward.before.path.parent == runs.clean

    faulty["run"]["started_at"], clean["run"]["started_at"] = (
        clean["run"]["started_at"],
        faulty["run"]["started_at"],
    )
    backward = compare([write(clean, tmp_path / "clean"), write(faulty, tmp_path / "faulty")]).diff
    assert backward is not None
    assert backward.ids("failing") == backward.ids("warning") == set()
    # Fixed: what failed or warned before. Unblocked is not "fixed": those stay other changes.
    assert backward.ids("passing") == forward.ids("failing") | forward.ids("warning")
    assert backward.ids("other") == forward.ids("other")


def test_stale_entries_changed_observations_and_one_sided_requirements(runs: CliRuns, tmp_path: Path) -> None:
    clean = read(runs.clean)
    newer = copy.deepcopy(clean)
    newer["run"]["started_at"] = "9999-01-01T00:00:00Z"
    by_id = {r["id"]: r for r in newer["requirements"]}
    by_id["PUT-UPDATE-MERGE"]["baseline"] = {"reason": "fixed in 2.1", "stale": True}
    probe = next(r for r in newer["requirements"] if r["level"] == "PROBE")
    probe["reason"] = "status=418"
    dropped = newer["requirements"].pop()["id"]
    found = compare([runs.clean, write(newer, tmp_path / "newer")]).diff
    assert found is not None
    assert found.ids("stale") == {"PUT-UPDATE-MERGE"}
    assert found.ids("observations") == {probe["id"]}
    assert found.ids("only-before") == {dropped}
    assert found.ids("failing") | found.ids("passing") | found.ids("other") == set()


def test_no_diff_unless_two_runs_of_one_target(runs: CliRuns, tmp_path: Path) -> None:
    other = read(runs.faulty)
    other["target"].update(url="https://mpsd.other.test", embedded=False)
    elsewhere = write(other, tmp_path / "elsewhere")
    two_targets = compare([runs.clean, elsewhere])
    assert two_targets.diff is None
    assert "different targets" in two_targets.note
    assert two_targets.targets == 2
    assert compare([runs.clean]).diff is None
    assert compare([runs.clean, runs.faulty, elsewhere]).diff is None


# ---------------------------------------------------------------------------------------- the matrix


def test_directories_are_searched_and_each_report_counted_once(runs: CliRuns, tmp_path: Path) -> None:
    root = runs.clean.parent
    found = compare([root, runs.clean / "report.json", runs.faulty])
    assert [run.path.parent.name for run in found.runs] == ["clean", "faulty"]
    assert found.diff is not None
    # Within a directory, oldest first whatever the folders are called; otherwise as given.
    write(read(runs.faulty), tmp_path / "a-newer")
    write(read(runs.clean), tmp_path / "b-older")
    assert [run.path.parent.name for run in compare([tmp_path]).runs] == ["b-older", "a-newer"]
    given = compare([tmp_path / "a-newer", tmp_path / "b-older"]).runs
    assert [run.path.parent.name for run in given] == ["a-newer", "b-older"]


def test_the_matrix_and_totals_match_each_report(runs: CliRuns) -> None:
    comparison = compare([runs.clean, runs.faulty])
    documents = [read(runs.clean), read(runs.faulty)]
    cells = {row.requirement.id: row.cells for _, rows in comparison.areas for row in rows}
    for column, document in enumerate(documents):
        assert {rid: c[column].verdict for rid, c in cells.items() if c[column]} == {
            r["id"]: r["verdict"] for r in document["requirements"]
        }
        for level, totals in comparison.totals:
            for total in totals:
                assert total.counts[column] == document["summary"][level][total.verdict]
    areas = [area for area, _ in comparison.areas]
    assert len(areas) == len(set(areas))  # grouped: each area once
    first = [r["area"] for r in documents[0]["requirements"]]
    assert areas == list(dict.fromkeys(first))  # in ledger order


def test_equal_labels_are_told_apart_by_their_file(runs: CliRuns, tmp_path: Path) -> None:
    copy_path = write(read(runs.clean), tmp_path / "copy")
    first, second = compare([runs.clean, copy_path]).runs
    assert first.label != second.label
    assert str(copy_path) in second.label
    assert first.result.target.url in first.label
    assert first.result.run.id in first.label
    different = compare([runs.clean, runs.faulty]).runs
    assert all(run.tag == "" for run in different)


def test_the_must_score_counts_like_the_summary_headline(runs: CliRuns) -> None:
    for folder in (runs.clean, runs.faulty):
        score = must_score(result_from_report(read(folder)))
        summary = (folder / "summary.md").read_text(encoding="utf-8").splitlines()[0]
        counted = re.search(r"(\d+) of (\d+) MUST requirements (pass|fail)", summary)
        assert counted is not None
        n, applicable, verb = counted.groups()
        assert int(applicable) == score.applicable
        assert int(n) == (score.passed if verb == "pass" else score.failing)


# ---------------------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda d: d / "absent.json", id="missing"),
        pytest.param(lambda d: _written(d / "broken.json", '{"schema_version": 1,'), id="not-json"),
        pytest.param(lambda d: _written(d / "wrong.json", '{"schema_version": 2}'), id="not-a-report"),
        pytest.param(
            lambda d: _written(d / "empty" / "notes.txt", "no report here").parent, id="no-report-in-dir"
        ),
    ],
)
def test_an_unreadable_report_is_exit_2_with_one_line(runs: CliRuns, tmp_path: Path, capsys, make) -> None:
    bad = make(tmp_path)
    out = tmp_path / "out"
    assert main(["compare", str(runs.clean), str(bad), "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"mpsd-conformance: {bad}")
    assert not out.exists()  # nothing half-written


def _written(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------- the pages


def hostile_pair(tmp_path: Path) -> tuple[Path, Path]:
    """Two runs of a target whose every string is markup: the newer one fails with a hostile reason."""
    newer = json.loads(
        write_reports(build_result(every_verdict_checks(), BASELINE), tmp_path / "w")["json"].read_text()
    )
    newer["target"]["url"] = HOSTILE_URL
    newer["run"]["id"] = HOSTILE_RUN_ID
    older = copy.deepcopy(newer)
    older["run"]["started_at"] = "2024-01-01T00:00:00Z"
    entry = next(r for r in older["requirements"] if r["id"] == FAIL_ID)
    passed = next(r for r in older["requirements"] if r["id"] == PASS_ID)
    entry.update(verdict="pass", reason="", judged=passed["judged"], checks=passed["checks"])
    return write(older, tmp_path / "older"), write(newer, tmp_path / "newer")


def test_the_page_loads_nothing_and_shares_the_report_stylesheet(runs: CliRuns, tmp_path: Path) -> None:
    assert main(["compare", str(runs.clean), str(runs.faulty), "--out", str(tmp_path)]) == 0
    page = (tmp_path / "compare.html").read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>")
    parsed = assert_loads_nothing(page)
    report = Tags((runs.clean / "report.html").read_text(encoding="utf-8"))
    assert report.style.strip()
    assert report.style.strip() in parsed.style
    # Links: fragments, and each run's own report.html, relative to the page.
    links = {a["href"] for t, a in parsed.tags if t == "a" and a.get("href")}
    targets = {(tmp_path / link.split("#")[0]).resolve() for link in links if not link.startswith("#")}
    assert targets == {(runs.clean / "report.html").resolve(), (runs.faulty / "report.html").resolve()}


def test_every_verdict_cell_says_its_verdict_in_words(runs: CliRuns, tmp_path: Path) -> None:
    assert main(["compare", str(runs.clean), str(runs.faulty), "--out", str(tmp_path)]) == 0
    page = (tmp_path / "compare.html").read_text(encoding="utf-8")
    labels = re.findall(r'<span class="label v-([a-z-]+)">([A-Z-]+)</span>', page)
    assert labels
    assert all(kind.upper() == word for kind, word in labels)
    assert {"pass", "fail", "blocked", "not-applicable", "observed"} <= {kind for kind, _ in labels}


def test_target_strings_are_escaped_in_both_pages(tmp_path: Path) -> None:
    older, newer = hostile_pair(tmp_path)
    assert main(["compare", str(older), str(newer), "--out", str(tmp_path / "out")]) == 0
    page = (tmp_path / "out" / "compare.html").read_text(encoding="utf-8")
    parsed = assert_loads_nothing(page)
    assert {"script", "img", "b"}.isdisjoint(tag for tag, _ in parsed.tags)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;&#34;boom&#34;&lt;/b&gt;" in page  # the newly failing reason
    assert "\x1b" not in page

    markdown = (tmp_path / "out" / "compare.md").read_text(encoding="utf-8")
    assert "\x1b" not in markdown
    # Outside code spans (where Markdown shows text literally) no markup survives.
    prose = re.sub(r"(`+).*?\1", "", markdown)
    assert "<" not in prose
    assert "&lt;b&gt;" in prose


def test_the_markdown_shows_totals_and_the_matrix(runs: CliRuns, tmp_path: Path) -> None:
    assert main(["compare", str(runs.clean), str(runs.faulty), "--out", str(tmp_path)]) == 0
    markdown = (tmp_path / "compare.md").read_text(encoding="utf-8")
    scores = [str(must_score(result_from_report(read(f)))) for f in (runs.clean, runs.faulty)]
    assert f"| MUST | passed / applicable | {scores[0]} | {scores[1]} |" in markdown
    assert re.search(r"\| \*\*PUT-CREATE-201\*\* \| MUST \| pass \| \*\*FAIL\*\* \|", markdown)
    assert "### Matrix" in markdown
