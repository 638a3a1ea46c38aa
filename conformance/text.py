"""Text of any size cut to one readable line, for failure messages, reasons and reports."""

from __future__ import annotations


def shorten(text: str, width: int = 200) -> str:
    """``text`` on one line (each run of whitespace becomes one space), cut to ``width`` characters
    ending in "..." when longer: a message quotes bodies and values the target chose, of any size."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 3] + "..."
