"""Overload, on targets that declare it (C1): a service past its capacity answers 503 and says when
to come back.

Declaring ``overload`` says that a quick burst of reads, spread over the configured users, makes the
target shed load. The check sends at most ``MOST`` of them and waits the 503 out afterwards.
"""

from __future__ import annotations

from conformance.expect import expect
from conformance.scenarios import requirement

MOST = 200


@requirement("UNAVAILABLE-RETRY-AFTER")
def test_an_overloaded_target_says_when_to_retry(mpsd):
    burst = mpsd.burst(mpsd.users, 503, MOST)
    response = burst.response
    if response.status != 503:
        raise mpsd.blocked(f"no 503 after {burst}: the burst did not overload the target")
    try:
        expect(response).status(503).header("Retry-After").present()
    finally:
        mpsd.wait_out(response)
