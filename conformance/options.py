"""A run's options, declared once: the ``run`` command's flags and the plugin's ``--mpsd-*`` options.

Each field of ``RunOptions`` is one row of the table: its default, its help, its parser and its
flags. ``mpsd-conformance run --NAME`` and ``pytest --mpsd-NAME`` are both derived from that row,
so the two cannot drift apart in default, meaning or help; a few rows are the command line's
only (``--fault``, ``-n``, ``--no-fuzz``: pytest has its own ways to say them). The same parser
reads a value back when the options travel to an xdist worker as plain data.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conformance.config import CONTRACT_VERSIONS
from conformance.ratelimit import time_budget
from conformance.seed import SeedChoice, seed_choice
from conformance.shard import Shard, parse_shard

if TYPE_CHECKING:
    import pytest

# Argument groups of ``run --help``, in the order they are shown.
TARGET = "target (flags override the file)"
JUDGING = "what to run and how to judge"
FUZZING = "fuzzing (schemathesis, after the scenarios)"
OUTPUT = "output"

PYTEST_PREFIX = "--mpsd-"
# A pytest ini key for a default target.toml (``--mpsd-config`` wins over it).
INI_CONFIG = "mpsd_config"

DEFAULT_FUZZ_EXAMPLES = 40
# Generated cases a fuzz item may send after its first finding (conformance.fuzz.shrink): enough to
# shrink a finding most of the way (measured: a failing 5.7 kB body was under 300 bytes 90 cases
# later), and at most the price of 100 more examples for an operation that has a finding.
DEFAULT_SHRINK_BUDGET = 100


@dataclass(frozen=True)
class Flag:
    """How one option is spelt: ``--name`` on the command line, ``--mpsd-name`` in pytest."""

    name: str
    group: str
    help: str
    # The argparse ``type``; also reads the value back from its text on an xdist worker.
    parse: Callable[[str], Any] = str
    metavar: str | None = None
    action: str = "store"  # or store_true, store_false, append
    choices: tuple[Any, ...] | None = None
    short: str | None = None  # a short spelling on the command line (``-n``)
    pytest: bool = True  # also a pytest option
    # A value that may be left out (``nargs="?"``): the flag alone means ``const``.
    const: str | None = None

    @property
    def cli_flag(self) -> str:
        return f"--{self.name}"

    @property
    def pytest_flag(self) -> str:
        return PYTEST_PREFIX + self.name

    def arguments(self, default: Any) -> dict[str, Any]:
        """``add_argument`` keywords, the same for argparse and pytest."""
        if self.action in ("store_true", "store_false"):
            return {"action": self.action, "default": default, "help": self.help}
        extra: dict[str, Any] = {"choices": self.choices} if self.choices else {}
        if self.const is not None:
            extra |= {"nargs": "?", "const": self.const}
        # argparse appends to (a copy of) the default, so a repeatable option starts from a list.
        initial = list(default) if self.action == "append" else default
        return {"action": self.action, "type": self.parse, "default": initial, "metavar": self.metavar,
                "help": self.help, **extra}  # fmt: skip


_FLAG = "flag"


def _flag(*args: Any, **kwargs: Any) -> dict[str, Flag]:
    """A field's ``metadata``: its row of the table."""
    return {_FLAG: Flag(*args, **kwargs)}


