"""The run options are declared once: the CLI's ``run`` flags and the plugin's ``--mpsd-*`` options
are derived from one table, so they share names, defaults, meanings and help; a run's setup
reaches an xdist worker intact, as plain data."""

from __future__ import annotations

import argparse
import dataclasses
import socket
from pathlib import Path

import pytest

from conformance.cli import _parser
from conformance.config import Target, User
from conformance.handoff import RunSetup
from conformance.options import RunOptions, options_from_cli, options_from_pytest, table
from conformance.ratelimit import RateLimit
from conformance.runner import accepts_connections, workers_for
from conformance.shard import Shard

# The same request in both spellings: (run flag, pytest flag, value), and the options it means.
GIVEN = [
    ("config", "target.toml"),
    ("target", "https://mpsd.vendor.test"),
    ("scid", "scid-1"),
    ("template", "conformance"),
    ("contract-version", "105"),
    ("rate-limit", "30/15,300/300"),
    ("select", "COND-*"),
    ("select", "PUT-*"),
    ("strict", None),
    ("oracle", "strict"),
    ("baseline", "known.yaml"),
    ("profile", "mpsd-2026.12"),
    ("time-budget", "90"),
    ("fuzz-examples", "7"),
    ("fuzz-shrink-budget", "0"),
    ("seed", "random"),
    ("shard", "2/3"),
    ("report-dir", "out"),
]
MEANT = RunOptions(
    config=Path("target.toml"),
    target="https://mpsd.vendor.test",
    scid="scid-1",
    template="conformance",
    contract_version=105,
    rate_limit="30/15,300/300",
    select=("COND-*", "PUT-*"),
    strict=True,
    oracle="strict",
    baseline=Path("known.yaml"),
    profile="mpsd-2026.12",
    time_budget_s=90.0,
    fuzz_examples=7,
    fuzz_shrink_budget=0,
    seed="random",
    shard=Shard(2, 3),
    report_dir=Path("out"),
)


def _argv(prefix: str) -> list[str]:
    return [arg for name, value in GIVEN for arg in (prefix + name, value) if arg is not None]


def _run_command() -> argparse.ArgumentParser:
    commands = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    return commands.choices["run"]


def test_run_without_flags_means_the_tables_defaults() -> None:
    assert options_from_cli(_parser().parse_args(["run"])) == RunOptions()


def test_pytest_without_options_means_the_tables_defaults(pytester: pytest.Pytester) -> None:
    assert options_from_pytest(pytester.parseconfig(), fuzz=True) == RunOptions()


def test_a_flag_means_the_same_in_both_spellings(pytester: pytest.Pytester) -> None:
    assert options_from_cli(_parser().parse_args(["run", *_argv("--")])) == MEANT
    assert options_from_pytest(pytester.parseconfig(*_argv("--mpsd-")), fuzz=True) == MEANT


def test_the_oracle_alone_means_on_in_both_spellings(pytester: pytest.Pytester) -> None:
    assert options_from_cli(_parser().parse_args(["run", "--oracle", "--strict"])).oracle == "on"
    assert options_from_pytest(pytester.parseconfig("--mpsd-oracle"), fuzz=True).oracle == "on"
    with pytest.raises(SystemExit):
        _parser().parse_args(["run", "--oracle", "loose"])


def test_every_run_flag_and_every_mpsd_option_is_a_row_of_the_table(pytester: pytest.Pytester) -> None:
    rows = [flag for _, flag, _ in table()]
    run_flags = {s for action in _run_command()._actions for s in action.option_strings}
    assert run_flags == {"-h", "--help", "-n"} | {flag.cli_flag for flag in rows}
    mpsd = {dest for dest in vars(pytester.parseconfig().option) if dest.startswith("mpsd_")}
    assert mpsd == {flag.pytest_flag.removeprefix("--").replace("-", "_") for flag in rows if flag.pytest}


def _squeezed(text: str) -> str:
    return "".join(text.split())  # help is wrapped differently (and hyphens broken) on each side


def test_both_helps_explain_each_option_in_the_same_words(pytester: pytest.Pytester, capsys) -> None:
    with pytest.raises(SystemExit):
        _parser().parse_args(["run", "--help"])
    run_help = _squeezed(capsys.readouterr().out)
    pytest_help = _squeezed(pytester.runpytest("--help").stdout.str())
    for _, flag, default in table():
        text = _squeezed(flag.help % {"default": default})
        assert text in run_help, flag.cli_flag
        if flag.pytest:
            assert text in pytest_help, flag.pytest_flag


def test_options_reach_a_worker_as_they_were() -> None:
    options = dataclasses.replace(MEANT, seed=1234, faults=("create-200",), workers="2", fuzz=False)
    assert RunOptions.from_wire(options.to_wire()) == options
    assert RunOptions.from_wire(RunOptions().to_wire()) == RunOptions()


def test_a_setup_reaches_a_worker_as_plain_data() -> None:
    users = (User("2814000000000001", "XBL3.0 x=-;tok-a", "console-1"), User("2814000000000002", "tok-b"))
    target = Target(
        "http://127.0.0.1:8080", "scid-1", "conformance", users, 105, 2.5, "tok-srv",
        frozenset({"large", "throttling"}), (RateLimit(30, 1.5), RateLimit(300, 30)),
    )  # fmt: skip
    setup = RunSetup(
        {"clean": target, "fault": dataclasses.replace(target, scid="scid-2", server_authorization=None)},
        dataclasses.replace(MEANT, seed=99),
        "20261129T000000Z-0a1b2c3d",
        {"clean": None, "fault": frozenset({"a::b", "c::d"})},
    )
    wire = setup.to_wire()
    assert _plain(wire)
    assert RunSetup.from_wire(wire) == setup


def _plain(value: object) -> bool:
    """What execnet sends to a worker: no objects of the suite's own."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return value is None or isinstance(value, str | int | float | bool)


@pytest.mark.parametrize(
    ("cpus", "given", "expected"),
    [
        (2, {}, "2"),  # the default run: 40 examples per operation to share between two workers
        (64, {}, "4"),  # the fuzz phase has four long items: more workers would only wait
        (1, {}, "0"),
        (2, {"fuzz_examples": 19}, "0"),  # workers would spend longer starting than they save
        (2, {"fuzz": False}, "0"),
        (2, {"workers": "3"}, "3"),
        (2, {"workers": "0"}, "0"),
    ],
)
def test_auto_workers_start_only_where_the_fuzz_phase_repays_them(monkeypatch, cpus, given, expected) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: cpus)
    assert workers_for(dataclasses.replace(RunOptions(), **given)) == expected


def test_auto_workers_ask_first_whether_anything_listens_at_the_target() -> None:
    users = (User("2814000000000001", "tok-a"), User("2814000000000002", "tok-b"))
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        port = listening.getsockname()[1]
        target = Target(f"http://127.0.0.1:{port}", "scid-1", "conformance", users)
        assert accepts_connections(target)
    assert not accepts_connections(target)  # the same port, closed
