"""Turn a finished run into the files vendors publish and CI gates on.

Reporters only format: they never run checks or talk HTTP, so a report can be regenerated from
a ``RunResult`` alone and every format tells the same story.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conformance.report import ctrf, html, json_report, junit, markdown
from conformance.report.json_report import ReportError, load_report, to_dict
from conformance.verdicts import RunResult

__all__ = ["FILES", "ReportError", "load_report", "to_dict", "write_reports"]

# format -> (file name, renderer)
FILES: dict[str, tuple[str, Callable[[RunResult], str]]] = {
    "json": ("report.json", json_report.render),
    "junit": ("junit.xml", junit.render),
    "markdown": ("summary.md", markdown.render),
    "html": ("report.html", html.render),
    "ctrf": ("report.ctrf.json", ctrf.render),
}


def write_reports(
    result: RunResult, directory: Path, scrub: Callable[[str], str] = lambda s: s
) -> dict[str, Path]:
    """Write every format into ``directory`` and return format -> path.

    ``scrub`` sees each file's final text: the evidence is redacted upstream, and this is the
    last chance to catch a secret that slipped through (an echoed token in a response body).
    """
    directory.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, (filename, render) in FILES.items():
        path = directory / filename
        # A lone surrogate (a JSON "\\ud800" from the target) cannot be encoded; losing the whole
        # report to it at the end of a run would be worse than one replaced character.
        path.write_text(scrub(render(result)), encoding="utf-8", errors="replace")
        written[name] = path
    return written
