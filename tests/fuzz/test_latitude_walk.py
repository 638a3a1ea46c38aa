"""Every fuzz check meets every latitude: none of them finds fault with a choice the documents leave.

The self-test proves the scenario checks against each latitude's reference variant, and
test_fuzz_phase.py makes a whole default run against all of them at once. This walks the fuzz
phase's side one check-to-requirement mapping at a time: a fixed script of requests (a create, a
reservation, a nocommit write, conditional writes on an existing and a missing session, reads, a
/properties write, refusals) goes to each variant alone, and every answer is judged by every check
the fuzz phase runs, through the phase's own finding filter (``engine.document_wins``). A finding
that survives is a check demanding the reference's own choice.
"""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

import pytest
from schemathesis.core.failures import FailureGroup

from conformance import bodies
from conformance.embedded import embedded_target
from conformance.fuzz import checks  # noqa: F401 - registers the MPSD checks with schemathesis
from conformance.fuzz.classify import BINDING, STATEFUL, requirement_of
from conformance.fuzz.engine import schema
from conformance.fuzz.judging import exercised
from conformance.latitude import latitudes
from conformance.ledger import load_ledger
from conformance.reference import ReferenceConfig, ReferenceServer
from conformance.selftest import ALL_AT_ONCE, variant_table

SESSION = "/serviceconfigs/{scid}/sessiontemplates/{sessionTemplateName}/sessions/{sessionName}"
PROPERTIES = f"{SESSION}/properties"
TARGET = embedded_target()
_names = itertools.count(1)


def _send(url: str, method: str, path: str, name: str, **parts: Any) -> tuple[Any, Any]:
    """One scripted request as a schemathesis case, and its answer."""
    user = parts.pop("user", TARGET.users[0])
    headers = {
        "X-Xbl-Contract-Version": str(TARGET.contract_version),
        "Authorization": user.authorization,
        **parts.pop("headers", {}),
    }
    path_parameters = {"scid": TARGET.scid, "sessionTemplateName": TARGET.template, "sessionName": name}
    case = schema[path][method].Case(path_parameters=path_parameters, headers=headers, **parts)
    return case, case.call(base_url=url, headers={"Accept-Encoding": "gzip"})


def _script(url: str) -> list[tuple[Any, Any]]:
    one, two = TARGET.users[0], TARGET.users[1]
    name, missing = f"walk-{next(_names)}", f"walk-missing-{next(_names)}"
    timers = bodies.constants(reservedRemovalTimeout=60000)
    created = _send(url, "PUT", SESSION, name, body=bodies.combine(bodies.join(one.xuid), timers))
    etag = created[1].headers.get("ETag", "")
    return [
        created,
        _send(url, "PUT", SESSION, name, body=bodies.reserve(two.xuid)),
        _send(url, "PUT", SESSION, name, body=bodies.custom(a=1), query={"nocommit": "true"}),
        _send(url, "PUT", SESSION, name, body=bodies.custom(b=2), headers={"If-Match": "stale"}),
        _send(url, "PUT", SESSION, missing, body=bodies.custom(c=3), headers={"If-Match": ""}),
        _send(url, "PUT", SESSION, missing, body=bodies.custom(c=3), headers={"If-None-Match": ""}),
        _send(url, "PUT", SESSION, name, body={"foo": 1}),
        _send(url, "PUT", SESSION, name, body=bodies.me(system={"ready": True, "active": True})),
        _send(url, "PUT", PROPERTIES, name, body={"custom": {"d": 4}}, headers={"If-Match": etag}),
        _send(url, "PUT", PROPERTIES, missing, body={"custom": {"d": 4}}),
        _send(url, "GET", SESSION, name),
        _send(url, "GET", SESSION, name, headers={"If-None-Match": etag}),
        _send(url, "GET", SESSION, missing),
        _send(url, "GET", SESSION, name, user=TARGET.users[2]),
    ]


def _surviving(case: Any, response: Any) -> list[str]:
    """The findings every check and the phase's filter leave on this answer, as requirement: title."""
    try:
        case.validate_response(response)
    except FailureGroup as group:
        return [
            f"{requirement_of(f, response.status_code)}: {f.title} ({response.status_code})"
            for f in group.exceptions
        ]
    return []


VARIANTS = variant_table()


@pytest.mark.parametrize("name", list(VARIANTS), ids=list(VARIANTS))
def test_no_fuzz_check_finds_fault_with_a_latitude(name: str) -> None:
    config = ReferenceConfig.from_target(TARGET, variant=VARIANTS[name])
    with ReferenceServer(config) as server:
        answers = _script(server.url)
    findings = [finding for case, response in answers for finding in _surviving(case, response)]
    assert findings == []
    # The walk judged every requirement the fuzz phase judges on plain answers (not the ones about
    # generated bodies or methods, which need generated cases: test_judging covers their filter).
    judged = Counter(r for case, response in answers for r in exercised(case, response))
    generated_only = {"BODY-INVALID-REJECTED", "BODY-VALID-ACCEPTED", "METHOD-405", "GET-READ"}
    assert set(STATEFUL) - generated_only <= set(judged), set(STATEFUL) - set(judged)


def test_every_latitude_touches_real_requirements_and_names_its_variant() -> None:
    ledger = {r.id for r in load_ledger().requirements}
    for latitude in latitudes():
        assert set(latitude.touches) <= ledger, latitude.name
        assert latitude.variant, f"{latitude.name} has no variant"
        assert latitude.source, latitude.name
        assert latitude.leaves_open, latitude.name
        assert latitude.accept, latitude.name
    assert set(VARIANTS) == {latitude.name for latitude in latitudes()} | {ALL_AT_ONCE}


def test_every_fuzz_check_maps_to_ledger_requirements() -> None:
    ledger = {r.id for r in load_ledger().requirements}
    for check, requirements in BINDING.items():
        assert set(requirements) <= ledger, check