@dataclass(frozen=True)
class RunOptions:
    """Everything a run is asked to do besides the target's own description."""

    config: Path | None = field(
        default=None,
        metadata=_flag(
            "config", TARGET, "target.toml describing the service under test", parse=Path, metavar="FILE"
        ),
    )
    target: str | None = field(
        default=None,
        metadata=_flag(
            "target", TARGET, "base URL of the service; the suite appends /serviceconfigs/...", metavar="URL"
        ),
    )
    scid: str | None = field(default=None, metadata=_flag("scid", TARGET, "service configuration id"))
    template: str | None = field(
        default=None,
        metadata=_flag(
            "template", TARGET, "session template that leaves visibility, size and timeouts to the creator"
        ),
    )
    contract_version: int | None = field(
        default=None,
        metadata=_flag(
            "contract-version", TARGET, "X-Xbl-Contract-Version to send", parse=int, choices=CONTRACT_VERSIONS
        ),
    )
    faults: tuple[str, ...] = field(
        default=(),
        metadata=_flag(
            "fault",
            TARGET,
            "embedded reference only: inject a named defect (see 'mpsd-conformance serve --list-faults')",
            action="append",
            metavar="NAME",
            pytest=False,
        ),
    )
    # The target's limits per caller (overrides target.toml); on the embedded reference it also
    # makes the reference throttle at them (and the target declare throttling).
    rate_limit: str | None = field(
        default=None,
        metadata=_flag(
            "rate-limit",
            TARGET,
            "the target's limits per caller: the suite paces every identity under them, "
            "e.g. 30/15,300/300 (calls/seconds), or 'none'. Default: target.toml's rate_limits, else MPSD's "
            "documented 30/15,300/300 for a remote target and none on loopback. On the embedded reference "
            "it also makes the reference throttle at them, and THROTTLE-429 is checked",
            metavar="LIMITS",
        ),
    )
    select: tuple[str, ...] = field(
        default=(),
        metadata=_flag(
            "select",
            JUDGING,
            "only requirements whose ID matches (shell pattern, e.g. 'COND-*'); repeatable",
            action="append",
            metavar="PATTERN",
        ),
    )
    strict: bool = field(
        default=False,
        metadata=_flag(
            "strict", JUDGING, "SHOULD warnings and stale baseline entries fail too", action="store_true"
        ),
    )
    baseline: Path | None = field(
        default=None,
        metadata=_flag(
            "baseline",
            JUDGING,
            "known failures (YAML 'known-failures: {ID: reason}')",
            parse=Path,
            metavar="FILE",
        ),
    )
    # None: the newest profile.
    profile: str | None = field(
        default=None,
        metadata=_flag(
            "profile",
            JUDGING,
            "the requirement profile to score, as a suite release froze it: its requirements at their "
            "levels then. A requirement added since still runs and is reported, not scored. Default: the "
            "newest ('mpsd-conformance requirements --profiles' lists them)",
            metavar="NAME",
        ),
    )
    # None: off; "on": divergences reported; "strict": a divergence outside every latitude fails the run.
    oracle: str | None = field(
        default=None,
        metadata=_flag(
            "oracle",
            JUDGING,
            "also send every request, in the same order and with the same identities, to an embedded "
            "reference (two instances, to measure its nondeterminism), and report where the target answered "
            "otherwise: each divergence grouped, with both transcripts and the nearest requirements, or "
            "marked a gap in the document or the ledger. Observations only, the exit code is unchanged; "
            "'strict': a divergence outside every latitude fails the run (exit 1)",
            metavar="strict",
            choices=("on", "strict"),
            const="on",
        ),
    )
    workers: str = field(
        default="auto",
        metadata=_flag(
            "workers",
            JUDGING,
            "parallel workers (pytest-xdist); 'auto' (the default) starts one per CPU, at most 4, when "
            "the fuzz phase has 20 or more examples per operation to share, else runs in one process; "
            "0 = one process",
            metavar="N",
            short="-n",
            pytest=False,
        ),
    )
    time_budget_s: float | None = field(
        default=None,
        metadata=_flag(
            "time-budget",
            JUDGING,
            "the longest the run should take under the target's rate limits: the fuzz examples are cut to "
            "fit, and past it no request is held back or waited out (a throttled check is blocked, never "
            "failed)",
            parse=time_budget,
            metavar="SECONDS",
        ),
    )
    # Without the fuzz phase; a pytest run says so by the packages it collects.
    fuzz: bool = field(
        default=True,
        metadata=_flag(
            "no-fuzz", FUZZING, "run the scenario checks only", action="store_false", pytest=False
        ),
    )
    fuzz_examples: int = field(
        default=DEFAULT_FUZZ_EXAMPLES,
        metadata=_flag(
            "fuzz-examples",
            FUZZING,
            "generated examples per operation in the fuzzing phase (default "
            "%(default)s; more finds more, slower)",
            parse=int,
            metavar="N",
        ),
    )
    fuzz_shrink_budget: int = field(
        default=DEFAULT_SHRINK_BUDGET,
        metadata=_flag(
            "fuzz-shrink-budget",
            FUZZING,
            "generated cases an operation may spend on its findings after the "
            "first (looking for others, shrinking them); then they are reported as found, marked 'not fully "
            "shrunk' (default %(default)s)",
            parse=int,
            metavar="N",
        ),
    )
    # None: the suite version's own seed. A run pins it to the seed it draws, before any worker starts.
    seed: SeedChoice | None = field(
        default=None,
        metadata=_flag(
            "seed",
            FUZZING,
            "fuzzing seed: N, or 'random' for a fresh one. Default: fixed per suite version, "
            "so two runs of one version against one target send the same cases. The report names the seed; "
            "--seed N in a fresh process replays it",
            parse=seed_choice,
            metavar="N|random",
        ),
    )
    shard: Shard | None = field(
        default=None,
        metadata=_flag(
            "shard",
            FUZZING,
            "run shard K of N of a fuzz campaign (e.g. one per CI machine): each shard sends "
            "its share of the cases, the same seed and N always giving the same split; the scenarios run in "
            "shard 1. 'mpsd-conformance merge' judges the shards' reports as one run",
            parse=parse_shard,
            metavar="K/N",
        ),
    )
    report_dir: Path | None = field(
        default=None,
        metadata=_flag(
            "report-dir",
            OUTPUT,
            "where to write the reports: report.json, junit.xml, summary.md, report.html "
            "(mpsd-conformance run: default reports/<run-id>/)",
            parse=Path,
            metavar="DIR",
        ),
    )

    @property
    def embedded(self) -> bool:
        """Without a file or a URL, the run tests the embedded reference."""
        return self.config is None and self.target is None

    @property
    def target_overrides(self) -> dict[str, Any]:
        """What the flags override in target.toml (``conformance.config.load_target``)."""
        return {
            "url": self.target,
            "scid": self.scid,
            "template": self.template,
            "contract_version": self.contract_version,
            "rate_limits": self.rate_limit,
        }

    def to_wire(self) -> dict[str, Any]:
        """The options as plain data for an xdist worker: each value as its command-line text."""
        return {name: _text(getattr(self, name)) for name, _, _ in table()}

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> RunOptions:
        """The options ``to_wire`` gave, each read back by its own flag's parser."""
        return cls(**{name: _read(data[name], flag.parse) for name, flag, _ in table()})


