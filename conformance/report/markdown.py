"""summary.md: the run at a glance, sized for ``$GITHUB_STEP_SUMMARY`` and pull-request comments.

A green run stays a few lines; a red one lists what to fix, each with one curl line to reproduce
it, and leaves everything else to report.html. Text from the target is escaped so that a hostile
body cannot restyle or inject into the page it is shown on.
"""

from __future__ import annotations

import re
from html import escape

from msgspec import UnsetType

from conformance.report.view import (
    CLIENT_TITLE,
    GAP,
    Section,
    count_line,
    count_table,
    divergences_of,
    headline,
    nearest_text,
    oracle_line,
    printable,
    profile_notes,
    scoring_note,
    sections,
    selfproof_text,
    sent_text,
    throttling_lines,
)
from conformance.verdicts import DivergenceGroup, Divergences, LoadStats, RequirementVerdict, RunResult

# Divergence groups summary.md details (the most frequent), and checks named for each; report.html
# has them all.
DETAILED_GROUPS = 5
SHOWN_CHECKS = 3

_MARKDOWN = re.compile(r"([\\`*_\[\]|~])")
_BACKTICKS = re.compile(r"`+")


def render(result: RunResult) -> str:
    target = result.target
    profile = f" · profile {inline(result.run.profile.name)}" if result.run.profile else ""
    lines = [
        f"## {inline(headline(result))}",
        "",
        f"Target {code(target.url)}{' (embedded reference service)' if target.embedded else ''}"
        f" · contract {target.contract_version} · suite {inline(result.suite.version)}"
        f" · ledger v{result.ledger.version}{profile}"
        f" · seed {result.run.seed} · {result.run.duration_s:.1f} s",
        "",
        *_table(result),
    ]
    notes = profile_notes(result)
    proof = selfproof_text(result)
    notes += [proof] if proof else []
    if notes:
        lines += ["", *(f"- {inline(note)}" for note in notes)]
    for section in sections(result.verdicts):
        if section.attention:
            lines += ["", f"### {section.title} ({len(section.verdicts)})", ""]
            lines += [line for v in section.verdicts for line in _detailed(v)]
    lines += _client(result)
    if result.errors:
        lines += ["", f"### Harness errors ({len(result.errors)})", ""]
        lines += [f"- {inline(error)}" for error in result.errors]
    lines += _load_table(result.run.load)
    lines += _divergences(divergences_of(result))
    throttled = throttling_lines(result)
    if throttled:
        limits = ", ".join(result.run.throttling.limits) or "none configured"
        lines += ["", f"### Rate limits ({inline(limits)} per caller)", ""]
        lines += [f"- {inline(line)}" for line in throttled]
    if result.leaks:
        lines += ["", f"### Sessions left on the target ({len(result.leaks)})", ""]
        lines += [f"- {code(name)}" for name in result.leaks]
    # Passes are only counted: listing them would bury the rest.
    for section in sections(result.verdicts):
        if not section.attention and section.key != "pass":
            lines += ["", *_brief(section)]
    lines += _link_definitions(result)
    return printable("\n".join(lines)) + "\n"


def _client(result: RunResult) -> list[str]:
    """A traffic check's client side: what the requests break, for the team that writes the client."""
    if not result.client:
        return []
    lines = ["", f"### {CLIENT_TITLE}", "", inline(count_line(result.client))]
    for section in sections(result.client):
        if section.attention:
            lines += ["", f"#### {section.title} ({len(section.verdicts)})", ""]
            lines += [line for v in section.verdicts for line in _detailed(v)]
    return lines


def _sources(verdict: RequirementVerdict) -> str:
    """The requirement's sources as reference links, defined once at the end of the page."""
    return ", ".join(f"[{inline(s)}][{_label(s)}]" for s in verdict.requirement.source)


def _label(source_id: str) -> str:
    return f"src-{source_id}"


def _link_definitions(result: RunResult) -> list[str]:
    cited = {s for v in (*result.verdicts, *result.client) for s in v.requirement.source}
    definitions = [
        f'[{_label(key)}]: <{source.url}> "{inline(source.title).replace(chr(34), "")}"'
        for key, source in result.sources.items()
        if key in cited
    ]
    return ["", *definitions] if definitions else []


def _table(result: RunResult) -> list[str]:
    columns, rows = count_table(result)
    return [
        "| Level | " + " | ".join(columns) + " |",
        "|---|" + "---:|" * len(columns),
        *(f"| {level} | " + " | ".join(map(str, counts)) + " |" for level, counts in rows),
    ]


def _detailed(verdict: RequirementVerdict) -> list[str]:
    requirement = verdict.requirement
    note = scoring_note(verdict)
    lines = [
        f"- **{requirement.id}** ({inline(requirement.area)}): {inline(requirement.statement)}\\",
        f"  Reason: {inline(verdict.reason) or 'none given'}\\",
        *([f"  Profile: {inline(note)}\\"] if note else []),
        f"  Sources: {_sources(verdict)}",
    ]
    curl = _first_curl(verdict)
    if curl:
        fence = _fence(curl, 3)
        lines += [f"  {fence}sh", *(f"  {line}" for line in curl.splitlines()), f"  {fence}"]
    return lines


