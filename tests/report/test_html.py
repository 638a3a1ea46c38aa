"""report.html: self-contained, safe to open whatever the target sent, failures on top."""

from __future__ import annotations

import re
from pathlib import Path

from conformance.report import write_reports
from conformance.verdicts import VERDICTS, RunResult

from .pages import Tags, assert_loads_nothing, source_links
from .runs import BLOCKED_ID, ERROR_ID, FAIL_ID, NA_ID, PASS_ID, PROBE_ID, STALE_ID, TARGET_URL, WARN_ID


def _page(result: RunResult, tmp_path: Path) -> tuple[str, Tags]:
    page = write_reports(result, tmp_path)["html"].read_text(encoding="utf-8")
    return page, Tags(page)


def test_the_page_loads_nothing_from_anywhere(result: RunResult, tmp_path: Path) -> None:
    page, _ = _page(result, tmp_path)
    assert page.startswith("<!doctype html>")
    assert_loads_nothing(page)
    # Every other URL is text: the target's own, or the one in the hostile body, escaped.
    found = set(re.findall(r"https?://[^\s'\"<>&]*", page)) - source_links()
    assert {url for url in found if not url.startswith(TARGET_URL)} == {"https://evil.test/x.png"}
    assert "&lt;img src=&#34;https://evil.test/x.png&#34;&gt;" in page


def test_markup_from_the_target_is_escaped(result: RunResult, tmp_path: Path) -> None:
    page, parsed = _page(result, tmp_path)
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;" in page
    assert "expected 201, got 500 &lt;b&gt;&#34;boom&#34;&lt;/b&gt; &amp; token" in page
    assert "\x07" not in page
    assert "\x1b" not in page
    assert "b" not in {tag for tag, _ in parsed.tags}


def test_failures_come_first_open_and_labelled(result: RunResult, tmp_path: Path) -> None:
    page, parsed = _page(result, tmp_path)
    details = [attrs for tag, attrs in parsed.tags if tag == "details"]
    order = [d["id"] for d in details]
    assert order.index(FAIL_ID) < order.index(WARN_ID) < order.index(ERROR_ID) < order.index(BLOCKED_ID)
    assert order.index(BLOCKED_ID) < order.index(STALE_ID) < order.index(PROBE_ID) < order.index(PASS_ID)
    assert order.index(PASS_ID) < order.index(NA_ID)
    opened = {d["id"] for d in details if "open" in d}
    assert opened == {FAIL_ID, "COND-IF-MATCH-STALE-412", WARN_ID, ERROR_ID, BLOCKED_ID}
    for verdict in VERDICTS:  # colour is never the only signal
        assert f'<span class="label v-{verdict}">{verdict.upper()}</span>' in page


def test_the_summary_names_the_run(result: RunResult, tmp_path: Path) -> None:
    page, _ = _page(result, tmp_path)
    header = page.split("</header>", 1)[0]
    assert 'class="banner s-error">MPSD conformance: ERROR — 2 of 7 MUST requirements fail' in header
    for fact in (
        f"<code>{TARGET_URL}</code>",
        "mpsd-conformance 0.1.0",
        "seed 1234",
        "42.0 s",
        "<th>MUST</th>",
    ):
        assert fact in header


def test_each_source_links_to_its_public_document(result: RunResult, tmp_path: Path) -> None:
    _, parsed = _page(result, tmp_path)
    links = {a["href"]: a for tag, a in parsed.tags if tag == "a" and "title" in a}
    assert links[result.sources["C1"].url]["title"] == "Multiplayer session status codes"
    assert result.sources["seed"].original in links
    assert set(links) == {u for s in result.sources.values() for u in (s.url, s.original) if u}
