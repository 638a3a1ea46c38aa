"""summary.md: a headline CI readers trust, and what to fix before anything else."""

from __future__ import annotations

from pathlib import Path

from conformance.report import write_reports
from conformance.verdicts import RunResult

from .runs import BLOCKED_ID, ERROR_ID, FAIL_ID, NA_ID, PROBE_ID, SECOND_FAIL_ID, TARGET_URL, WARN_ID


def _summary(result: RunResult, tmp_path: Path) -> str:
    return write_reports(result, tmp_path)["markdown"].read_text(encoding="utf-8")


def test_the_headline_follows_the_exit_code(
    result: RunResult, failed_result: RunResult, green_result: RunResult, tmp_path: Path
) -> None:
    assert _summary(failed_result, tmp_path / "red").startswith(
        "## MPSD conformance: FAILED — 2 of 6 MUST requirements fail, 1 SHOULD warning, 1 blocked,"
    )
    assert _summary(result, tmp_path / "error").startswith("## MPSD conformance: ERROR — 2 of 7 MUST")
    assert _summary(green_result, tmp_path / "green").startswith(
        "## MPSD conformance: PASSED — 2 of 2 MUST requirements pass\n"
    )


def test_failures_come_first_in_order_of_severity(result: RunResult, tmp_path: Path) -> None:
    text = _summary(result, tmp_path)
    assert f"Target `{TARGET_URL}`" in text
    order = [
        "### MUST failures (2)",
        f"**{FAIL_ID}**",
        f"**{SECOND_FAIL_ID}**",
        "### SHOULD warnings (1)",
        f"**{WARN_ID}**",
        "### Errors (1)",
        f"**{ERROR_ID}**",
        "### Blocked (1)",
        f"**{BLOCKED_ID}**",
        "<details><summary>Observations (1)</summary>",
        f"**{PROBE_ID}**",
        "<details><summary>Not applicable (1)</summary>",
        f"**{NA_ID}**",
    ]
    positions = [text.index(marker) for marker in order]
    assert positions == sorted(positions)


def test_a_failure_shows_its_reason_escaped_and_one_curl_line(result: RunResult, tmp_path: Path) -> None:
    text = _summary(result, tmp_path)
    entry = text.split(f"**{FAIL_ID}**", 1)[1].split(f"**{SECOND_FAIL_ID}**", 1)[0]
    assert "Reason: expected 201, got 500 &lt;b&gt;" in entry
    assert "<b>" not in text
    assert "\x1b" not in text
    assert "  ```sh\n  curl -X PUT" in entry
    assert entry.count("curl -X PUT") == 1


def test_a_green_run_stays_short(green_result: RunResult, tmp_path: Path) -> None:
    text = _summary(green_result, tmp_path)
    visible = text.split("<details>", 1)[0]
    assert "###" not in visible
    assert len(visible.splitlines()) < 12


def test_every_listed_requirement_links_its_sources(result: RunResult, tmp_path: Path) -> None:
    text = _summary(result, tmp_path)
    entry = text.split(f"**{FAIL_ID}**", 1)[1].split(f"**{SECOND_FAIL_ID}**", 1)[0]
    assert "Sources: [seed][src-seed], [S1][src-S1], [C1][src-C1], [J1][src-J1]" in entry
    assert f"**{NA_ID}** (members; [J2][src-J2])" in text
    definitions = [line for line in text.splitlines() if line.startswith("[src-")]
    assert (
        "[src-C1]: <https://learn.microsoft.com/en-us/gaming/xbox-live/features/multiplayer/mpsd/how-to/"
        'live-mpsd-status-codes> "Multiplayer session status codes"' in definitions
    )
    assert {d.split("]", 1)[0][5:] for d in definitions} == set(result.sources)