def _first_curl(verdict: RequirementVerdict) -> str | None:
    """The request behind the verdict: from a check that did not pass, if any carries evidence."""
    checks = sorted(verdict.checks, key=lambda c: c.outcome == "passed")
    return next((e.curl for c in checks for e in c.evidence if e.curl), None)


def _brief(section: Section) -> list[str]:
    items = []
    for verdict in section.verdicts:
        notes = [
            # Not scored gathers every verdict: say which one each has.
            f"{verdict.verdict}: {verdict.reason}" if section.key == "not-scored" else verdict.reason,
            f"baselined: {verdict.baselined.reason}" if verdict.baselined else "",
            scoring_note(verdict),
        ]
        text = " — ".join(inline(n) for n in notes if n)
        item = f"- **{verdict.requirement.id}** ({inline(verdict.requirement.area)}; {_sources(verdict)})"
        items.append(f"{item}: {text}" if text else item)
    title = f"{section.title} ({len(section.verdicts)})"
    # Stale entries need no fix to the target, but --strict fails on them: keep them in sight.
    if section.key == "stale":
        return [f"### {title}", "", "These pass now; remove them from the baseline.", "", *items]
    return [f"<details><summary>{title}</summary>", "", *items, "", "</details>"]


def inline(text: str | None) -> str:
    """One line of literal text: no HTML, no Markdown emphasis, links or table breaks."""
    return _MARKDOWN.sub(r"\\\1", escape(" ".join((text or "").split()), quote=False))


def _fence(text: str, minimum: int) -> str:
    """A backtick fence longer than any run of backticks inside ``text``, so it cannot be closed early."""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    return "`" * max(minimum, longest + 1)


def code(text: str) -> str:
    fence = _fence(text, 1)
    pad = " " if text[:1] == "`" or text[-1:] == "`" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _load_table(load: LoadStats | UnsetType) -> list[str]:
    """A load run's throughput and latency per operation (none for run)."""
    if not isinstance(load, LoadStats) or not load.operations:
        return []
    columns = ("requests", "failures", "rps", "p50_ms", "p95_ms", "p99_ms")
    lines = ["", f"### Throughput and latency ({load.duration_s:.0f} s under load)", ""]
    lines += [
        "| operation | requests | failures | req/s | p50 ms | p95 ms | p99 ms |",
        "|---" + "|--:" * 6 + "|",
    ]
    lines += [
        f"| {name} | " + " | ".join(str(getattr(row, c)) for c in columns) + " |"
        for name, row in load.operations.items()
    ]
    return lines


def _divergences(divergences: Divergences | None) -> list[str]:
    """run --oracle: every group in a table, the most frequent with both sides' curl lines."""
    if divergences is None:
        return []
    lines = [
        "",
        f"### Divergences from the reference ({divergences.total})",
        "",
        inline(oracle_line(divergences)),
    ]
    lines += [
        "",
        "An observation, never a verdict: the reference answered otherwise where no latitude allows it. "
        f"Nearest requirements are those naming what differs; none is {GAP}.",
    ]
    if not divergences.groups:
        return lines
    lines += ["", "| # | count | divergence | sent | nearest requirements |", "|---:|---:|---|---|---|"]
    for number, group in enumerate(divergences.groups, 1):
        near = inline(nearest_text(group)) if group.requirements else f"**{GAP}**"
        lines.append(
            f"| {number} | {group.count} | {inline(group.name)} | {inline(sent_text(group))} | {near} |"
        )
    for number, group in enumerate(divergences.groups[:DETAILED_GROUPS], 1):
        lines += ["", *_detailed_group(number, group)]
    if len(divergences.groups) > DETAILED_GROUPS:
        lines += ["", f"{len(divergences.groups) - DETAILED_GROUPS} more groups in report.html."]
    return lines


def _detailed_group(number: int, group: DivergenceGroup) -> list[str]:
    differs = "; ".join(
        f"{code(d.path)}: target {code(d.target)}, reference {code(d.reference)}" for d in group.differences
    )
    lines = [
        f"<details><summary>{number}. {inline(group.name)} ({group.count})</summary>",
        "",
        f"- Signature {code(group.signature)}; differs: {differs}",
        f"- Sent by: {', '.join(code(c) for c in group.checks[:SHOWN_CHECKS]) or 'no check'}"
        + (f" and {len(group.checks) - SHOWN_CHECKS} more" if len(group.checks) > SHOWN_CHECKS else ""),
    ]
    if group.consequences:
        lines.append(f"- Later differences in the sessions it set apart: {group.consequences}")
    if group.examples:
        example = group.examples[0]
        for side, exchange in (("Target", example.target), ("Reference", example.reference)):
            fence = _fence(exchange.curl, 3)
            lines += [f"- {side} answered {exchange.status}:", f"  {fence}sh"]
            lines += [*(f"  {line}" for line in exchange.curl.splitlines()), f"  {fence}"]
    return [*lines, "", "</details>"]
