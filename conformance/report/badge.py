"""badge.svg: one run in a README-sized picture, e.g. ``MPSD PUT | 68/68 MUST``.

Made locally from report.json so that publishing a result needs no badge service (which would
learn about every page the badge is shown on) and works offline. The count is passed MUST over
applicable MUST, as the headline of summary.md counts it. The colour follows the MUST results,
and the count or the word "error" says the same thing for readers who cannot tell the colours
apart. A badge is a public claim about the target, so a failure the vendor's baseline accepts
still shows red: the baseline decides what fails a CI job, not what the service does. The SVG is
plain text: every string escaped, a <title> for screen readers and hover, and no fonts, images or
links from anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path

from conformance.report.compare import load_run, must_score
from conformance.report.view import headline, printable, status
from conformance.verdicts import RunResult

BADGE_NAME = "badge.svg"
LABEL = "MPSD PUT"
LABEL_COLOUR = "#555"
# Dark enough for white text to read (contrast 4.5:1 or better) on every one of them.
COLOURS = {
    "passed": "#1a7f37",  # every applicable MUST passes
    "failed": "#cf222e",  # a MUST fails, even one the vendor's baseline accepts
    "incomplete": "#9a6700",  # no MUST fails, but some could not be checked (blocked)
    "error": "#bc4c00",  # the run errored (exit 3): no count can be trusted
    "empty": "#6e7781",  # no applicable MUST requirement was run
}
# Approximate advance widths of Verdana at 11 px; textLength below makes the text fit exactly.
_WIDTHS = {" ": 3.9, "/": 5.0, ".": 3.9, "i": 3.1, "l": 3.1, "I": 4.3, "r": 4.7, "t": 4.3, "f": 3.9,
           "M": 9.9, "W": 11.0, "m": 10.7, "w": 9.0}  # fmt: skip


@dataclass(frozen=True)
class Badge:
    label: str
    message: str
    state: str  # a key of COLOURS
    title: str

    @property
    def colour(self) -> str:
        return COLOURS[self.state]


def badge_for(result: RunResult) -> Badge:
    score = must_score(result)
    if status(result) == "ERROR":
        state, message = "error", "error"
    else:
        message = f"{score} MUST"
        if score.failed:
            state = "failed"
        elif not score.applicable:
            state = "empty"
        elif score.passed == score.applicable:
            state = "passed"
        else:
            state = "incomplete"
    where = f"{result.target.url}, run {result.run.id}, {result.run.started_at}"
    return Badge(LABEL, message, state, f"{headline(result)} ({where})")


def render(badge: Badge) -> str:
    left, right = _width(badge.label) + 12, _width(badge.message) + 12
    width = left + right
    accessible = f"{badge.label}: {badge.message}"
    texts = "".join(
        _text(text, x, length)
        for text, x, length in (
            (badge.label, left / 2, _width(badge.label)),
            (badge.message, left + right / 2, _width(badge.message)),
        )
    )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img"'
        f' aria-label="{_xml(accessible)}">\n'
        f"<title>{_xml(badge.title)}</title>\n"
        # Rounded ends without a clip path: the whole badge in the message colour, the label's
        # part over it, squared off where the two meet.
        f'<rect width="{width}" height="20" rx="3" fill="{badge.colour}"/>\n'
        f'<rect width="{left}" height="20" rx="3" fill="{LABEL_COLOUR}"/>\n'
        f'<rect x="{left - 3}" width="3" height="20" fill="{LABEL_COLOUR}"/>\n'
        '<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif"'
        ' font-size="11">\n'
        f"{texts}</g>\n</svg>\n"
    )
    return printable(svg)


def _text(text: str, x: float, length: int) -> str:
    common = f'x="{x:g}" textLength="{length}" lengthAdjust="spacingAndGlyphs"'
    shadow = (
        f'<text {common} y="15" fill="#010101" fill-opacity=".3" aria-hidden="true">{_xml(text)}</text>\n'
    )
    return shadow + f'<text {common} y="14">{_xml(text)}</text>\n'


def _width(text: str) -> int:
    def advance(char: str) -> float:
        return _WIDTHS.get(char) or (7.5 if char.isupper() else 7.0 if char.isdigit() else 6.4)

    return round(sum(map(advance, text)))


def _xml(text: str) -> str:
    return escape(printable(text), quote=True)


def write_badge(report: Path, out: Path | None = None) -> Path:
    """Write the badge for ``report`` (a report.json or its folder); by default next to it."""
    result = load_run(report)
    folder = report if report.is_dir() else report.parent
    path = out or folder / BADGE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(badge_for(result)), encoding="utf-8")
    return path
