"""report.html and compare.html in a real browser: they render, say their headline, fetch nothing.

Parsing the HTML (test_compare.py, test_html.py) proves what the markup asks for; only a browser
proves what actually happens when the page is opened. Chromium runs headless behind a recording
proxy that answers every request with 502, so a page that tried to fetch anything is caught and no
request leaves the machine. .ci/run installs Debian's chromium; where it is missing these tests skip
and the parsing tests stand.
"""

from __future__ import annotations

import html
import re
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.report.compare import compare, load_run
from conformance.report.view import headline

from .pages import source_links
from .test_compare import HOSTILE_URL, CliRuns, cli_runs, hostile_pair

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed (apt-get install chromium); the HTML-parsing tests still prove "
    "the pages name no external URL",
)
# Chromium's own services (update checks, sign-in), which it calls whatever the page is; the pages
# never name these domains (asserted below), so ignoring them cannot hide a request from a page.
BROWSER_DOMAINS = ("google.com", "googleapis.com", "gstatic.com", "gvt1.com")


class RecordingProxy:
    """An HTTP proxy that records the host of every request and forwards none."""

    def __init__(self) -> None:
        self.hosts: list[str] = []
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._server.accept()
            except OSError:  # closed
                return
            with connection:
                connection.settimeout(5)
                try:
                    line = connection.recv(8192).split(b"\r\n", 1)[0].decode("latin-1")
                    connection.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                except OSError:
                    continue
            target = line.split(" ")[1] if line.count(" ") >= 2 else line
            self.hosts.append(re.sub(r"^[a-z]+://", "", target).split("/")[0].rsplit(":", 1)[0])

    def page_requests(self) -> list[str]:
        return [h for h in self.hosts if not any(h == d or h.endswith("." + d) for d in BROWSER_DOMAINS)]

    def close(self) -> None:
        self._server.close()


@pytest.fixture
def proxy() -> Iterator[RecordingProxy]:
    recorder = RecordingProxy()
    yield recorder
    recorder.close()


def dump_dom(page: Path, proxy: RecordingProxy, profile: Path, *extra: str) -> str:
    """Load the page headless, let virtual time run out, and return the DOM it ended with."""
    assert CHROMIUM is not None
    command = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
        f"--proxy-server=http://127.0.0.1:{proxy.port}", "--proxy-bypass-list=<-loopback>",
        "--virtual-time-budget=3000", *extra, page.resolve().as_uri(),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    """Each page, with the headline it must show."""
    runs: CliRuns = cli_runs(tmp_path_factory)
    out = tmp_path_factory.mktemp("browser")
    pairs = {"compare": (runs.clean, runs.faulty), "hostile": hostile_pair(out / "hostile")}
    found = {
        name: (folder / "report.html", headline(load_run(folder))) for name, folder in vars(runs).items()
    }
    for name, (older, newer) in pairs.items():
        assert main(["compare", str(older), str(newer), "--out", str(out / name)]) == 0
        found[name] = (out / name / "compare.html", compare([older, newer]).headline)
    return found


def test_the_proxy_sees_what_a_page_fetches(proxy: RecordingProxy, tmp_path: Path) -> None:
    """The control: without it, an empty record could just mean the proxy was never used."""
    page = tmp_path / "fetches.html"
    page.write_text('<!doctype html><img src="http://canary.invalid/x.png"><p>hi</p>', encoding="utf-8")
    dump_dom(page, proxy, tmp_path / "profile")
    assert "canary.invalid" in proxy.page_requests()


@pytest.mark.parametrize("name", ["clean", "faulty", "compare", "hostile"])
def test_pages_render_their_headline_and_fetch_nothing(pages, name: str, proxy, tmp_path: Path) -> None:
    page, expected = pages[name]
    dom = dump_dom(page, proxy, tmp_path / "profile", "--dump-dom")
    assert html.escape(expected, quote=False) in dom
    assert "<script" not in dom.lower()
    # Whatever the target sent is text on the page, not markup the browser acted on.
    if name == "hostile":
        assert html.escape(HOSTILE_URL, quote=False) in dom
    for attribute, value in re.findall(r'\s(src|href|action|srcset|poster|data)="([^"]*)"', dom):
        linked_source = attribute == "href" and html.unescape(value) in source_links()
        assert linked_source or not re.match(r"^\s*(https?:|//)", value, re.I), (attribute, value)
    assert not any(domain in dom for domain in BROWSER_DOMAINS), "the proxy record would ignore this"
    assert proxy.page_requests() == []


def test_compare_page_screenshots_at_laptop_and_phone_width(
    pages, proxy: RecordingProxy, tmp_path: Path
) -> None:
    for width, height in ((1280, 900), (390, 844)):
        shot = tmp_path / f"compare-{width}.png"
        dump_dom(pages["compare"][0], proxy, tmp_path / f"profile-{width}", f"--window-size={width},{height}",
                 f"--screenshot={shot}")  # fmt: skip
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert proxy.page_requests() == []
