"""What the oracle saw in one process, and the report's divergences block made from it.

A process (the controller, or each xdist worker) keeps one log per target; a worker hands its logs
to the controller as plain data when it is done, and the controller folds them into one block.
The two references' disagreements are subtracted twice: each exchange's own as it is compared, and
in the end every divergence's differences where the references disagreed anywhere in the run on
the same operation, part and field (Diffy's noise), since one instance of nondeterminism there
makes every difference there suspect.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import msgspec
from msgspec.structs import replace

from conformance.ledger import Requirement
from conformance.oracle.compare import Diff, shown
from conformance.oracle.document import Operation
from conformance.oracle.nearest import nearest
from conformance.oracle.signature import name, signature
from conformance.verdicts import Difference, DivergenceExample, DivergenceGroup, Divergences

# Per group: the occurrences kept whole (both transcripts), and the checks named.
EXAMPLES = 3
CHECKS = 10

Noisy = tuple[str, str, str]  # operation name, part, general path


@dataclass
class Draft:
    """A divergence group as a process found it."""

    operation: Operation
    sent: dict[str, str]
    diffs: list[Diff]
    count: int = 0
    consequences: int = 0
    checks: list[str] = field(default_factory=list)
    examples: list[DivergenceExample] = field(default_factory=list)

    def absorb(self, other: Draft) -> None:
        self.count += other.count
        self.consequences += other.consequences
        self.checks += [c for c in other.checks if c not in self.checks][: CHECKS - len(self.checks)]
        self.examples += other.examples[: EXAMPLES - len(self.examples)]


class OracleLog:
    """Counts and divergence groups, safe to add to from the mirror's thread."""

    def __init__(self) -> None:
        self.compared = 0
        self.not_compared: Counter[str] = Counter()
        self.allowed: Counter[str] = Counter()
        self.noise = 0
        self.noisy: set[Noisy] = set()
        self.drafts: dict[str, Draft] = {}
        self._lock = threading.Lock()

    def add(
        self,
        operation: Operation,
        sent: dict[str, str],
        diffs: Sequence[Diff],
        check: str,
        example: Callable[[], DivergenceExample],
    ) -> str:
        """One divergence; ``example`` makes its transcripts, only while the group wants more."""
        key = signature(operation, sent, diffs)
        with self._lock:
            draft = self.drafts.setdefault(key, Draft(operation, dict(sent), list(diffs)))
            draft.count += 1
            if check not in draft.checks and len(draft.checks) < CHECKS:
                draft.checks.append(check)
            if len(draft.examples) < EXAMPLES:
                draft.examples.append(example())
        return key

    def consequence(self, key: str, differences: int = 1) -> None:
        with self._lock:
            if key in self.drafts:
                self.drafts[key].consequences += differences

    def count(self, what: Literal["compared", "noise"], amount: int = 1) -> None:
        with self._lock:
            setattr(self, what, getattr(self, what) + amount)

    def tally(self, counter: Literal["not_compared", "allowed"], key: str, amount: int = 1) -> None:
        with self._lock:
            getattr(self, counter)[key] += amount

    def saw_noise(self, where: set[Noisy]) -> None:
        with self._lock:
            self.noisy |= where

    def is_noisy(self, where: Noisy) -> bool:
        with self._lock:
            return where in self.noisy

    # -- across processes ---------------------------------------------------------------------------
    def to_wire(self) -> dict[str, Any]:
        with self._lock:
            return {
                "compared": self.compared,
                "not_compared": dict(self.not_compared),
                "allowed": dict(self.allowed),
                "noise": self.noise,
                "noisy": [list(n) for n in sorted(self.noisy)],
                "drafts": {
                    key: {
                        "operation": asdict(d.operation),
                        "sent": d.sent,
                        "diffs": [asdict(x) for x in d.diffs],
                        "count": d.count,
                        "consequences": d.consequences,
                        "checks": d.checks,
                        "examples": msgspec.to_builtins(d.examples),
                    }
                    for key, d in self.drafts.items()
                },
            }

    def merge(self, wire: dict[str, Any]) -> None:
        with self._lock:
            self.compared += wire["compared"]
            self.not_compared.update(wire["not_compared"])
            self.allowed.update(wire["allowed"])
            self.noise += wire["noise"]
            self.noisy |= {(o, p, g) for o, p, g in wire["noisy"]}
            for key, data in wire["drafts"].items():
                draft = Draft(
                    Operation(**data["operation"]),
                    data["sent"],
                    [Diff(**x) for x in data["diffs"]],
                    data["count"],
                    data["consequences"],
                    data["checks"],
                    msgspec.convert(data["examples"], list[DivergenceExample]),
                )
                if key in self.drafts:
                    self.drafts[key].absorb(draft)
                else:
                    self.drafts[key] = draft


