from __future__ import annotations

from conformance.http.redact import REDACTED, Redactor


def test_authorization_headers_are_always_redacted() -> None:
    redactor = Redactor()
    assert redactor.headers([("Authorization", "XBL3.0 x=1;abc"), ("X-Other", "v")]) == (
        ("Authorization", REDACTED),
        ("X-Other", "v"),
    )


def test_known_secrets_and_their_token_part_are_scrubbed_from_text() -> None:
    redactor = Redactor(["XBL3.0 x=hash;secret-token-value"])
    echoed = 'body says {"token": "secret-token-value"} and XBL3.0 x=hash;secret-token-value'
    assert "secret-token-value" not in redactor.text(echoed)


def test_short_fragments_do_not_redact_ordinary_text() -> None:
    assert Redactor(["XBL3.0 x=-;a"]).text("a cat") == "a cat"
