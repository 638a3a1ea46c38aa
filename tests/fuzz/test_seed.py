"""The fuzz seed: fixed per suite version by default, random or given on request (whole runs that
replay it are in test_fuzz_phase.py)."""

from __future__ import annotations

import argparse

import pytest

from conformance import __version__
from conformance.cli import main
from conformance.seed import RANDOM, describe_seed, resolve_seed, seed_choice, suite_seed


def test_the_default_seed_is_the_suite_versions_own() -> None:
    assert resolve_seed(None) == suite_seed() == suite_seed(__version__)
    assert suite_seed("0.1.0") != suite_seed("0.2.0")
    assert 0 <= suite_seed() < 2**31


def test_a_given_seed_is_used_and_random_draws_a_fresh_one() -> None:
    assert resolve_seed(seed_choice("42")) == 42
    assert seed_choice(" Random ") == RANDOM
    drawn = {resolve_seed(RANDOM) for _ in range(5)}
    assert len(drawn) > 1
    assert all(0 <= seed < 2**31 for seed in drawn)


def test_anything_else_is_a_usage_error(capsys) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="integer or 'random'"):
        seed_choice("banana")
    with pytest.raises(SystemExit) as exit_:
        main(["run", "--seed", "banana"])
    assert exit_.value.code == 2
    assert "--seed: expected an integer or 'random', got 'banana'" in capsys.readouterr().err


def test_the_terminal_line_names_the_seed_and_its_replay() -> None:
    assert describe_seed(7, "0.1.0") == "fuzz seed: 7 (replay: --seed 7)"
    default = suite_seed("0.1.0")
    assert describe_seed(default, "0.1.0") == (
        f"fuzz seed: {default}, the default of mpsd-conformance 0.1.0 (replay: --seed {default})"
    )


def test_no_literal_of_a_local_module_reaches_a_case(tmp_path, monkeypatch) -> None:
    """The cases a seed sends depend on the seed, the document and the libraries, never on how the
    suite was installed or what else a process imported: Hypothesis would otherwise draw literals
    from every module outside site-packages (the suite's own, installed editable; a user's)."""
    from hypothesis.internal.conjecture import providers
    from hypothesis.internal.constants_ast import is_local_module_file

    import conformance.fuzz.engine  # noqa: F401 - importing the fuzz phase is what switches it off

    module = tmp_path / "mpsd_local_literals.py"
    module.write_text('MARK = "only-in-a-local-module-7f3a"\nNUMBER = 918273645\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    __import__(module.stem)
    assert is_local_module_file(str(module))  # Hypothesis would collect it
    pool = providers._get_local_constants()
    assert [sorted(pool.set_for_type(kind)) for kind in ("integer", "float", "bytes", "string")] == [[]] * 4
