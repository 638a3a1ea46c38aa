"""The ``mpsd-conformance`` command: argument parsing only; the work happens in the modules it calls."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from conformance import __version__
from conformance.options import TARGET, add_cli_arguments, options_from_cli

EXIT_CODES = """\
exit codes:
  0  no MUST requirement fails (of those the run's profile scores; see --profile)
  1  a MUST requirement fails (with --strict: also a SHOULD warning or a stale baseline entry)
  2  usage or configuration error (also: the target refuses a configured credential)
  3  the target cannot be reached or stopped answering, nothing could be judged, or the harness failed
"""

RUN_EPILOG = (
    """\
examples:
  mpsd-conformance run                                  # test the embedded reference service
  mpsd-conformance run --config target.toml             # test your service
  mpsd-conformance run --config target.toml --target http://127.0.0.1:8080 --select 'COND-*'
  mpsd-conformance run --fault create-200               # watch the suite catch a defect

target.toml (secrets may come from MPSD_USER_<n>_AUTHORIZATION / MPSD_SERVER_AUTHORIZATION):
  [target]
  url = "https://mpsd.example.test"
  scid = "00000000-0000-0000-0000-0000000000ab"
  template = "conformance"      # leaves visibility, maxMembersCount and timeouts to the creator
  contract_version = 107
  timeout_s = 10
  [[users]]                     # at least 2; a 3rd enables more scenarios
  xuid = "2814000000000001"
  authorization = "XBL3.0 x=-;tok-a"
  [server]                      # optional server principal
  authorization = "XBL3.0 x=-;tok-srv"

"""
    + EXIT_CODES
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mpsd-conformance",
        description="Does a service implement the MPSD session PUT contract? Runs the conformance suite "
        "against it (or against the embedded reference service) and writes a report.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"mpsd-conformance {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="run the suite against a target (default: the embedded reference)",
        description="Run the conformance suite. Without --config or --target it starts the embedded "
        "reference service on loopback and tests that.",
        epilog=RUN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_cli_arguments(run)

    serve = commands.add_parser(
        "serve",
        help="run the reference MPSD service on its own (a local MPSD stand-in)",
        description="Serve the reference MPSD service until interrupted.",
    )
    from conformance.reference import serve as reference_serve

    reference_serve.add_arguments(serve)

    selftest = commands.add_parser(
        "selftest",
        help="prove the suite: every fault of the fault model caught, every latitude variant passed",
        description="Mutation score of the suite: the whole scenario suite runs against the clean reference "
        "and against the reference with each fault on (one tenant per fault). Every fault must fail exactly "
        "the requirements it declares. False-failure score: the suite runs against a reference making each "
        "choice the documents leave a service (latitude.yaml), alone and all at once, and must pass each "
        "with no failure or warning. Writes selftest.json; exit 0 when the suite is sound, 1 otherwise.",
    )
    selftest.add_argument("--fault", action="append", default=[], metavar="NAME", help="only these faults")
    selftest.add_argument(
        "-n", "--workers", default="auto", metavar="N", help="parallel workers (default auto)"
    )
    selftest.add_argument(
        "--report-dir", type=Path, metavar="DIR", help="where selftest.json goes (default reports/)"
    )
    selftest.add_argument(
        "--oracle",
        action="store_true",
        help="also prove run --oracle: no divergence on the clean reference nor on every latitude at once, "
        "and for each fault no check catches, whether divergences show it (as the fault model records); "
        "prints faults caught by checks, and by checks or divergences",
    )
    selftest.add_argument(
        "--exhaustive", action="store_true",
        help="run every check against every fault and latitude variant (slow; by default a check runs "
        "against a fault only if its requests reached the code the fault changes, and against a variant "
        "only if they read an option it changes, which gives the same verdicts)",
    )  # fmt: skip

    from conformance.load import options as load_options  # light: Locust waits for load's run

    load = commands.add_parser(
        "load",
        help="many simulated players at once (Locust): judge the load invariants (LOAD-*)",
        description=load_options.DESCRIPTION,
        epilog=load_options.EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    load_options.add_arguments(load)

    replay = commands.add_parser(
        "replay",
        help="send again what each failure of a report sent, and say whether it is fixed",
        description="Replay a report's failed and warned checks against the target as it is now, with "
        "its current credentials and fresh session names: a scenario check runs again, a fuzz finding's "
        "request (a stateful finding's whole sequence) is sent again, and each is judged as its check "
        "judges it: fixed, still failing (the same reason), failing differently (the new reason shown), "
        "or not judged (no answer that is a verdict). Writes replay.json. Without --config or --target "
        "it replays against the embedded reference.",
        epilog="exit codes:\n  0  every failure is fixed\n  1  a failure still happens, or differently\n"
        "  2  usage or configuration error\n  3  a failure could not be judged (blocked, unreachable)\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    replay.add_argument("report", type=Path, metavar="REPORT", help="a report.json of an earlier run")
    add_cli_arguments(replay, only=(TARGET,))
    replay.add_argument(
        "--select", action="append", default=[], metavar="ID", help="only these requirements (shell pattern)"
    )
    replay.add_argument(
        "--report-dir", type=Path, metavar="DIR", help="where replay.json goes (default reports/)"
    )

    from conformance.traffic import options as traffic

    check = commands.add_parser(
        "check-traffic",
        help="judge captured traffic (HAR files, report.json transcripts): what the answers and the "
        "requests break",
        description=traffic.CHECK_DESCRIPTION,
        epilog=traffic.CHECK_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    traffic.add_check_arguments(check)
    proxy = commands.add_parser(
        "proxy",
        help="a reverse proxy that judges a real client's traffic live and writes the reports and a HAR",
        description=traffic.PROXY_DESCRIPTION,
        epilog=traffic.PROXY_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    traffic.add_proxy_arguments(proxy)

    requirements = commands.add_parser("requirements", help="list the requirement ledger")
    requirements.add_argument(
        "--select", action="append", default=[], metavar="PATTERN", help="filter by ID pattern"
    )
    requirements.add_argument(
        "--profiles",
        action="store_true",
        help="list the requirement profiles (what each suite release scores) instead; 'run --profile NAME' "
        "scores one",
    )

    compare = _reads_reports(
        commands,
        "compare",
        help="compare runs: targets x requirements, and what changed between two runs of one target",
        description="Put runs side by side (a targets x requirements matrix with totals per level) and, for "
        "exactly two runs of the same target, list what is newly failing, newly passing, stale in the "
        "baseline or present in one run only. Writes compare.md and compare.html. Exit 0 whatever the "
        "runs say (compare does not judge); 2 when a report cannot be read or is not a valid report.",
        epilog="examples:\n  mpsd-conformance compare reports/                 # every run under reports/\n"
        "  mpsd-conformance compare old/report.json new/ --out compare/",
        reports="a report.json, a run's report folder, or a folder of runs (searched recursively)",
    )
    compare.add_argument(
        "--out", type=Path, default=Path("."), metavar="DIR",
        help="where compare.md and compare.html go (default: the current directory)",
    )  # fmt: skip

    merge = _reads_reports(
        commands,
        "merge",
        help="judge the reports of a sharded fuzz campaign (run --shard K/N) together, as one run",
        description="Fold the check results of every shard of one campaign into one report, judged as a "
        "single run would judge them, and exit with that run's exit code. The reports must share target, "
        "suite, ledger and seed, and hold each shard of N exactly once (exit 2 otherwise).",
        epilog="example (one folder per CI job):\n"
        "  mpsd-conformance merge shard-1/ shard-2/ shard-3/ --out merged/",
        reports="a shard's report.json or its folder, or a folder holding several (searched recursively)",
    )
    merge.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="where the merged reports go (default reports/<run-id>-merged/)",
    )

    badge = commands.add_parser(
        "badge",
        help="write an SVG badge for a run (passed MUST over applicable MUST)",
        description="Write a small self-contained SVG badge, e.g. 'MPSD PUT | 68/68 MUST': green when every "
        "applicable MUST passes, red when one fails (baselined or not), amber when some are blocked, "
        "orange when the run errored, grey when no MUST applied. Exit 2 when the report cannot be read "
        "or is not a valid report.",
    )
    badge.add_argument(
        "report", type=Path, metavar="REPORT", help="a report.json, or the run folder holding it"
    )
    badge.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help="where to write the SVG (default: badge.svg next to the report)",
    )
    return parser


def _reads_reports(
    commands: Any, name: str, *, help: str, description: str, epilog: str, reports: str
) -> argparse.ArgumentParser:
    """A command that reads the reports of earlier runs (compare, merge)."""
    parser: argparse.ArgumentParser = commands.add_parser(
        name, help=help, description=description, epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    parser.add_argument("reports", nargs="+", type=Path, metavar="REPORT", help=reports)
    return parser


def _run(args: argparse.Namespace) -> int:
    from conformance.runner import describe, run

    outcome = run(options_from_cli(args))
    stream = sys.stderr if outcome.exit_code == 2 else sys.stdout
    for line in describe(outcome):
        print(f"mpsd-conformance: {line}" if outcome.exit_code == 2 else line, file=stream)
    return outcome.exit_code


def _selftest(args: argparse.Namespace) -> int:
    import json

    from conformance.runner import NotCollected
    from conformance.selftest import run_selftest, summary_lines

    try:
        result = run_selftest(args.fault, str(args.workers), args.exhaustive, args.oracle)
    except ValueError as exc:
        print(f"mpsd-conformance: {exc}", file=sys.stderr)
        return 2
    except NotCollected as exc:
        print(f"mpsd-conformance: selftest: {exc}", file=sys.stderr)
        return 3
    directory = args.report_dir or Path("reports")
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "selftest.json"
    path.write_text(json.dumps(result.to_dict(), indent=2) + "\n", encoding="utf-8")
    for line in [*summary_lines(result), f"report: {path.resolve()}"]:
        print(line)
    return 0 if result.ok else 1


def _replay(args: argparse.Namespace) -> int:
    import msgspec

    from conformance.config import ConfigError
    from conformance.embedded import embedded_reference
    from conformance.replay import replay_report, summary_lines
    from conformance.report import ReportError, load_report
    from conformance.report.json_report import result_from_report
    from conformance.runner import resolve_target

    options = options_from_cli(args)
    try:
        result = result_from_report(load_report(args.report))
        target = resolve_target(options)
    except (ReportError, ConfigError) as exc:
        print(f"mpsd-conformance: {exc}", file=sys.stderr)
        return 2
    with contextlib.ExitStack() as stack:
        if options.embedded:
            try:
                target = stack.enter_context(embedded_reference(target, options.faults))
            except (KeyError, ValueError) as exc:
                print(f"mpsd-conformance: cannot start the embedded reference: {exc}", file=sys.stderr)
                return 2
            # A defect injected on purpose makes the reference log the crashes it answers with 500.
            logging.getLogger("conformance.reference").setLevel(logging.CRITICAL)
        report = replay_report(result, target, args.select)
    directory = args.report_dir or Path("reports")
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "replay.json"
    path.write_bytes(msgspec.json.format(msgspec.json.encode(report), indent=2) + b"\n")
    for line in [*summary_lines(report), f"replay: {path.resolve()}"]:
        print(line)
    return report.exit_code


def _requirements(args: argparse.Namespace) -> int:
    from conformance.ledger import load_ledger

    if args.profiles:
        return _profiles()
    for r in load_ledger().select(args.select):
        needs = f"  [needs {', '.join(r.needs)}]" if r.needs else ""
        print(f"{r.id:34} {r.level:6} {r.statement}{needs}")
    return 0


def _profiles() -> int:
    from conformance.ledger import load_ledger
    from conformance.profiles import load_profiles

    ledger, profiles = load_ledger(), load_profiles()
    for p in profiles.profiles:
        counts = ", ".join(f"{n} {level}" for level, n in p.counts().items())
        added, retired = sum(r.id not in p.levels for r in ledger), p.retired(ledger)
        notes = [
            f"{added} added to the ledger since (not scored)" if added else "",
            f"{len(retired)} no longer in the ledger (not run)" if retired else "",
            "the default" if p is profiles.newest else "",
        ]
        line = f"{p.name:14} released {p.released}  suite {p.suite}  {len(p.levels)} requirements ({counts})"
        print("; ".join([line, *(n for n in notes if n)]))
    return 0


def _compare(args: argparse.Namespace) -> int:
    from conformance.report import ReportError
    from conformance.report.compare import compare
    from conformance.report.compare_html import write_comparison

    try:
        written = write_comparison(compare(args.reports), args.out)
    except (ReportError, OSError) as exc:
        print(f"mpsd-conformance: {_one_line(exc)}", file=sys.stderr)
        return 2
    for name, path in written.items():
        print(f"{name}: {path.resolve()}")
    return 0


def _merge(args: argparse.Namespace) -> int:
    from conformance.report import ReportError, write_reports
    from conformance.report.merge import merge
    from conformance.report.terminal import summary_lines

    try:
        result = merge(args.reports)
        written = write_reports(result, args.out or Path("reports") / result.run.id)
    except (ReportError, OSError) as exc:
        print(f"mpsd-conformance: {_one_line(exc)}", file=sys.stderr)
        return 2
    for line in summary_lines(result):
        print(line)
    print(f"merged shards: {', '.join(result.options['merged'])}")
    for name, path in written.items():
        print(f"{name}: {path.resolve()}")
    return result.run.exit_code


def _badge(args: argparse.Namespace) -> int:
    from conformance.report import ReportError
    from conformance.report.badge import write_badge

    try:
        path = write_badge(args.report, args.out)
    except (ReportError, OSError) as exc:
        print(f"mpsd-conformance: {_one_line(exc)}", file=sys.stderr)
        return 2
    print(f"badge: {path.resolve()}")
    return 0


def _one_line(exc: Exception) -> str:
    """A ReportError names its file already; an OSError (an unwritable --out) is given its file."""
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.filename}: {exc.strerror}"
    return " ".join(str(exc).split())


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _dispatch(argv)
    except BrokenPipeError:
        # Output piped into `head` and the like: stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _dispatch(argv: Sequence[str] | None) -> int:
    if (sys.argv[1:] if argv is None else list(argv))[:1] == ["load"]:
        # Locust patches the process with gevent when imported, which must come before anything
        # imports ssl (requests, urllib3); only the load command ever gets here.
        import locust  # noqa: F401

    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "run":
        return _run(args)
    if args.command == "serve":
        from conformance.reference import serve as reference_serve

        return reference_serve.run(args)
    if args.command == "selftest":
        return _selftest(args)
    if args.command == "load":
        from conformance.load import command as load_command

        return load_command.run(args)
    if args.command == "replay":
        return _replay(args)
    if args.command == "check-traffic":
        from conformance.traffic import command as traffic

        return traffic.check_traffic(args)
    if args.command == "proxy":
        from conformance.traffic import command as traffic

        return traffic.proxy(args)
    if args.command == "requirements":
        return _requirements(args)
    if args.command == "compare":
        return _compare(args)
    if args.command == "merge":
        return _merge(args)
    if args.command == "badge":
        return _badge(args)
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
