"""compare.html: several runs side by side in one self-contained page, and the writer of both files."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from conformance.report.compare import HTML_NAME, HTML_TEMPLATE, MARKDOWN_NAME, Comparison, brief
from conformance.report.compare_markdown import render_markdown
from conformance.report.html import environment
from conformance.report.view import ATTENTION, GAP, category, printable, status


def render_html(comparison: Comparison, links: Sequence[str | None] = ()) -> str:
    """compare.html: self-contained like report.html, with its stylesheet and its escaping rules."""
    template = environment().get_template(HTML_TEMPLATE)
    page = template.render(
        c=comparison,
        links=tuple(links) or (None,) * len(comparison.runs),
        attention=ATTENTION,
        status=status,
        category=category,
        brief=brief,
        gap=GAP,
    )
    return printable(page)


def report_links(comparison: Comparison, directory: Path) -> tuple[str | None, ...]:
    """Relative links from the page to each run's report.html, so that a cell opens its evidence.

    Relative paths only: the page names no origin, and a published folder of runs keeps working
    wherever it is copied to."""
    links: list[str | None] = []
    for run in comparison.runs:
        page = run.path.with_name("report.html")
        try:
            relative = os.path.relpath(page.resolve(), directory.resolve())
        except ValueError:  # another drive, on Windows
            relative = None
        links.append(quote(Path(relative).as_posix()) if relative and page.is_file() else None)
    return tuple(links)


def write_comparison(comparison: Comparison, directory: Path) -> dict[str, Path]:
    """Write compare.md and compare.html into ``directory``; return format -> path."""
    directory.mkdir(parents=True, exist_ok=True)
    pages = {
        "markdown": (MARKDOWN_NAME, render_markdown(comparison)),
        "html": (HTML_NAME, render_html(comparison, report_links(comparison, directory))),
    }
    written = {}
    for name, (filename, text) in pages.items():
        path = directory / filename
        # As write_reports: a lone surrogate from a target costs one character, not the page.
        path.write_text(text, encoding="utf-8", errors="replace")
        written[name] = path
    return written
