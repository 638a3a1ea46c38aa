"""The load run's latency chart: an inline SVG (no script, no external asset), one row per operation.

report.html must open anywhere and allows nothing but inline styles, so the chart is drawn here
as plain SVG elements: for each operation its p50, p95 and p99 latency as bars on one scale, with
the throughput beside it.
"""

from __future__ import annotations

from html import escape

from markupsafe import Markup
from msgspec import UnsetType

from conformance.verdicts import LoadStats

PERCENTILES = (("p50_ms", "p50", "#4c9a2a"), ("p95_ms", "p95", "#d9a400"), ("p99_ms", "p99", "#c0392b"))
ROW, BAR, LABEL_W, BAR_W, RATE_W = 46, 12, 90, 420, 150


def load_chart(load: LoadStats | UnsetType) -> Markup:
    if not isinstance(load, LoadStats) or not load.operations:
        return Markup("")
    operations = load.operations
    longest = (
        max((getattr(row, key) for row in operations.values() for key, _, _ in PERCENTILES), default=0) or 1
    )
    height = ROW * len(operations) + 30
    width = LABEL_W + BAR_W + RATE_W
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        "<title>Latency per operation (p50, p95, p99) and throughput</title>",
    ]
    for i, (name, row) in enumerate(operations.items()):
        top = i * ROW + 4
        parts.append(f'<text x="0" y="{top + 2 * BAR}">{escape(name)}</text>')
        for j, (key, label, colour) in enumerate(PERCENTILES):
            y = top + j * BAR
            value = getattr(row, key)
            length = max(1.0, BAR_W * value / longest)
            parts.append(
                f'<rect x="{LABEL_W}" y="{y}" width="{length:.1f}" height="{BAR - 2}" fill="{colour}">'
                f"<title>{escape(name)} {label}: {value:.1f} ms</title></rect>"
            )
            parts.append(f'<text x="{LABEL_W + length + 4:.1f}" y="{y + BAR - 3}">{value:.0f} ms</text>')
        parts.append(
            f'<text x="{LABEL_W + BAR_W + 50}" y="{top + 2 * BAR}">'
            f"{row.rps:.1f} req/s ({row.requests})</text>"
        )
    legend_y = ROW * len(operations) + 18
    for j, (_, label, colour) in enumerate(PERCENTILES):
        x = LABEL_W + j * 70
        parts.append(f'<rect x="{x}" y="{legend_y - 9}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{x + 14}" y="{legend_y}">{label}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
