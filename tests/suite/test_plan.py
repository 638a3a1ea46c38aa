"""The plan printed before a run, and the fuzz budget cut to fit a time budget."""

from __future__ import annotations

import dataclasses

from conformance.embedded import embedded_target
from conformance.plan import SCENARIOS, examples_within, plan
from conformance.ratelimit import MPSD_LIMITS, minimum_seconds


def test_the_plan_scales_with_the_selection_and_the_fuzz_budget() -> None:
    target = embedded_target()
    scenarios_only = plan(target, 1.0, None).requests
    assert scenarios_only["user 1"] == SCENARIOS["user 1"]
    assert plan(target, 0.5, None).requests["user 1"] == round(SCENARIOS["user 1"] / 2)
    assert (
        plan(target, 1.0, 40).requests["user 1"]
        > plan(target, 1.0, 1).requests["user 1"]
        > scenarios_only["user 1"]
    )


def test_identities_the_target_lacks_are_not_planned_and_fewer_users_carry_more() -> None:
    target = embedded_target()
    fewer = dataclasses.replace(target, users=target.users[:2], server_authorization=None)
    assert list(plan(fewer, 1.0, 40).requests) == ["user 1", "user 2", "an unnamed caller"]
    assert plan(fewer, 1.0, 40).requests["user 2"] > plan(target, 1.0, 40).requests["user 2"]


def test_the_busiest_identity_decides_the_least_time() -> None:
    limited = dataclasses.replace(embedded_target(), rate_limits=MPSD_LIMITS)
    found = plan(limited, 1.0, 40)
    assert found.minimum_s == minimum_seconds(max(found.requests.values()), MPSD_LIMITS)
    assert "allow that in no less than" in found.describe()
    assert "no rate limits" in plan(embedded_target(), 1.0, 40).describe()


def test_the_fuzz_budget_is_cut_to_fit_the_time_budget() -> None:
    limited = dataclasses.replace(embedded_target(), rate_limits=MPSD_LIMITS)
    roomy = plan(limited, 1.0, 40).minimum_s
    assert examples_within(limited, 1.0, 40, roomy) == 40
    fitted = examples_within(limited, 1.0, 40, plan(limited, 1.0, 10).minimum_s)
    assert 10 <= fitted < 40
    assert plan(limited, 1.0, fitted).minimum_s <= plan(limited, 1.0, 10).minimum_s
    assert examples_within(limited, 1.0, 40, 1.0) == 1  # nothing fits: the least there is
