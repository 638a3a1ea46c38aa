"""Before a run: about how many requests each identity will send, and the least time the target's
rate limits allow for them; and the fuzz budget that fits a time budget.

An estimate, not a count: the numbers are measured on the embedded reference (the report's
``run.throttling`` counts them; ``tests/suite/test_plan.py`` keeps them within 25% of a real run)
and scaled by the share of requirements selected and by the fuzz examples per operation. A target
that answers differently (refusing a create, say) makes the checks send fewer requests, never many
more, so the estimate errs on the long side.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.config import Target
from conformance.ratelimit import RateLimit, minimum_seconds


@dataclass(frozen=True)
class Calibration:
    """Requests sent in a run against the embedded reference: a fixed part and a part per fuzz
    example per operation."""

    fixed: float
    per_example: float = 0.0

    def at(self, examples: int) -> float:
        return self.fixed + self.per_example * examples


# Measured with `mpsd-conformance run --no-fuzz` and `--fuzz-examples 1, 10, 40` (mpsd-conformance
# 0.1.0): report.json run.throttling.identities.*.requests.
# The scenario phase with every requirement selected, per identity.
SCENARIOS = {"user 1": 605, "user 2": 67, "user 3": 4, "the server principal": 9, "an unnamed caller": 4}
# The fuzz phase: stateless cases take turns among all the users; the stateful sequences are user
# 1's; negative bodies that do not speak as "me" are the server principal's.
FUZZ_SHARED_BY_USERS = Calibration(1048, 4.4)
FUZZ = {
    "user 1": Calibration(0, 7.9),
    "the server principal": Calibration(1358, 6.0),
    "an unnamed caller": Calibration(2, 1.2),  # requests sent without credentials on purpose
}


@dataclass(frozen=True)
class Plan:
    requests: dict[str, int]  # identity label -> requests
    limits: tuple[RateLimit, ...]

    @property
    def minimum_s(self) -> float:
        """Each identity is paced on its own, so the busiest one decides."""
        return max((minimum_seconds(n, self.limits) for n in self.requests.values()), default=0.0)

    def describe(self) -> str:
        shares = ", ".join(f"{n:,} as {label}" for label, n in self.requests.items() if n)
        counts = f"{sum(self.requests.values()):,} requests ({shares})"
        if not self.limits:
            return f"plan: about {counts}; the target has no rate limits configured"
        limits = ", ".join(map(str, self.limits))
        return (
            f"plan: about {counts}; the target's limits ({limits} per caller) allow that in no less "
            f"than {_duration(self.minimum_s)}"
        )


def plan(target: Target, selected_share: float, fuzz_examples: int | None) -> Plan:
    """``fuzz_examples`` None: no fuzz phase in this run."""
    users = [f"user {i}" for i in range(1, len(target.users) + 1)]
    labels = [*users, *(["the server principal"] if target.server_authorization else []), "an unnamed caller"]
    requests = {}
    for label in labels:
        n = SCENARIOS.get(label, 0) * selected_share
        if fuzz_examples is not None:
            shared = FUZZ_SHARED_BY_USERS.at(fuzz_examples) / len(users) if label in users else 0.0
            n += shared + (FUZZ[label].at(fuzz_examples) if label in FUZZ else 0.0)
        requests[label] = round(n)
    return Plan(requests, target.rate_limits)


def examples_within(target: Target, selected_share: float, wanted: int, budget_s: float) -> int:
    """The most fuzz examples per operation (at most ``wanted``, at least 1) whose plan the
    target's limits allow within ``budget_s``."""
    fits = [e for e in range(1, wanted + 1) if plan(target, selected_share, e).minimum_s <= budget_s]
    return max(fits, default=1)


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
