"""report.html: the page a vendor publishes and an engineer debugs from.

It must open from a file, an artifact store or an air-gapped laptop and still show everything,
and it renders what a possibly hostile target sent back, so it is one self-contained page with
autoescaping on and a Content-Security-Policy that would stop anything autoescaping missed.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from conformance.http.exchange import Exchange
from conformance.report.load_chart import load_chart
from conformance.report.view import (
    CLIENT_TITLE,
    GAP,
    answer,
    count_line,
    count_table,
    divergences_of,
    headline,
    oracle_line,
    printable,
    profile_notes,
    scoring_note,
    sections,
    selfproof_text,
    sent_text,
    status,
    throttling_lines,
)
from conformance.verdicts import RunResult

TEMPLATE = "report.html.j2"


@lru_cache(maxsize=1)
def environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(Path(__file__).parent),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # Absent bodies, statuses and errors show as nothing rather than as "None".
        finalize=lambda value: "" if value is None else value,
    )
    environment.filters.update(
        text=_text,
        request=_request,
        response=_response,
        answer=answer,
        scoring=scoring_note,
        oracle=oracle_line,
        sent=sent_text,
    )
    return environment


def _text(value: Any) -> str:
    """Observation values as a reader expects them: strings bare, everything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def _request(exchange: Exchange) -> str:
    """The request as it went on the wire, so a reader can compare it with their own logs."""
    request = exchange.request
    head = [f"{exchange.method} {exchange.url}", *(f"{k}: {v}" for k, v in request.headers.items())]
    return _message(head, request.body)


def _response(exchange: Exchange) -> str:
    response = exchange.response
    if response is None:
        return answer(exchange)
    head = [f"HTTP {response.status}", *(f"{k}: {v}" for k, v in response.headers.items())]
    return _message(head, response.body)


def _message(head: list[str], body: str | None) -> str:
    return "\n".join(head) + (f"\n\n{body}" if body else "")


def render(result: RunResult) -> str:
    columns, rows = count_table(result)
    template = environment().get_template(TEMPLATE)
    page = template.render(
        result=result,
        headline=headline(result),
        status=status(result),
        columns=columns,
        rows=rows,
        sections=sections(result.verdicts),
        client_sections=sections(result.client),
        client_title=CLIENT_TITLE,
        client_counts=count_line(result.client),
        throttled=throttling_lines(result),
        profile_notes=profile_notes(result),
        selfproof=selfproof_text(result),
        load_chart=load_chart(result.run.load),
        divergences=divergences_of(result),
        gap=GAP,
    )
    return printable(page)
