"""Rate-limit windows shared by the processes of one run (its xdist workers), through files.

Splitting each limit evenly between the workers keeps them within it, but a worker whose checks
use an identity little leaves its share unused while another waits on its own half: a throttled
run took 1.8 times what the limits allow. So the workers count every identity's calls in one place:
a small file per identity in a folder the controller makes for the run, read and written under an
exclusive lock for each call. Each worker can then use the whole limit while the others do not
need it.

Only identities with a limit (declared, or learned from a 429) go through the files; the calls of
the others are kept in each process, as history for a limit learned later. The files hold call
times keyed by a digest of the identity's label, never a credential. Without ``fcntl`` (Windows)
the folder is not used and each worker keeps to its share, as before.
"""

from __future__ import annotations

import contextlib
import hashlib
from array import array
from collections import deque
from collections.abc import Hashable, Iterable, Iterator
from pathlib import Path

from conformance.ratelimit import HISTORY_S, RateLimit, Windows

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

SHARED = fcntl is not None


class SharedWindows(Windows):
    """``Windows`` whose calls, for keys that have a limit, live in ``folder`` for every process."""

    def __init__(self, limits: Iterable[RateLimit], folder: Path, names: dict[str, str]) -> None:
        """``names``: key -> a name that is no secret (the identity's label), for the file."""
        super().__init__(limits, history_s=HISTORY_S)
        self._folder, self._names = folder, names

    def claim(self, key: Hashable, now: float, until: float | None = None) -> float:
        with self._shared(key):
            return super().claim(key, now, until)

    def settle(self, key: Hashable, now: float) -> None:
        with self._shared(key):
            super().settle(key, now)

    def record(self, key: Hashable, now: float) -> None:
        with self._shared(key):
            super().record(key, now)

    @contextlib.contextmanager
    def _shared(self, key: Hashable) -> Iterator[None]:
        """This key's calls as every process counted them, for the time of one question; what it
        changes goes back for the others."""
        if not self._limits(key):
            yield
            return
        name = self._names.get(str(key), "an unnamed caller")
        path = self._folder / hashlib.sha256(name.encode()).hexdigest()[:16]
        with open(path, "a+b") as file:
            fcntl.flock(file, fcntl.LOCK_EX)
            file.seek(0)
            stored = array("d", file.read())
            with self._lock:
                # This process's own calls join the file's: its history before a limit applied,
                # and nothing after (the file is the record then).
                self._calls[key] = deque(sorted([*stored, *self._calls.get(key, ())]))
            try:
                yield
            finally:
                with self._lock:
                    kept = array("d", self._calls.pop(key, ()))
                file.seek(0)
                file.truncate()
                file.write(kept.tobytes())
