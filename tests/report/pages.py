"""Reading the generated HTML pages back: what they contain, and that they fetch nothing."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from conformance.ledger import load_ledger


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text of <style> elements."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.style = ""
        self._in_style = False
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.style += data


def source_links() -> set[str]:
    """The public documents the ledger cites: the only other origins a page may link to."""
    return {url for s in load_ledger().sources.values() for url in (s.url, s.original) if url}


def assert_loads_nothing(page: str) -> Tags:
    """No element that fetches, no CSS that fetches, and a CSP; the only links to another origin
    are <a> links to the requirements' public sources, which a reader opens and nothing follows."""
    parsed = Tags(page)
    fetching = {"script", "link", "img", "iframe", "object", "embed", "base", "form", "audio", "video"}
    assert fetching.isdisjoint(tag for tag, _ in parsed.tags)
    sources = source_links()
    for tag, attrs in parsed.tags:
        if tag == "a" and attrs.get("href") in sources:
            assert attrs.get("rel") == "noreferrer noopener", attrs
            continue
        for name in ("src", "href", "action", "srcset", "poster", "data", "xlink:href"):
            value = attrs.get(name)
            # Fragments, or relative paths to a run's own report: nothing with a scheme or a host.
            assert value is None or not re.match(r"^\s*([a-z][a-z0-9+.-]*:|//)", value, re.I), (name, value)
    assert "url(" not in parsed.style
    assert "@import" not in parsed.style
    policies = [
        a.get("content") or "" for t, a in parsed.tags if a.get("http-equiv") == "Content-Security-Policy"
    ]
    assert policies
    assert policies[0].startswith("default-src 'none'")
    return parsed
