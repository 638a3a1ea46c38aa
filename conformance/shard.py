"""Long fuzz campaigns split across machines: ``run --shard K/N`` runs shard K of N.

The split is deterministic, so the same seed and N always give the same shards:

- the coverage phase's cases (the same on every run) are dealt out by a hash of the case;
- the generated cases come from a seed of their own per shard (derived from the run's seed and
  K/N), each shard generating its share of ``--fuzz-examples``, as do the stateful sequences;
- the scenario checks run in shard 1 only.

``mpsd-conformance merge`` judges the shards' reports together, as one run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import re
from dataclasses import dataclass
from typing import Any

_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")
_SPAN = 2**31  # seeds stay below 2**31 (conformance.seed)


@dataclass(frozen=True)
class Shard:
    index: int  # 1..count
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    @property
    def runs_scenarios(self) -> bool:
        return self.index == 1

    def owns(self, key: bytes) -> bool:
        digest = hashlib.sha256(key).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.index - 1

    def examples(self, total: int) -> int:
        """This shard's share of the generated examples per operation (at least one)."""
        return max(1, math.ceil(total / self.count))

    def seed(self, seed: int) -> int:
        """The seed this shard generates with: the run's own when it is not split."""
        if self.count == 1:
            return seed
        digest = hashlib.sha256(f"mpsd-conformance shard {self}/{seed}".encode()).digest()
        return int.from_bytes(digest[:8], "big") % _SPAN


WHOLE = Shard(1, 1)


def parse_shard(text: str) -> Shard:
    """The argparse ``type`` of ``--shard`` and ``--mpsd-shard``: ``K/N`` with 1 <= K <= N."""
    found = _SHARD.match(text)
    if found is None or not 1 <= int(found[1]) <= int(found[2]):
        raise argparse.ArgumentTypeError(f"expected K/N with 1 <= K <= N (e.g. 2/4), got {text!r}")
    return Shard(int(found[1]), int(found[2]))


def case_key(case: Any) -> bytes:
    """What a generated request is, before the run aims it at its own session names."""
    parts = [case.method, case.path, case.path_parameters, case.query, case.headers, case.body]
    return json.dumps(parts, sort_keys=True, default=repr).encode()
