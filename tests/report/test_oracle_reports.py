"""run --oracle's divergences in every report: report.json (schema 6) round trip, summary.md,
report.html, the terminal, compare, and the exit code of --oracle strict."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from msgspec.structs import replace

from conformance.http.exchange import Exchange, HttpRequest, HttpResponse
from conformance.report import ReportError, load_report, write_reports
from conformance.report.compare import compare, divergence_diff
from conformance.report.compare_html import render_html
from conformance.report.compare_markdown import render_markdown
from conformance.report.json_report import result_from_report, to_dict
from conformance.report.merge import merge
from conformance.report.terminal import summary_lines
from conformance.report.view import GAP, headline
from conformance.verdicts import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_UNREACHABLE,
    Difference,
    DivergenceExample,
    DivergenceGroup,
    Divergences,
    RunResult,
    oracle_exit,
)

from .golden import as_version_5, golden_result
from .pages import Tags, assert_loads_nothing

HOSTILE = '<script>alert("x")</script> | `tick`'


def _exchange(url: str, status: int, body: str) -> Exchange:
    return Exchange(
        method="PUT",
        url=url,
        request=HttpRequest({"Authorization": "[redacted]"}, '{"members": {"me": {}}}'),
        response=HttpResponse(status, {"Content-Type": "application/json"}, body),
        elapsed_ms=2.0,
        curl=f"curl -X PUT {url} -H 'Authorization: [redacted]'",
    )


def group(
    signature: str,
    count: int,
    *,
    gap: bool = False,
    name: str = "PUT /sessions/{sessionName}: status 200, the reference 201",
) -> DivergenceGroup:
    example = DivergenceExample(
        check="scenarios/test_create.py::test_create",
        target=_exchange(
            "https://mpsd.vendor.test/serviceconfigs/s/sessiontemplates/t/sessions/n", 200, HOSTILE
        ),
        reference=_exchange(
            "http://127.0.0.1:8080/serviceconfigs/s/sessiontemplates/t/sessions/n", 201, "{}"
        ),
    )
    return DivergenceGroup(
        signature=signature,
        name=name,
        operation="PUT /sessions/{sessionName}",
        sent={"caller": "user", "body": "members(me)"},
        differences=(Difference("status", "status", "200", "201"),),
        count=count,
        consequences=1,
        requirements=() if gap else ("PUT-CREATE-201",),
        gap=gap,
        checks=("scenarios/test_create.py::test_create",),
        examples=(example,),
    )


def oracle_result(*groups: DivergenceGroup, mode: str = "on") -> RunResult:
    block = Divergences(
        mode=mode,  # type: ignore[arg-type]
        compared=120,
        not_compared={"the target did not process it (429 or 503)": 2},
        allowed={"refusal-status": 3},
        noise=1,
        noisy=("PUT /sessions/{sessionName} body nextTimer",),
        groups=groups,
    )
    return replace(golden_result(), divergences=block)


GROUPS = (
    group("aaaaaaaaaaaa", 5),
    group("bbbbbbbbbbbb", 1, gap=True, name=f"GET /sessions/{{sessionName}}: {HOSTILE}"),
)


def test_the_divergences_round_trip_through_report_json(tmp_path: Path) -> None:
    result = oracle_result(*GROUPS)
    document = load_report(write_reports(result, tmp_path)["json"])  # validated against schema 6
    assert document["schema_version"] == 6
    assert document["divergences"] == json.loads(json.dumps(to_dict(result)))["divergences"]
    assert result_from_report(document).divergences == result.divergences


def test_a_run_without_the_oracle_writes_no_divergences_block(tmp_path: Path) -> None:
    written = write_reports(golden_result(), tmp_path)
    assert "divergences" not in load_report(written["json"])
    assert "Divergences" not in written["markdown"].read_text(encoding="utf-8")
    assert 'id="divergences"' not in written["html"].read_text(encoding="utf-8")


def test_a_version_5_report_still_loads_and_is_held_to_its_own_schema(tmp_path: Path) -> None:
    old = json.loads(json.dumps(to_dict(golden_result())))
    old = as_version_5(old)
    path = tmp_path / "v5.json"
    path.write_text(json.dumps(old), encoding="utf-8")
    assert isinstance(result_from_report(load_report(path)), RunResult)
    with_block = json.loads(json.dumps(to_dict(oracle_result(*GROUPS))))
    block = with_block["divergences"]
    with_block = {**as_version_5(with_block), "divergences": block}
    path.write_text(json.dumps(with_block), encoding="utf-8")
    with pytest.raises(ReportError, match="'divergences' was unexpected"):
        load_report(path)


def test_summary_md_tables_every_group_and_marks_gaps(tmp_path: Path) -> None:
    text = (write_reports(oracle_result(*GROUPS), tmp_path)["markdown"]).read_text(encoding="utf-8")
    assert "### Divergences from the reference (6)" in text
    assert "6 divergences from the reference in 2 groups (1 a gap in the document or the ledger)" in text
    assert "| 1 | 5 | PUT /sessions/{sessionName}: status 200, the reference 201 |" in text
    assert f"**{GAP}**" in text
    assert "<script>" not in text
    assert "curl -X PUT http://127.0.0.1:8080/" in text  # the reference side, reproducible with serve


def test_report_html_shows_both_sides_side_by_side_safely(tmp_path: Path) -> None:
    page = (write_reports(oracle_result(*GROUPS), tmp_path)["html"]).read_text(encoding="utf-8")
    assert {tag for tag, _ in Tags(page).tags}.isdisjoint({"script", "img", "iframe"})
    assert '<section id="divergences">' in page
    assert page.count('<div class="sides">') == 2
    assert '<a href="#PUT-CREATE-201">PUT-CREATE-201</a>' in page
    assert "&lt;script&gt;" in page


def test_the_headline_and_the_terminal_count_the_divergences() -> None:
    result = oracle_result(*GROUPS)
    assert headline(result).endswith("6 divergences from the reference")
    lines = summary_lines(result)
    assert any(line.startswith("oracle: 6 divergences from the reference in 2 groups") for line in lines)
    assert sum(line.startswith("DIVERGE") for line in lines) == 2
    assert not any("divergence" in line for line in summary_lines(golden_result()))


def test_compare_shows_what_changed_by_signature(tmp_path: Path) -> None:
    before = oracle_result(group("aaaaaaaaaaaa", 5), group("cccccccccccc", 2))
    after = oracle_result(group("aaaaaaaaaaaa", 7), group("bbbbbbbbbbbb", 1, gap=True))
    found = divergence_diff(before, after)
    assert [(c.signature, c.before, c.after) for c in found.new] == [("bbbbbbbbbbbb", 0, 1)]
    assert [(c.signature, c.before, c.after) for c in found.gone] == [("cccccccccccc", 2, 0)]
    assert [(c.signature, c.before, c.after) for c in found.changed] == [("aaaaaaaaaaaa", 5, 7)]
    assert divergence_diff(golden_result(), after).note.startswith("The older run ran without --oracle")
    assert divergence_diff(before, before).empty
    paths = []
    for label, result in (
        ("a", before),
        ("b", replace(after, run=replace(after.run, started_at="2026-01-02T00:00:00Z"))),
    ):
        paths.append(write_reports(result, tmp_path / label)["json"])
    comparison = compare(paths)
    markdown = render_markdown(comparison)
    assert "#### Divergences from the reference" in markdown
    for title in ("- New (1):", "- Gone (1):", "- Count changed (1):"):
        assert title in markdown
    assert_loads_nothing(render_html(comparison))


@pytest.mark.parametrize(
    ("code", "mode", "groups", "expected"),
    [
        (EXIT_OK, "strict", GROUPS, EXIT_FAILED),
        (EXIT_OK, "strict", (), EXIT_OK),
        (EXIT_OK, "on", GROUPS, EXIT_OK),
        (EXIT_UNREACHABLE, "strict", GROUPS, EXIT_UNREACHABLE),
        (EXIT_FAILED, "strict", GROUPS, EXIT_FAILED),
    ],
)
def test_only_strict_lets_a_divergence_fail_a_passing_run(code, mode, groups, expected) -> None:
    assert oracle_exit(code, oracle_result(*groups, mode=mode).divergences) == expected


def test_a_campaigns_shards_count_their_divergences_together(tmp_path: Path) -> None:
    shards = []
    for k, groups in (
        (1, (group("aaaaaaaaaaaa", 5),)),
        (2, (group("aaaaaaaaaaaa", 2), group("cccccccccccc", 1))),
    ):
        result = oracle_result(*groups, mode="strict")
        result = replace(result, options={**result.options, "shard": f"{k}/2"})
        shards.append(write_reports(result, tmp_path / str(k))["json"])
    merged = merge(shards)
    block = merged.divergences
    assert isinstance(block, Divergences)
    assert [(g.signature, g.count, g.consequences) for g in block.groups] == [
        ("aaaaaaaaaaaa", 7, 2),
        ("cccccccccccc", 1, 1),
    ]
    assert (block.compared, block.allowed, block.mode) == (240, {"refusal-status": 6}, "strict")
    assert len(block.groups[0].examples) == 2
    assert merged.run.exit_code != EXIT_OK  # strict: a divergence fails the merged run too
