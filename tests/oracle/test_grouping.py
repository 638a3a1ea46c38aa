"""Signatures, grouping, noise subtraction, the nearest requirements and gaps."""

from __future__ import annotations

from conformance.http.exchange import Exchange, HttpRequest, HttpResponse
from conformance.ledger import load_ledger
from conformance.oracle.compare import Diff
from conformance.oracle.document import operation_of
from conformance.oracle.log import CHECKS, EXAMPLES, OracleLog, finish
from conformance.oracle.nearest import nearest
from conformance.oracle.signature import features, name, signature
from conformance.verdicts import DivergenceExample

from .answers import OTHER, PUT, URL, request

STATUS = [Diff("status", "status", "status", 200, 201)]
CALLERS = {"tok-a": "user", "tok-srv": "server"}


def _example(check: str = "c") -> DivergenceExample:
    exchange = Exchange(
        method="PUT",
        url=URL,
        request=HttpRequest({}, None),
        response=HttpResponse(200, {}, ""),
        elapsed_ms=1.0,
        curl="curl",
    )
    return DivergenceExample(check=check, target=exchange, reference=exchange)


def test_a_signature_holds_no_session_name_etag_or_made_up_value() -> None:
    sent = features(request(body={"members": {"me": {}}}, If_Match="t-9"), CALLERS, "t-9", {"t-9"})
    again = features(
        request(url=OTHER, body={"members": {"me": {"x": 1}}}, If_Match="u-1"), CALLERS, "u-1", {"u-1"}
    )
    assert (
        sent
        == again
        == {
            "caller": "user",
            "If-Match": "the current ETag",
            "contract version": "107",
            "body": "members(me)",
        }
    )
    free = [Diff("body", "properties.custom.k1", "properties.custom.*", "abc", "xyz")]
    other = [Diff("body", "properties.custom.k2", "properties.custom.*", "uvw", "rst")]
    assert signature(PUT, sent, free) == signature(operation_of("PUT", OTHER), again, other)


def test_what_was_sent_and_what_each_side_answered_tell_signatures_apart() -> None:
    sent = features(request(body={}), CALLERS, None, ())
    assert signature(PUT, sent, STATUS) != signature(PUT, {**sent, "caller": "server"}, STATUS)
    assert signature(PUT, sent, STATUS) != signature(
        PUT, sent, [Diff("status", "status", "status", 204, 201)]
    )
    assert signature(PUT, sent, STATUS) != signature(operation_of("GET", URL), sent, STATUS)


def test_features_name_the_condition_the_body_and_who_sent_it() -> None:
    sent = request(
        body={"members": {"reserve_0": {}, "3": None, "me_2814": {}}, "properties": {}}, If_Match="old"
    )
    found = features(sent, {"tok-a": "server"}, "new", {"old", "new"})
    assert found["If-Match"] == "an earlier ETag"
    assert found["body"] == "members(INDEX,me_XUID,reserve_N) properties"
    assert features(request(If_Match="  "), {}, None, ())["If-Match"] == "blank"
    assert features(request(If_None_Match="*"), {}, None, ())["If-None-Match"] == "*"
    assert features(request(body=b"{oops", version="101"), {}, None, ()) == {
        "caller": "unknown",
        "contract version": "other",
        "body": "not JSON",
    }


def test_a_name_says_where_and_what_each_side_answered() -> None:
    two = [*STATUS, Diff("body", "changeNumber", "changeNumber", "#1", "#2")]
    assert name(PUT, STATUS) == "PUT /sessions/{sessionName}: status 200, the reference 201"
    assert name(PUT, two).endswith("(and 1 more)")


def test_divergences_with_one_signature_are_grouped_and_counted_keeping_a_few_examples() -> None:
    log = OracleLog()
    sent = features(request(body={}), CALLERS, None, ())
    made = []
    for n in range(EXAMPLES + CHECKS + 2):
        key = log.add(PUT, sent, STATUS, f"check-{n}", lambda n=n: made.append(n) or _example(f"check-{n}"))
    log.consequence(key, 4)
    block = finish(log, load_ledger().requirements, "on")
    (group,) = block.groups
    assert (group.count, group.consequences, block.total) == (EXAMPLES + CHECKS + 2, 4, EXAMPLES + CHECKS + 2)
    assert len(group.examples) == EXAMPLES
    assert made == list(range(EXAMPLES))  # transcripts are made only while a group keeps them
    assert len(group.checks) == CHECKS
    assert group.signature == key


def test_a_log_crosses_to_the_controller_as_plain_data_and_merges() -> None:
    first, second, merged = OracleLog(), OracleLog(), OracleLog()
    sent = features(request(body={}), CALLERS, None, ())
    for log in (first, second):
        log.add(PUT, sent, STATUS, "c", _example)
        log.count("compared", 10)
        log.tally("allowed", "refusal-status", 2)
    second.saw_noise({(PUT.name, "body", "nextTimer")})
    merged.merge(first.to_wire())
    merged.merge(second.to_wire())
    block = finish(merged, (), "strict")
    assert (block.compared, block.allowed, block.total, block.mode) == (
        20,
        {"refusal-status": 4},
        2,
        "strict",
    )
    assert block.noisy == ("PUT /sessions/{sessionName} body nextTimer",)


def test_what_the_two_references_disagree_on_anywhere_is_subtracted_everywhere() -> None:
    log = OracleLog()
    sent = features(request(body={}), CALLERS, None, ())
    timer = Diff("body", "nextTimer", "nextTimer", "absent", "<time>")
    log.add(PUT, sent, [timer], "c", _example)
    log.add(PUT, sent, [*STATUS], "c", _example)
    log.add(
        PUT,
        {**sent, "caller": "server"},
        [timer, Diff("body", "membersInfo.count", "membersInfo.count", 2, 1)],
        "c",
        _example,
    )
    log.saw_noise({(PUT.name, "body", "nextTimer")})
    block = finish(log, load_ledger().requirements, "on")
    assert block.noise == 2
    assert sorted([d.path for d in g.differences] for g in block.groups) == [
        ["membersInfo.count"],
        ["status"],
    ]


def test_the_nearest_requirements_name_what_differs() -> None:
    requirements = load_ledger().requirements
    sent = features(request(body={"members": {"me": {}}}), CALLERS, None, ())
    assert nearest(requirements, PUT, sent, STATUS)[0] == "PUT-CREATE-201"
    correlation = [Diff("body", "correlationId", "correlationId", "#2", "#1")]
    assert nearest(requirements, PUT, sent, correlation)[0] == "CORRELATION-ID-STABLE"
    etag = [Diff("header", "ETag", "ETag", "absent", "#1")]
    assert "ETAG-PRESENT" in nearest(requirements, PUT, sent, etag)
    assert len(nearest(requirements, PUT, sent, STATUS)) <= 3


def test_a_divergence_no_requirement_names_is_a_gap() -> None:
    log = OracleLog()
    sent = features(request(body={}), CALLERS, None, ())
    unnamed = Diff(
        "body",
        "constants.system.arbitration.forfeitTimeout",
        "constants.system.arbitration.forfeitTimeout",
        5,
        6,
    )
    log.add(PUT, sent, [unnamed], "c", _example)
    log.add(PUT, sent, STATUS, "c", _example)
    block = finish(log, load_ledger().requirements, "on")
    gaps = {g.differences[0].path: (g.gap, g.requirements) for g in block.groups}
    assert gaps["constants.system.arbitration.forfeitTimeout"] == (True, ())
    assert gaps["status"][0] is False
    assert block.gaps == 1
