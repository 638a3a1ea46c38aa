"""The ledger requirements nearest to a divergence, and whether it falls where none reaches.

The rule, in words a vendor can check: a requirement is near a divergence when its ID, statement
or expected result names what differs. What differs is named by

- a status difference: both statuses (the reference's weighs 2, the target's 1), and the target's
  class (``4xx``, ``5xx``, 1) when the two are of different classes;
- a header difference: the header's name (2), and for Content-Type both media types (1);
- a body difference: the field's name with its parent (``membersInfo.count``, 3), its own name
  (2), and every named field above it (1); ``constants``, ``properties``, ``system``, ``custom``
  and ``members`` name no field by themselves, except a free ``custom`` value, named by ``custom``.

Names are matched as whole words, in any case, a plural ``s`` allowed; each counts its weight once
per time it is named, up to three times (a requirement about a thing names it more often). The
requirements naming the most come first; a tie goes to the one that also names what was sent (the
operation's method, its conditions, nocommit, the server principal, ``/properties``), then to the
ledger's order. At most three are given. A divergence no requirement names is a gap in the
document or the ledger.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache

from conformance.ledger import Requirement
from conformance.oracle.compare import Diff
from conformance.oracle.document import Operation

LIMIT = 3
_CONTAINERS = frozenset({"constants", "properties", "system", "custom", "members", "*"})


def nearest(
    requirements: Sequence[Requirement], operation: Operation, sent: Mapping[str, str], diffs: Iterable[Diff]
) -> tuple[str, ...]:
    """The nearest requirements' IDs, nearest first; empty: a gap."""
    terms: dict[str, int] = {}
    for diff in diffs:
        for term, weight in _terms(diff):
            terms[term] = max(terms.get(term, 0), weight)
    context = _context(operation, sent)
    ranked = []
    for order, requirement in enumerate(requirements):
        text = f"{requirement.id} {requirement.statement} {requirement.expected}"
        score = sum(weight * min(_named(text, term), 3) for term, weight in terms.items())
        if score:
            ties = sum(_named(text, term) > 0 for term in context)
            ranked.append((-score, -ties, order, requirement.id))
    return tuple(rid for *_, rid in sorted(ranked)[:LIMIT])


def _terms(diff: Diff) -> list[tuple[str, int]]:
    if diff.part == "status":
        found = [(str(diff.reference), 2), (str(diff.target), 1)]
        target, reference = diff.target, diff.reference
        if isinstance(target, int) and isinstance(reference, int) and target // 100 != reference // 100:
            found.append((f"{target // 100}xx", 1))
        return found
    if diff.part == "header":
        found = [(diff.path, 2)]
        if diff.path == "Content-Type":
            found += [(str(v), 1) for v in (diff.target, diff.reference) if isinstance(v, str) and "/" in v]
        return found
    parts = diff.general.split(".")
    named = [p for p in parts if p not in _CONTAINERS]
    if not named:
        return [("custom", 1)] if "custom" in parts else []
    found = [(named[-1], 2), *((p, 1) for p in named[:-1])]
    leaf = parts.index(named[-1]) if parts.count(named[-1]) == 1 else len(parts) - 1
    if leaf > 0 and parts[leaf - 1] not in _CONTAINERS:
        found.append((f"{parts[leaf - 1]}.{named[-1]}", 3))
    return found


def _context(operation: Operation, sent: Mapping[str, str]) -> list[str]:
    words = [operation.method]
    words += [name for name in ("If-Match", "If-None-Match", "nocommit") if name in sent]
    if sent.get("caller") == "server":
        words.append("server")
    if operation.path is not None and operation.path.endswith("/properties"):
        words.append("/properties")
    return words


def _named(text: str, term: str) -> int:
    """How many times ``text`` names ``term``."""
    return len(_pattern(term).findall(text))


@cache
def _pattern(term: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![A-Za-z0-9_]){re.escape(term)}s?(?![A-Za-z0-9_])", re.IGNORECASE)