def table() -> Iterator[tuple[str, Flag, Any]]:
    """Each option: its field name, its flag, its default."""
    for f in fields(RunOptions):
        yield f.name, f.metadata[_FLAG], f.default


def _text(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, tuple):
        return [str(v) for v in value]
    return str(value)


def _read(value: Any, parse: Callable[[str], Any]) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, list):
        return tuple(parse(v) for v in value)
    return parse(value)


def _given(value: Any) -> Any:
    """A repeatable option's values as the immutable tuple ``RunOptions`` holds."""
    return tuple(value) if isinstance(value, list) else value


# -- the command line ----------------------------------------------------------------------------
def add_cli_arguments(parser: argparse.ArgumentParser, only: tuple[str, ...] = ()) -> None:
    """The ``run`` command's options, in their groups; ``only`` some groups (``load`` takes the
    target's, so that both commands read a target the same way)."""
    groups: dict[str, Any] = {}
    for name, flag, default in table():
        if only and flag.group not in only:
            continue
        if flag.group not in groups:
            groups[flag.group] = parser.add_argument_group(flag.group)
        spellings = [flag.short, flag.cli_flag] if flag.short else [flag.cli_flag]
        groups[flag.group].add_argument(*spellings, dest=name, **flag.arguments(default))


def options_from_cli(args: argparse.Namespace) -> RunOptions:
    """The options a command line gave; those its command does not take keep their defaults."""
    return RunOptions(**{name: _given(getattr(args, name)) for name, _, _ in table() if hasattr(args, name)})


# -- pytest --------------------------------------------------------------------------------------
def add_pytest_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("mpsd", "MPSD conformance (the options override target.toml)")
    for _, flag, default in table():
        if flag.pytest:
            group.addoption(flag.pytest_flag, **flag.arguments(default))
    parser.addini(INI_CONFIG, "default target.toml for the MPSD plugin")


def options_from_pytest(config: pytest.Config, fuzz: bool) -> RunOptions:
    """The options of a run started by pytest itself (``fuzz``: whether it collects the fuzz phase)."""
    values = {name: _given(config.getoption(flag.pytest_flag)) for name, flag, _ in table() if flag.pytest}
    if values["config"] is None and config.getini(INI_CONFIG):
        values["config"] = Path(config.getini(INI_CONFIG))
    return RunOptions(**values, fuzz=fuzz)
