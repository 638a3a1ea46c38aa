"""A released requirement profile is frozen: what it scores, and at which level, never changes.

Vendors certify against a profile's name; if its set could change under them, "passed
mpsd-2026.12" would mean different things in different suite versions. Each released profile's
digest is pinned here, so editing one fails this test, and so does releasing one without pinning it.
"""

from __future__ import annotations

import datetime

import pytest

from conformance.profiles import Profile, ProfileError, load_profiles, parse_profiles

# Profile name -> the digest of its (ID, level) pairs (conformance.profiles.Profile.digest). A release
# appends its profile to conformance/profiles.yaml and its digest here; no line here ever changes.
RELEASED = {
    "mpsd-2026.12": "861c759304576ff8ad95e39fd15972f678db0166d2c22ee00c11375bfe3bdcfa",
}


def test_every_released_profile_scores_what_it_scored_when_released() -> None:
    profiles = {p.name: p for p in load_profiles().profiles}
    assert sorted(set(RELEASED) - set(profiles)) == [], "a released profile was removed from profiles.yaml"
    assert sorted(set(profiles) - set(RELEASED)) == [], "a new profile: pin its digest in RELEASED"
    changed = sorted(name for name, digest in RELEASED.items() if profiles[name].digest() != digest)
    assert changed == [], "a released profile's requirements or levels changed: release a new one instead"


def test_the_first_profile_is_the_ledger_of_its_release() -> None:
    """mpsd-2026.12 scores 127 requirements, pinned here in words as well as in the digest."""
    profile = load_profiles().get("mpsd-2026.12")
    assert (profile.released, profile.suite) == (datetime.date(2026, 12, 6), "0.1.0")
    assert profile.counts() == {"MUST": 112, "SHOULD": 6, "PROBE": 9}
    assert profile.levels["PUT-CREATE-201"] == "MUST"


def test_the_digest_sees_every_id_and_level_but_not_their_order() -> None:
    day = datetime.date(2026, 1, 1)
    base = Profile("p", day, "1", {"A": "MUST", "B": "SHOULD"})
    assert Profile("p", day, "1", {"B": "SHOULD", "A": "MUST"}).digest() == base.digest()
    assert Profile("p", day, "1", {"A": "MUST", "B": "MUST"}).digest() != base.digest()
    assert Profile("p", day, "1", {"A": "MUST"}).digest() != base.digest()


def test_the_default_is_the_newest_and_an_unknown_name_lists_the_known_ones() -> None:
    profiles = load_profiles()
    assert profiles.get(None) is profiles.newest is profiles.profiles[-1]
    known = r"the profiles are: mpsd-2026\.12"
    with pytest.raises(ProfileError, match=rf"^unknown profile 'mpsd-1999\.01'; {known}"):
        profiles.get("mpsd-1999.01")


def _entry(**fields):
    day = datetime.date(2026, 1, 1)
    return {"name": "p-1", "released": day, "suite": "1.0", "requirements": {"A": "MUST"}} | fields


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"profiles": []}, "non-empty"),
        ({"profiles": ["p"]}, "expected a mapping"),
        ({"profiles": [_entry(extra=1)]}, "exactly the keys"),
        ({"profiles": [_entry(name="P 1")]}, "name must be"),
        ({"profiles": [_entry(released="soon")]}, "released must be a date"),
        ({"profiles": [_entry(suite=1.0)]}, "suite must be"),
        ({"profiles": [_entry(requirements={})]}, "requirements must map"),
        ({"profiles": [_entry(requirements={"A": "MAY"})]}, "A: expected an ID"),
        ({"profiles": [_entry(requirements={"a-b": "MUST"})]}, "a-b: expected an ID"),
        ({"profiles": [_entry(), _entry()]}, "used twice"),
        (
            {"profiles": [_entry(released=datetime.date(2026, 2, 1)), _entry(name="p-0")]},
            "oldest first",
        ),
    ],
)
def test_malformed_profiles_are_refused_with_the_profile_named(data, message) -> None:
    with pytest.raises(ProfileError, match=message):
        parse_profiles(data)
