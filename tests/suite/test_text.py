"""One way to quote text of any size in a message: on one line, cut at a width."""

from __future__ import annotations

from conformance.text import shorten


def test_short_text_is_kept_on_one_line() -> None:
    assert shorten("a  body\n  over\tlines ") == "a body over lines"
    assert shorten("") == ""


def test_long_text_is_cut_to_the_width_with_an_ellipsis() -> None:
    assert shorten("x" * 10, 10) == "x" * 10
    assert shorten("x" * 11, 10) == "xxxxxxx..."
    assert len(shorten("word " * 100)) == 200
