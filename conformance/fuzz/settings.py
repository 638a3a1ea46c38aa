"""One run's fuzz settings, as every xdist worker derives them from the run's options and seed.

The budget and seed are per shard (a shard generates its own share with its own seed), and a
finding's reproduction line replays exactly this shard's cases.
"""

from __future__ import annotations

from typing import NamedTuple

from conformance.options import DEFAULT_SHRINK_BUDGET, RunOptions
from conformance.shard import WHOLE, Shard


class FuzzSettings(NamedTuple):
    examples: int  # per operation, in this shard
    seed: int  # this shard's
    shrink_budget: int  # per fuzz item
    shard: Shard
    replay: str  # the command that replays a finding; {requirement} is left to fill in


def fuzz_settings(options: RunOptions, seed: int) -> FuzzSettings:
    shard = options.shard or WHOLE
    budget = max(0, options.fuzz_shrink_budget)
    replay = f"mpsd-conformance run --seed {seed} --fuzz-examples {options.fuzz_examples}"
    if budget != DEFAULT_SHRINK_BUDGET:
        replay += f" --fuzz-shrink-budget {budget}"
    if shard != WHOLE:
        replay += f" --shard {shard}"
    replay += " --select {requirement}"
    examples = shard.examples(max(1, options.fuzz_examples))
    return FuzzSettings(examples, shard.seed(seed), budget, shard, replay)
