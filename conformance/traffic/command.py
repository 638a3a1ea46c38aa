"""The ``check-traffic`` and ``proxy`` commands: reading or proxying, the reports, the exit codes.

Both write the usual reports (report.json with its client side, junit.xml, report.ctrf.json,
summary.md, report.html), each file scrubbed of every secret the traffic held, and exit as ``run``
does: 0 no MUST failure (on the side ``--gate`` names), 1 a MUST failure, 2 a usage error (a file
that is no capture, a capture with no MPSD exchange, a target or address that is none), 3 nothing
could be judged.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from conformance.http.redact import Redactor
from conformance.http.transport import Limits
from conformance.report import write_reports
from conformance.report.terminal import summary_lines
from conformance.traffic import capture, fold, har
from conformance.traffic.proxy import Proxy
from conformance.verdicts import EXIT_USAGE, RunResult

HAR_NAME = "traffic.har"


def _usage(message: str) -> int:
    print(f"mpsd-conformance: {' '.join(message.split())}", file=sys.stderr)
    return EXIT_USAGE


def _report(result: RunResult, directory: Path, scrub: Redactor) -> None:
    written = write_reports(result, directory, scrub=scrub.text)
    for line in summary_lines(result):
        print(line)
    for kind, path in written.items():
        print(f"{kind}: {path}")


def check_traffic(args: argparse.Namespace) -> int:
    started = time.time()
    try:
        held = capture.read(args.files)
    except capture.CaptureError as exc:
        return _usage(str(exc))
    found = fold.find(held.records)
    result = fold.result(
        found,
        command="check-traffic",
        target=fold.target_of(held.records),
        started=started,
        gate=args.gate,
        strict=args.strict,
        options={"captures": list(held.files), "exchanges": held.entries},
    )
    _report(result, (args.report_dir or Path("reports") / result.run.id).resolve(), held.redactor)
    return result.run.exit_code


def _listen(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or int(port) > 65535:
        raise ValueError(f"--listen {value!r} is no HOST:PORT")
    return host.strip("[]"), int(port)


def proxy(args: argparse.Namespace) -> int:
    target = urlsplit(args.target)
    if target.scheme not in ("http", "https") or not target.netloc:
        return _usage(f"--target {args.target!r} is no http(s) URL")
    if args.timeout <= 0 or args.max_body <= 0 or (args.duration is not None and args.duration <= 0):
        return _usage("--timeout, --max-body and --duration must be positive")
    try:
        listen = _listen(args.listen)
        server = Proxy(args.target, listen, Limits(args.timeout, args.max_body, sys.maxsize, sys.maxsize))
    except (ValueError, OSError) as exc:
        return _usage(f"cannot listen on {args.listen}: {getattr(exc, 'strerror', None) or exc}")
    started = time.time()
    stop = threading.Event()
    handlers = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.start()
        print(f"proxy listening on {server.url}, forwarding to {args.target}; Ctrl-C stops", flush=True)
        stop.wait(args.duration)
    finally:
        server.stop()
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    return finish(server, args, started)


def finish(server: Proxy, args: argparse.Namespace, started: float) -> int:
    """The proxy's reports and HAR, judged from its entries as check-traffic reads the HAR."""
    redactor = server.redactor
    records = capture.numbered(capture.from_har(server.entries, HAR_NAME, HAR_NAME, redactor, har.Callers()))
    mpsd = tuple(r for r in records if r.route is not None)
    result = fold.result(
        fold.find(mpsd),
        command="proxy",
        target=fold.target_of(mpsd, url=args.target, timeout_s=args.timeout),
        started=started,
        gate=args.gate,
        strict=args.strict,
        options={"listen": server.url, "exchanges": len(records)},
    )
    directory = (args.report_dir or Path("reports") / result.run.id).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    text = json.dumps(har.document(server.entries), indent=2, ensure_ascii=False)
    (directory / HAR_NAME).write_text(redactor.text(text) + "\n", encoding="utf-8", errors="replace")
    _report(result, directory, redactor)
    print(f"har: {directory / HAR_NAME}")
    return result.run.exit_code
