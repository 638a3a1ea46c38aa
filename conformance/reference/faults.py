"""The fault catalogue: named, realistic defects the reference service can be told to have.

The catalogue is the fault model (``conformance/faultmodel.yaml``): for each documented statement,
the defects a hurried implementation could ship there.

A suite is only as good as the bugs it catches. Each fault here is one small defect a real
implementation could plausibly ship, switched on per scid, so the suite's self-test can prove that
the requirement IDs in ``breaks`` fail when the fault is on (and, with ``collateral``, which other IDs
may fail with it, and why). The code that honours a fault asks ``faults.on("<name>")`` right where
the defect would live, and only there: a request that asks about a fault is one the fault can change
(the self-test runs a check against a fault only if its requests asked about it; see FaultLog).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from types import MappingProxyType

from conformance.resources import faultmodel_path, load_yaml


@dataclass(frozen=True)
class Fault:
    name: str
    description: str
    breaks: tuple[str, ...]
    collateral: tuple[str, ...] = ()
    why_collateral: str = ""
    # For a fault no check of run catches: whether run --oracle shows it ("shows" or "hidden"),
    # and, when it does not, why not.
    oracle: str = ""
    why_oracle: str = ""


@dataclass(frozen=True)
class Statement:
    """A documented statement of the contract, with the defects an implementation could ship there."""

    id: str
    area: str
    text: str
    sources: tuple[str, ...]
    faults: tuple[str, ...]
    # Capabilities a target must declare for the statement to apply (throttling, large, ...).
    needs: tuple[str, ...] = ()


def _load_model() -> tuple[tuple[Statement, ...], tuple[Fault, ...]]:
    data = load_yaml(faultmodel_path().read_text(encoding="utf-8"))
    statements, faults = [], []
    for entry in data["statements"]:
        names = []
        for fault in entry["faults"]:
            faults.append(
                Fault(
                    fault["name"],
                    fault["defect"],
                    tuple(fault["breaks"]),
                    tuple(fault.get("collateral", ())),
                    fault.get("why_collateral", ""),
                    fault.get("oracle", ""),
                    fault.get("why_oracle", ""),
                )
            )
            names.append(fault["name"])
        statements.append(
            Statement(
                entry["id"],
                entry["area"],
                entry["text"],
                tuple(entry["sources"]),
                tuple(names),
                tuple(entry.get("needs", ())),
            )
        )
    return tuple(statements), tuple(faults)


STATEMENTS, _CATALOGUE = _load_model()
FAULTS: Mapping[str, Fault] = MappingProxyType({fault.name: fault for fault in _CATALOGUE})


@dataclass(frozen=True)
class FaultSet:
    """The faults switched on for one request."""

    names: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        unknown = sorted(self.names - FAULTS.keys())
        if unknown:
            raise ValueError(f"unknown fault(s) {unknown}; see --list-faults")

    @classmethod
    def of(cls, names: Iterable[str]) -> FaultSet:
        return cls(frozenset(names))

    def on(self, name: str) -> bool:
        # A misspelt name at a call site would silently never fire; fail loudly instead.
        if name not in FAULTS:
            raise KeyError(f"no fault named {name!r} in the catalogue")
        asked = _asked.get()
        if asked is not None:
            asked.add(name)
        return name in self.names


NO_FAULTS = FaultSet()

# The faults the current request asked about, while a FaultLog is listening (see FaultLog).
_asked: ContextVar[set[str] | None] = ContextVar("asked_faults", default=None)


# How the log names an option of the reference's variant that a request read (see FaultLog.note).
OPTION = "option:"


class FaultLog:
    """Which faults the requests on each session *asked* about, whether or not they were on, and
    which options of the variant they read (``OPTION`` and the option's name).

    A fault can only change an answer where the code asks ``on(name)``. So a check whose requests
    never asked about a fault, served by a clean reference, gets the very same answers with that
    fault on: the self-test need not run it there (it would give the clean verdict). The same holds
    for a latitude's variant and the options it changes. Keyed by the session name in the request
    path ("" when there is none); an option read outside any request (at start-up) is in
    ``read_anywhere``.
    """

    def __init__(self) -> None:
        self.by_session: dict[str, set[str]] = {}
        self.read_anywhere: set[str] = set()
        self._lock = threading.Lock()

    def note(self, option: str) -> None:
        """An option of the variant was read: by the request being answered, or by no request."""
        asked = _asked.get()
        if asked is not None:
            asked.add(OPTION + option)
        else:
            with self._lock:
                self.read_anywhere.add(OPTION + option)

    @contextmanager
    def listening(self, session: str) -> Iterator[None]:
        asked: set[str] = set()
        token = _asked.set(asked)
        try:
            yield
        finally:
            _asked.reset(token)
            with self._lock:
                self.by_session.setdefault(session, set()).update(asked)
