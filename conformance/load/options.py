"""The ``load`` command's options and help: light to import, since every command's parser has them.

The work is in ``conformance.load.command``, imported only when ``load`` runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from conformance.load.plan import (
    DEFAULT_DURATION_S,
    DEFAULT_GROUP_SIZE,
    DEFAULT_SPAWN_RATE,
    DEFAULT_USERS,
    DEFAULT_WRITES,
)
from conformance.options import TARGET, add_cli_arguments

DEFAULT_MASTER_PORT = 5557

DESCRIPTION = """\
Many simulated players at once (Locust), each running the flows real clients run: the first of a
group creates a session, the others join it by name, make synchronized property writes (If-Match,
retried on 412) and leave, again and again, racing for the last seat. What they saw, and a final
read of every session, is judged against the ledger's load requirements (LOAD-*): one winner per
ETag, never more members than maxMembersCount, no acknowledged write lost, changeNumber never going
back, membersInfo matching the members, no 5xx. Writes report.json, junit.xml, report.ctrf.json,
summary.md and report.html, with throughput and latency per operation.

Players are the target's identities, dealt into groups of --group-size (at most one per identity);
every request is paced under the target's rate limits. Without --config or --target the embedded
reference is started on loopback (with 8 identities)."""

EPILOG = """\
examples:
  mpsd-conformance load                                 # 15 s, 24 players, the embedded reference
  mpsd-conformance load --config target.toml --users 200 --spawn-rate 20 --duration 120
  mpsd-conformance load --fault racy-capacity           # watch it catch two joiners on one seat

distributed (Locust master/worker; the master judges and writes the reports):
  mpsd-conformance load --config target.toml --master --expect-workers 2 --users 400
  mpsd-conformance load --config target.toml --worker --master-host 10.0.0.5     # on each machine

exit codes: 0 every load invariant held; 1 one was violated; 2 usage or configuration error;
3 the target could not be reached, nothing could be judged, or a worker went missing
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_cli_arguments(parser, only=(TARGET,))
    profile = parser.add_argument_group("profile")
    profile.add_argument(
        "-u", "--users", type=_positive_int, default=DEFAULT_USERS, metavar="N",
        help=f"simulated players in all (default {DEFAULT_USERS})",
    )  # fmt: skip
    profile.add_argument(
        "-r", "--spawn-rate", type=float, default=DEFAULT_SPAWN_RATE, metavar="N",
        help=f"players started per second (default {DEFAULT_SPAWN_RATE:g})",
    )  # fmt: skip
    profile.add_argument(
        "-t", "--duration", type=float, default=DEFAULT_DURATION_S, metavar="SECONDS",
        help=f"how long the players play (default {DEFAULT_DURATION_S:g})",
    )  # fmt: skip
    profile.add_argument(
        "--group-size", type=_positive_int, default=DEFAULT_GROUP_SIZE, metavar="N",
        help=f"players per session, at most one per identity; the session has one seat fewer "
        f"(default {DEFAULT_GROUP_SIZE})",
    )  # fmt: skip
    profile.add_argument(
        "--writes", type=_positive_int, default=DEFAULT_WRITES, metavar="N",
        help=f"synchronized property writes per visit (default {DEFAULT_WRITES})",
    )  # fmt: skip
    distributed = parser.add_argument_group("distributed (Locust master/worker)")
    role = distributed.add_mutually_exclusive_group()
    role.add_argument("--master", action="store_true", help="run no players; drive --expect-workers workers")
    role.add_argument("--worker", action="store_true", help="run players for the master at --master-host")
    distributed.add_argument(
        "--master-host", default="127.0.0.1", metavar="HOST", help="where the master is (workers)"
    )
    distributed.add_argument(
        "--master-bind-host", default="*", metavar="HOST", help="the master's interface (default all)"
    )
    distributed.add_argument(
        "--master-port", type=int, default=DEFAULT_MASTER_PORT, metavar="PORT",
        help=f"the master's port (default {DEFAULT_MASTER_PORT})",
    )  # fmt: skip
    distributed.add_argument(
        "--expect-workers", type=_positive_int, default=1, metavar="N",
        help="workers the master waits for before it starts (default 1)",
    )  # fmt: skip
    parser.add_argument(
        "--report-dir", type=Path, metavar="DIR", help="where the reports go (default reports/<run-id>/)"
    )


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value
