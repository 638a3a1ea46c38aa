"""Stored fuzz cases are the cases live generation makes, and a change to what makes them is a new key.

The sending side (a run from stored cases sends what a run that generated them sent) is
test_fuzz_phase's ``test_the_same_seed_sends_the_same_cases``: its random run records, its replay
reads the cases back, in fresh processes.
"""

from __future__ import annotations

import pickle
import shutil

import pytest

from conformance.fuzz import cases
from conformance.fuzz.engine import OPERATIONS, operation_of, run_operation, schema, stored_cases
from conformance.options import DEFAULT_FUZZ_EXAMPLES
from conformance.seed import suite_seed


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv(cases.CACHE_ENV, str(tmp_path / "cases"))
    return tmp_path / "cases"


def _generated(operation: str, examples: int, seed: int) -> list[dict]:
    recorder = cases.Recorder()
    run_operation(operation, examples, seed, recorder.exercise)
    return recorder.kept


def _comparable(operation: str, kept: list[dict]) -> list[tuple]:
    """A case as it goes on the wire and as the checks read it: its parts and how it was made."""
    rows = []
    for data in kept:
        case = cases.restore(operation_of(schema, operation), data)
        meta = case.meta
        made = None if meta is None else (str(meta.generation.mode), meta.phase.name, repr(meta.components))
        parts = (case.path_parameters, sorted(dict(case.headers or {}).items()), case.query)
        rows.append((case.method, repr(parts), repr(data.get("body", "<none>")), case.media_type, made))
    return rows


def test_the_stored_cases_of_the_default_seed_are_the_generated_ones(cache) -> None:
    """What a run stores for the default seed and budget, read back in the form a run sends it,
    equals what generating them afresh gives, case for case; and so do the cases of another seed
    and budget, whose document examples and coverage cases are read from what the default seed's
    run stored (those are the same for every seed and budget: only the seed's part is recorded)."""
    for seed, examples in ((suite_seed(), DEFAULT_FUZZ_EXAMPLES), (11, 3)):
        for operation in OPERATIONS:
            stored_cases(operation, examples, seed)
            for part in (cases.key(operation, None, None), cases.key(operation, seed, examples)):
                assert cases.load(part) is not None, f"nothing stored for {operation}"
            stored = stored_cases(operation, examples, seed)  # read back from the files
            fresh = _generated(operation, examples, seed)
            assert len(stored) == len(fresh) > examples
            assert _comparable(operation, stored) == _comparable(operation, fresh), (operation, seed)
    assert len(list(cache.iterdir())) == 3 * len(OPERATIONS)  # one coverage part each, two seeds


def test_a_stored_case_comes_back_as_it_was_kept_in_another_process(cache) -> None:
    """The file holds no per-process state: pickled and read back, a case's parts and metadata are
    what they were."""
    operation = OPERATIONS[0]
    kept = _generated(operation, 2, 7)
    for data in kept:
        meta = data["meta"]
        assert meta is None or not (meta._initial_hashes or meta._last_validated_hashes)
    assert _comparable(operation, pickle.loads(pickle.dumps(kept))) == _comparable(operation, kept)


def test_what_makes_the_cases_is_in_the_key(cache, monkeypatch, tmp_path) -> None:
    operation = OPERATIONS[0]
    base = cases.key(operation, 1, 40)
    assert cases.key(operation, 1, 40) == base
    assert cases.key(operation, 2, 40) != base
    assert cases.key(operation, 1, 41) != base
    assert cases.key(operation, None, None) not in (base, cases.key(OPERATIONS[1], None, None))
    assert cases.key(OPERATIONS[1], 1, 40) != base
    monkeypatch.setattr(cases, "__version__", "99.0")
    assert cases.key(operation, 1, 40) != base
    monkeypatch.undo()
    hooks = tmp_path / "engine.py"  # the fuzz phase's hooks, edited without a new suite version
    kept = [source for source in cases.GENERATING if source.name != hooks.name]
    hooks.write_text(next(s for s in cases.GENERATING if s.name == hooks.name).read_text() + "\n# edited\n")
    monkeypatch.setattr(cases, "GENERATING", (*kept, hooks))
    assert cases.key(operation, 1, 40) != base
    monkeypatch.undo()
    changed = tmp_path / "mpsd.yaml"
    shutil.copy(cases.openapi_path(), changed)
    changed.write_text(changed.read_text() + "\n# a changed document\n")
    monkeypatch.setattr(cases, "openapi_path", lambda: changed)
    assert cases.key(operation, 1, 40) != base


def test_a_changed_document_records_afresh_instead_of_reading_old_cases(cache, monkeypatch, tmp_path) -> None:
    operation = OPERATIONS[1]
    recorded: list[int] = []

    def record(kept):
        recorded.append(1)
        kept.kept.append({"method": "GET"})

    cases.stored_cases(cases.key(operation, 1, 1), record)
    cases.stored_cases(cases.key(operation, 1, 1), record)
    assert len(recorded) == 1  # the second run read what the first stored
    changed = tmp_path / "mpsd.yaml"
    changed.write_text(cases.openapi_path().read_text() + "\n# a changed document\n")
    monkeypatch.setattr(cases, "openapi_path", lambda: changed)
    cases.stored_cases(cases.key(operation, 1, 1), record)
    assert len(recorded) == 2


def test_an_unreadable_or_unwritable_cache_costs_only_the_generation(cache, monkeypatch) -> None:
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text("not a folder")  # the cache path is a file: nothing can be stored under it
    kept = cases.stored_cases("some-key", lambda recorder: recorder.kept.append({"method": "GET"}))
    assert kept == [{"method": "GET"}]
    assert cases.load("some-key") is None


@pytest.mark.parametrize("found_at", [0, 7, 40])
def test_a_live_run_after_a_finding_sends_only_from_the_case_that_found_it(cache, found_at) -> None:
    """The live run makes the stored cases again, case for case: those sent before the finding
    go unsent, the rest (the finding's case first) are sent."""
    operation = OPERATIONS[2]
    kept = _generated(operation, 2, 7)
    assert len(kept) > found_at
    sent: list[dict] = []
    live = cases.resume(kept[:found_at], lambda case: sent.append(cases.snapshot(case)))
    run_operation(operation, 2, 7, live)
    assert _comparable(operation, sent) == _comparable(operation, kept[found_at:])


def test_a_live_run_that_departs_from_the_stored_cases_sends_every_case_from_there(cache) -> None:
    operation = OPERATIONS[2]
    kept = _generated(operation, 2, 7)
    other = [*kept[:3], {**kept[3], "body": {"changed": True}}, *kept[4:10]]
    sent: list[dict] = []
    run_operation(operation, 2, 7, cases.resume(other, lambda c: sent.append(c)))
    assert len(sent) == len(kept) - 3
