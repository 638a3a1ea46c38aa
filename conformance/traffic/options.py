"""The ``check-traffic`` and ``proxy`` commands' options and help: light to import, since every
command's parser has them. The work is in ``conformance.traffic.command``, imported only when one
of them runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from conformance.config import DEFAULT_TIMEOUT_S
from conformance.http.transport import DEFAULT_MAX_BODY

GATES = ("both", "service", "client")
DEFAULT_LISTEN = "127.0.0.1:7108"
EXIT_CODES = """\
exit codes:
  0  no MUST requirement or client rule fails (on the side --gate names)
  1  one does (with --strict: also a SHOULD warning)
  2  usage error: a file that is neither HAR nor a report.json, or a capture with no MPSD exchange
  3  nothing could be judged
"""
CHECK_DESCRIPTION = """\
Judge captured traffic against the contract: HAR 1.2 files (Fiddler, mitmproxy, browser devtools)
and the transcripts of the suite's own report.json. Every MPSD session exchange (any host, any
letter case of the path) is judged on what one exchange can show (statuses and their bodies,
ETag, Content-Type, the session's schema, the request's own validity), and each session on its
sequence (change numbers, ETags, If-Match and If-None-Match against the ETags the capture had
shown). The report has two sides: what the answers break (the service's to fix) and what the
requests break (the client's). Requirements no capture can show are not applicable, never passed."""
CHECK_EPILOG = (
    """\
examples:
  mpsd-conformance check-traffic game-session.har
  mpsd-conformance check-traffic capture-*.har --gate service --report-dir out/

"""
    + EXIT_CODES
)
PROXY_DESCRIPTION = """\
A reverse proxy to point a real client at. It forwards every request to --target unchanged (only
to the target's host, each bounded in time and body size), judges each exchange as it passes,
prints a line per finding, and when stopped (Ctrl-C, SIGTERM, or after --duration) writes the
reports and traffic.har, a HAR of what it saw with its secrets taken out, which check-traffic
judges the same way."""
PROXY_EPILOG = (
    """\
example:
  mpsd-conformance proxy --target https://mpsd.example.test --listen 127.0.0.1:7108

"""
    + EXIT_CODES
)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--gate",
        choices=GATES,
        default="both",
        help="which side's failures set the exit code: the service's answers, the client's requests, "
        "or both (default)",
    )
    parser.add_argument("--strict", action="store_true", help="SHOULD warnings fail too")
    parser.add_argument(
        "--report-dir", type=Path, metavar="DIR", help="where the reports go (default reports/<run-id>/)"
    )


def add_check_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="a HAR file or a report.json")
    _common(parser)


def add_proxy_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", required=True, metavar="URL", help="the MPSD service to forward to")
    parser.add_argument(
        "--listen",
        default=DEFAULT_LISTEN,
        metavar="HOST:PORT",
        help="where the client connects (default %(default)s; port 0 takes a free one)",
    )
    parser.add_argument(
        "--duration",
        type=float,
        metavar="SECONDS",
        help="stop after this long (default: at Ctrl-C or SIGTERM)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        metavar="SECONDS",
        help="the longest one request may take at the target, in all (default %(default)g)",
    )
    parser.add_argument(
        "--max-body",
        type=int,
        default=DEFAULT_MAX_BODY,
        metavar="BYTES",
        help="the largest request or response body passed on (default %(default)d)",
    )
    _common(parser)
