"""The fuzz phase's seed: fixed per suite version unless a run asks for another one.

A gate must be reproducible: two runs of the same suite version against the same target send the
same fuzz cases, so they reach the same verdict. The default seed is therefore derived from the
suite version (a new version may explore new cases; the same version never does). ``--seed random``
explores with a fresh seed and ``--seed N`` uses N; whichever seed a run used, its report names it
and ``--seed N`` in a fresh process replays it.
"""

from __future__ import annotations

import argparse
import hashlib
import secrets
from typing import Literal

from conformance import __version__

RANDOM = "random"
# What a run may ask for: a seed, or a fresh random one. None (no option) means the suite's own seed.
SeedChoice = int | Literal["random"]
# Seeds stay below 2**31, as the random ones always have: any JSON or XML reader takes them as is.
_SPAN = 2**31


def suite_seed(version: str = __version__) -> int:
    """The default seed of a suite version."""
    digest = hashlib.sha256(f"mpsd-conformance {version}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % _SPAN


def seed_choice(text: str) -> SeedChoice:
    """The argparse ``type`` of ``--seed`` and ``--mpsd-seed``: an integer, or ``random``."""
    if text.strip().lower() == RANDOM:
        return RANDOM
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer or '{RANDOM}', got {text!r}") from None


def resolve_seed(choice: SeedChoice | None) -> int:
    """The seed a run uses; call once per run (in the controller: xdist workers receive it)."""
    if choice is None:
        return suite_seed()
    if isinstance(choice, int):
        return choice
    return secrets.randbelow(_SPAN)


def describe_seed(seed: int, version: str) -> str:
    """One line naming the seed and how to replay it, for the terminal."""
    origin = f", the default of mpsd-conformance {version}" if seed == suite_seed(version) else ""
    return f"fuzz seed: {seed}{origin} (replay: --seed {seed})"