def finish(log: OracleLog, requirements: Sequence[Requirement], mode: Literal["on", "strict"]) -> Divergences:
    """The report's block: the run's noise subtracted, groups merged by what is left of them, each
    with its nearest requirements, the most frequent first."""
    noise = log.noise
    groups: dict[str, Draft] = {}
    for draft in log.drafts.values():
        kept = [d for d in draft.diffs if (draft.operation.name, d.part, d.general) not in log.noisy]
        noise += (len(draft.diffs) - len(kept)) * draft.count
        if not kept:
            continue
        key = signature(draft.operation, draft.sent, kept)
        if key in groups:
            groups[key].absorb(draft)
        else:
            groups[key] = Draft(draft.operation, draft.sent, kept)
            groups[key].absorb(draft)
    built = [_group(key, draft, requirements) for key, draft in groups.items()]
    return Divergences(
        mode=mode,
        compared=log.compared,
        not_compared=dict(sorted(log.not_compared.items())),
        allowed=dict(sorted(log.allowed.items())),
        noise=noise,
        noisy=tuple(f"{o} {p} {g}" for o, p, g in sorted(log.noisy)),
        groups=tuple(sorted(built, key=lambda g: (-g.count, g.signature))),
    )


def _group(key: str, draft: Draft, requirements: Sequence[Requirement]) -> DivergenceGroup:
    near = nearest(requirements, draft.operation, draft.sent, draft.diffs)
    return DivergenceGroup(
        signature=key,
        name=name(draft.operation, draft.diffs),
        operation=draft.operation.name,
        sent=draft.sent,
        differences=tuple(
            Difference(d.part, d.general, shown(d.target), shown(d.reference)) for d in draft.diffs
        ),
        count=draft.count,
        consequences=draft.consequences,
        requirements=near,
        gap=not near,
        checks=tuple(draft.checks),
        examples=tuple(draft.examples),
    )


def merge_blocks(blocks: Sequence[Divergences]) -> Divergences:
    """The divergences of a campaign's shards as one run's (mpsd-conformance merge): the groups
    with one signature counted together. Each shard subtracted its own noise; what one shard's
    references disagreed on is not taken from another's divergences, whose differences the
    reports no longer hold apart."""
    groups: dict[str, DivergenceGroup] = {}
    for block in blocks:
        for group in block.groups:
            found = groups.get(group.signature)
            if found is None:
                groups[group.signature] = group
                continue
            groups[group.signature] = replace(
                found,
                count=found.count + group.count,
                consequences=found.consequences + group.consequences,
                checks=tuple(dict.fromkeys([*found.checks, *group.checks]))[:CHECKS],
                examples=(*found.examples, *group.examples)[:EXAMPLES],
            )
    return Divergences(
        mode="strict" if any(b.mode == "strict" for b in blocks) else "on",
        compared=sum(b.compared for b in blocks),
        not_compared=dict(sorted(_summed(b.not_compared for b in blocks).items())),
        allowed=dict(sorted(_summed(b.allowed for b in blocks).items())),
        noise=sum(b.noise for b in blocks),
        noisy=tuple(sorted({n for b in blocks for n in b.noisy})),
        groups=tuple(sorted(groups.values(), key=lambda g: (-g.count, g.signature))),
    )


def _summed(counts: Iterable[Mapping[str, int]]) -> Counter[str]:
    total: Counter[str] = Counter()
    for each in counts:
        total.update(each)
    return total
