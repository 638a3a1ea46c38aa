"""The ways a check can end without a verdict on its requirement, each its own exception type.

A check that cannot be judged says why in a type, never in a message prefix: ``Blocked`` (its
precondition failed, or the target answered something that is no verdict on the requirement, such
as a 429 or a refused credential), ``NotApplicable`` (the target lacks what the check needs) and
``HarnessError`` (the check broke the suite's own rules). Any other skip is a harness error too.
"""

from __future__ import annotations

import pytest


class Blocked(pytest.skip.Exception):  # type: ignore[misc, name-defined]
    """The check could not reach the point where its requirement is judged; never a failure.

    ``cause`` names the kind of trouble ("transport", "target-stopped", "throttled", "credentials",
    "precondition"), so a run can tell a target that stopped answering from a refused arrange step.
    """

    def __init__(self, reason: str, cause: str = "precondition") -> None:
        super().__init__(reason, _use_item_location=True)
        self.reason = reason
        self.cause = cause


class NotApplicable(pytest.skip.Exception):  # type: ignore[misc, name-defined]
    """The target does not provide what the check needs (a server principal, a third user, ...)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, _use_item_location=True)
        self.reason = reason


class HarnessError(AssertionError):
    """The check itself broke a rule of the suite (it judged nothing, or demanded a status narrower
    than its requirement allows); a bug in the suite, never a verdict on the target."""
