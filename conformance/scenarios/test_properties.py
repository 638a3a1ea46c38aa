"""Session properties and the PUT .../properties sub-resource (S1, C3, C4)."""

from __future__ import annotations

from conformance import bodies
from conformance.expect import expect, observe
from conformance.scenarios import requirement
from conformance.session import get


@requirement("PROPS-ABSENT-404")
def test_properties_of_a_missing_session_answer_404(mpsd):
    name = mpsd.new_name()
    response = mpsd.user(1).put(name, {"custom": {"a": 1}}, properties=True)
    expect(response).status(404)
    expect(mpsd.user(1).get(name)).no_session()


@requirement("PROPS-EQUIVALENT")
def test_properties_put_equals_a_session_put_of_properties(mpsd):
    start = bodies.combine(bodies.system_properties(keywords=["alpha"]), bodies.custom(kept=1))
    via_properties, via_session = mpsd.create(None, start), mpsd.create(None, start)
    bag = {"system": {"joinRestriction": "none"}, "custom": {"added": 2}}
    expected = mpsd.arrange(
        mpsd.user(1).put(via_session.name, {"properties": bag}), 200, what="the session PUT"
    )
    response = mpsd.user(1).put(via_properties.name, bag, properties=True)
    want = get(mpsd.document(expected, "the session PUT"), "properties")
    expect(response).status(200).at("properties").equals(want)


@requirement("PROPS-IF-MATCH-412")
def test_properties_put_with_a_stale_etag_is_refused(mpsd):
    created = mpsd.create()
    stale = mpsd.etag(created.response)
    mpsd.arrange(mpsd.user(1).put(created.name, bodies.custom(moved_on=True)), 200, what="an update")
    response = mpsd.user(1).put(created.name, {"custom": {"attempt": True}}, properties=True, if_match=stale)
    expect(response).status(412)
    expect(mpsd.read_back(created.name)).at("properties.custom.attempt").absent()


@requirement("PROPS-CUSTOM-NULL-DELETES")
def test_a_null_custom_property_is_removed(mpsd):
    created = mpsd.create(None, bodies.custom(gone=1, stays=2))
    response = mpsd.user(1).put(created.name, bodies.custom(gone=None))
    expect(response).status(200).at("properties.custom.gone").absent()


@requirement("PROPS-CUSTOM-NESTED")
def test_how_a_nested_custom_object_is_merged_is_recorded(mpsd):
    created = mpsd.create(None, bodies.custom(nested={"a": 1, "b": 2}))
    response = mpsd.user(1).put(created.name, bodies.custom(nested={"b": 3}))
    nested = expect(response).status(200).at("properties.custom.nested")
    merge = {str({"a": 1, "b": 3}): "deep-merge", str({"b": 3}): "replace"}.get(
        str(nested.value), f"other: {nested.value}"
    )
    observe("nested_custom", merge)
    nested.equals({"b": 3})  # replaced per top-level key (the reference's reading), not deep-merged


@requirement("PROPS-SYSTEM-ARRAY-REPLACED")
def test_keywords_are_replaced_not_appended(mpsd):
    created = mpsd.create()
    mpsd.arrange(
        mpsd.user(1).put(created.name, bodies.system_properties(keywords=["a", "b"])),
        200,
        what="a first write",
    )
    response = mpsd.user(1).put(created.name, bodies.system_properties(keywords=["c"]))
    expect(response).status(200).at("properties.system.keywords").equals(["c"])


@requirement("PROPS-KEYWORDS-NOT-PRIVATE")
def test_keywords_on_a_private_session_are_rejected(mpsd):
    created = mpsd.create(None, bodies.constants(visibility="private"))
    response = mpsd.user(1).put(created.name, bodies.system_properties(keywords=["findme"]))
    expect(response).rejected()


@requirement("PROPS-HOST-UNKNOWN-DROPPED")
def test_a_host_matching_no_device_is_dropped(mpsd):
    created = mpsd.create()
    response = mpsd.user(1).put(created.name, bodies.system_properties(host="nosuchdevice"))
    expect(response).status(200).at("properties.system.host").absent()
