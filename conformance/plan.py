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
from conformance.preflight import identities
from conformance.ratelimit import RateLimit, minimum_seconds


@dataclass(frozen=True)
class Calibration:
    """Requests one identity sent in a default run against the embedded reference: the scenario
    phase with every requirement selected, and the fuzz phase's fixed part (coverage cases,
    arrange and cleanup) plus its part per generated example per operation."""

    scenarios: int
    fuzz_fixed: int = 0
    fuzz_per_example: float = 0.0


# Measured with `mpsd-conformance run --no-fuzz` and `--fuzz-examples 1, 10, 40` (mpsd-conformance
# 0.1.0): report.json run.throttling.identities.*.requests.
CALIBRATION = {
    "user 1": Calibration(605, 1056, 11.3),
    "user 2": Calibration(67),
    "user 3": Calibration(4),
    "the server principal": Calibration(9, 1359, 5.0),
    "an unnamed caller": Calibration(4, 2, 0.8),  # requests sent without credentials on purpose
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
    labels = {identity.label for identity in identities(target)} | {"an unnamed caller"}
    requests = {}
    for label, calibration in CALIBRATION.items():
        if label not in labels:
            continue
        n = calibration.scenarios * selected_share
        if fuzz_examples is not None:
            n += calibration.fuzz_fixed + calibration.fuzz_per_example * fuzz_examples
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
