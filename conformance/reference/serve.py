"""The ``serve`` command: run the reference MPSD service until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

from conformance.config import ConfigError, load_target
from conformance.ratelimit import parse_limits
from conformance.reference.config import ReferenceConfig
from conformance.reference.faults import FAULTS
from conformance.reference.server import ReferenceServer

DESCRIPTION = "Run the reference MPSD service: the documented session PUT contract, for local development."
DEFAULT_PORT = 7107


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument(
        "--port",
        type=int,
        help=f"port to listen on (default: the --config URL's port, else {DEFAULT_PORT}; 0 = any)",
    )
    parser.add_argument(
        "--db", type=Path, metavar="FILE", help="keep sessions in this SQLite file (default: memory)"
    )
    parser.add_argument(
        "--fault", action="append", default=[], metavar="NAME", help="switch on a named fault (repeatable)"
    )
    parser.add_argument("--list-faults", action="store_true", help="list the fault names and exit")
    parser.add_argument(
        "--rate-limit",
        metavar="LIMITS",
        help="throttle each caller per scid as MPSD does: 429 with its JSON body and Retry-After past "
        "any window, e.g. 30/15,300/300 (calls/seconds); default: no throttling",
    )
    parser.add_argument(
        "--config",
        type=Path,
        metavar="target.toml",
        help="serve this target file's scid, template, users and server principal",
    )


def run(args: argparse.Namespace) -> int:
    if args.list_faults:
        width = max(len(name) for name in FAULTS)
        for fault in FAULTS.values():
            print(f"{fault.name:<{width}}  {fault.description}")
        return 0
    unknown = [name for name in args.fault if name not in FAULTS]
    if unknown:
        print(f"error: unknown fault {unknown[0]!r}; --list-faults shows the names", file=sys.stderr)
        return 2
    try:
        config, port = _configure(args)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()
    handlers = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with ReferenceServer(config, host=args.host, port=port) as server:
            _announce(server.url, config, show_secrets=args.config is None)
            while not stop.wait(0.5):
                pass
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{port} ({exc.strerror or exc})", file=sys.stderr)
        return 2
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    print("stopped", flush=True)
    return 0


def _configure(args: argparse.Namespace) -> tuple[ReferenceConfig, int]:
    faults = frozenset(args.fault)
    try:
        limits = parse_limits(args.rate_limit or "none")
    except ValueError as exc:
        raise ConfigError(f"--rate-limit: {exc}") from None
    if args.config is None:
        config = ReferenceConfig(faults=faults, db=args.db, rate_limits=limits)
        return config, DEFAULT_PORT if args.port is None else args.port
    target = load_target(args.config)
    url = urlsplit(target.url)
    port = args.port if args.port is not None else url.port or (443 if url.scheme == "https" else 80)
    return ReferenceConfig.from_target(target, faults=faults, db=args.db, rate_limits=limits), port


def _announce(url: str, config: ReferenceConfig, *, show_secrets: bool) -> None:
    """What a developer needs to point a client at this service.

    The built-in identities are local development names, so they are shown; identities from a
    target file may be real credentials, so only their xuids are.
    """
    lines = [f"reference MPSD service listening on {url}"]
    lines += [f"  scid {scid}" for scid in config.scids]
    lines.append(f"  templates: {', '.join(sorted(config.templates))}")
    for user in config.users:
        secret = f"  Authorization: {user.authorization}" if show_secrets else ""
        lines.append(f"  user xuid {user.xuid}{secret}")
    if config.server_authorization:
        secret = f"  Authorization: {config.server_authorization}" if show_secrets else ""
        lines.append(f"  server principal{secret}")
    if config.faults:
        lines.append(f"  faults on: {', '.join(sorted(config.faults))}")
    if config.rate_limits:
        lines.append(f"  throttling each caller per scid at {', '.join(map(str, config.rate_limits))}")
    lines.append(f"  sessions kept in {config.db or 'memory'}; Ctrl-C stops")
    print("\n".join(lines), flush=True)
