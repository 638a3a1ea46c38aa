"""The four ways real clients write, and concurrency (C1, C2, C9; the client's write modes, X1)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from conformance import bodies
from conformance.expect import expect
from conformance.scenarios import requirement

WRITERS = 8


@requirement("COND-CREATE-ONLY-EXISTS-412")
def test_create_only_on_an_existing_session_fails(mpsd):
    created, user = mpsd.create(), mpsd.user(1)
    response = user.put(
        created.name, bodies.combine(bodies.join(user.xuid), bodies.custom(attempt=1)), if_none_match="*"
    )
    expect(response).status(412)
    expect(mpsd.read_back(created.name)).at("properties.custom.attempt").absent()


@requirement("COND-CREATE-ONLY-201")
def test_create_only_creates_a_missing_session(mpsd):
    user = mpsd.user(1)
    response = user.put(mpsd.new_name(), bodies.join(user.xuid), if_none_match="*")
    expect(response).status(201)


@requirement("COND-IF-MATCH-200")
def test_a_write_with_the_current_etag_succeeds(mpsd):
    created = mpsd.create()
    response = mpsd.user(1).put(created.name, bodies.custom(synced=1), if_match=mpsd.etag(created.response))
    expect(response).status(200).header("ETag").present()


@requirement("COND-ETAG-CHANGES")
def test_a_change_gives_a_new_etag(mpsd):
    created = mpsd.create()
    before = mpsd.etag(created.response)
    response = mpsd.user(1).put(created.name, bodies.custom(changed=1))
    expect(response).status(200)
    mpsd.etag(response, "the update")  # none blocks the check: ETAG-PRESENT judges that
    expect(response).header("ETag").differs_from(before)


@requirement("COND-IF-MATCH-STALE-412")
def test_a_write_with_a_stale_etag_returns_412_and_the_current_session(mpsd):
    created = mpsd.create()
    stale = mpsd.etag(created.response)
    update = mpsd.arrange(mpsd.user(1).put(created.name, bodies.custom(moved_on=True)), 200, what="an update")
    current = mpsd.etag(update, "the update")
    response = mpsd.user(1).put(created.name, bodies.custom(attempt=True), if_match=stale)
    expect(response).status(412).media_type("application/json")
    expect(response).at("membersInfo").present()
    expect(response).at("properties.custom.moved_on").equals(True)
    expect(response).at("properties.custom.attempt").absent()
    expect(response).header("ETag").equals(current)


@requirement("COND-UPDATE-ONLY-ABSENT-412")
def test_update_only_on_a_missing_session_fails(mpsd):
    user, name = mpsd.user(1), mpsd.new_name()
    response = user.put(name, bodies.join(user.xuid), if_match="*")
    expect(response).status(412)
    expect(user.get(name)).no_session()


@requirement("COND-UPDATE-ONLY-200")
def test_update_only_on_an_existing_session_succeeds(mpsd):
    created = mpsd.create()
    response = mpsd.user(1).put(created.name, bodies.custom(updated=1), if_match="*")
    expect(response).status(200)


def _race(mpsd, name, body_for, **headers):
    """Send WRITERS writes at once; return their responses in writer order."""
    user, start = mpsd.user(1), threading.Barrier(WRITERS)

    def write(i):
        start.wait(timeout=30)
        return user.put(name, body_for(i), **headers)

    with ThreadPoolExecutor(WRITERS) as pool:
        return list(pool.map(write, range(WRITERS)))


@requirement("CONCURRENCY-ONE-WINNER")
def test_racing_writers_with_one_etag_get_exactly_one_success(mpsd):
    created = mpsd.create()
    responses = _race(
        mpsd, created.name, lambda i: bodies.custom(winner=i), if_match=mpsd.etag(created.response)
    )
    winners = [r for r in responses if 200 <= r.status < 300]
    shown = (winners[1:] or responses)[0]  # a second winner, if any: the one that should have lost
    statuses = expect(shown).value(
        sorted(r.status for r in responses), f"the {WRITERS} racing writes' statuses"
    )
    statuses.satisfies(
        lambda found: sum(200 <= s < 300 for s in found) == 1 and found.count(412) == WRITERS - 1,
        f"one 2xx and {WRITERS - 1} x 412",
    )


@requirement("CONCURRENCY-NO-LOST-WRITE")
def test_every_acknowledged_write_survives_a_race(mpsd):
    created = mpsd.create()
    responses = _race(mpsd, created.name, lambda i: bodies.custom(**{f"writer{i}": i}))
    acknowledged = {f"writer{i}" for i, r in enumerate(responses) if 200 <= r.status < 300}
    expect(mpsd.read_back(created.name)).at("properties.custom").satisfies(
        lambda custom: all(isinstance(custom, dict) and key in custom for key in acknowledged),
        f"with every acknowledged key {sorted(acknowledged)}",
    )
