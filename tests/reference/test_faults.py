"""The fault catalogue is well formed.

Whether each fault really breaks what it declares, and nothing else, is proved with the real
suite in tests/selfproof (one pytest run against a tenant per fault): a second, simpler copy of
the checks here would only be able to disagree with them.
"""

from __future__ import annotations

import pytest

from conformance.ledger import load_ledger
from conformance.reference import FAULTS
from conformance.reference.faults import Fault, FaultSet

# The list: the catalogue must hold at least these.
NAMED = [
    "create-200",
    "no-etag",
    "timestamps-as-numbers",
    "empty-create-stored",
    "defaults-missing",
    "timeout-defaults-wrong",
    "max-members-unchecked",
    "initiators-unchecked",
    "nocommit-ignored",
    "custom-replaced",
    "empty-put-clears-custom",
    "rejoin-duplicates",
    "correlation-id-changes",
    "join-ignored",
    "index-reused",
    "next-chain-broken",
    "leave-ignored",
    "count-not-decremented",
    "last-leave-keeps-session",
    "index-writable-by-user",
    "server-index-delete-ignored",
    "reservation-overwrites-member",
    "ready-active-allowed",
    "no-active-title",
    "sda-without-connectivity",
    "no-device-token",
    "measurements-self-allowed",
    "encounters-echoed",
    "groups-never-cleared",
    "member-custom-null-ignored",
    "reserved-flag-missing",
    "reserved-flag-never-cleared",
    "reservations-reversed",
    "reserve-gaps-accepted",
    "props-missing-creates",
    "props-replace-system",
    "props-if-match-ignored",
    "custom-null-ignored",
    "keywords-appended",
    "keywords-on-private",
    "host-unchecked",
    "constants-mutable",
    "members-needed-unchecked",
    "no-initializing",
    "init-succeeded-accepted",
    "if-none-match-ignored",
    "create-only-refused",
    "if-match-ignored",
    "if-match-current-refused",
    "etag-constant",
    "412-without-body",
    "if-match-star-creates",
    "if-match-star-refused",
    "racy-if-match",
    "racy-merge",
    "stale-read",
    "get-absent-404",
    "if-none-match-get-ignored",
    "unknown-keys-accepted",
    "malformed-json-500",
    "error-bodies-json",
    "wrong-types-500",
    "wrong-method-404",
    "unknown-template-accepted",
    "camelcase-path-404",
    "open-write-refused",
    "private-as-open",
    "visible-unreadable",
    "visible-joinable",
    "reservation-not-honoured",
    "closed-ignored",
    "full-joinable",
    "user-auth-style-ignored",
    "role-max-ignored",
    "servers-writable-by-user",
    "server-null-ignored",
    "contract-version-ignored",
    "legacy-rendering-missing",
    "expires-missing",
]


def test_the_catalogue_has_every_named_fault() -> None:
    assert set(NAMED) - set(FAULTS) == set()
    assert len(FAULTS) >= 25


@pytest.mark.parametrize("fault", FAULTS.values(), ids=lambda fault: fault.name)
def test_every_declared_id_is_in_the_ledger(fault: Fault) -> None:
    ledger = load_ledger()
    assert fault.breaks
    assert all(requirement in ledger for requirement in (*fault.breaks, *fault.collateral))
    assert not set(fault.breaks) & set(fault.collateral)
    assert bool(fault.collateral) == bool(fault.why_collateral)


def test_an_unknown_fault_name_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        FaultSet.of(["no-such-fault"])
    with pytest.raises(KeyError):
        FaultSet.of(["create-200"]).on("misspelt-fault")
