"""Throttling, on targets that declare it (G5, C1): past its rate limit a caller gets 429.

These checks exceed the burst window on purpose, with the last configured user only, and wait
the throttle out afterwards, so the rest of the run is not held up by it.
"""

from __future__ import annotations

from conformance import bodies
from conformance.expect import expect
from conformance.scenarios import requirement

THROTTLE_FIELDS = ("currentRequests", "maxRequests", "periodInSeconds", "limitType")


def _throttled(mpsd, caller):
    """Read as ``caller`` until the target says 429: one call past its burst window, plus a
    margin for a sliding window's edge. A burst that could not put more calls into the window
    than it allows (a window shorter than the round trips) cannot expect a 429: blocked."""
    window = min(mpsd.target.rate_limits, key=lambda limit: limit.calls, default=None)
    if window is None:
        raise mpsd.not_applicable("the target declares throttling but no rate_limits to exceed")
    burst = mpsd.burst((caller,), 429, window.calls * 2 + 2)
    densest = burst.densest(window.seconds)
    if burst.response.status != 429 and densest <= window.calls:
        raise mpsd.blocked(
            f"{burst} put at most {densest} calls into any {window.seconds:g} s: too slow to exceed {window}"
        )
    return burst.response, f"{burst} against {window} declared"


@requirement("THROTTLE-429")
def test_a_caller_past_the_burst_window_gets_429_with_the_throttle_body(mpsd):
    caller = mpsd.users[-1]
    response, sent = _throttled(mpsd, caller)
    # Any answer but 429 fails here, even one that blocks other checks: the burst provoked it.
    expect(response).value(response.status, f"the status after {sent}").equals(429)
    try:
        expect(response).status(429).media_type("application/json")
        expect(response).header("Retry-After").present()
        for field in THROTTLE_FIELDS:
            expect(response).at(field).present()
    finally:
        mpsd.wait_out(response)


@requirement("THROTTLE-429")
def test_a_throttled_write_is_not_applied(mpsd):
    created, caller = mpsd.create(), mpsd.users[-1]
    first, _ = _throttled(mpsd, caller)
    if first.status != 429:
        raise mpsd.blocked("no 429 to write into (the other check judges that)")
    with caller.transport.unpaced():
        response = caller.put(created.name, bodies.custom(throttled_write=True))
    if response.status != 429:
        mpsd.wait_out(first)
        raise mpsd.blocked(f"the write after the 429 answered {response.status}: the window had passed")
    mpsd.wait_out(response)
    expect(mpsd.read_back(created.name)).at("properties.custom.throttled_write").absent()
