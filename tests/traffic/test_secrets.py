"""A capture full of secrets: none of them reaches a report, a log or the HAR the proxy writes."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from conformance.embedded import embedded_target
from conformance.http.transport import Limits
from conformance.reference import ReferenceConfig, ReferenceServer
from conformance.traffic import command
from conformance.traffic.proxy import Proxy

from .hars import BASE, check, failing, har_of, raw_entry, session, written
from .test_proxy import PATH, _args

TOKEN = "HAR-TOKEN-ALPHA-0123456789"
SIGNATURE = "HAR-SIGNATURE-BETA-987654"
COOKIES = ("HAR-COOKIE-GAMMA-111", "HAR-COOKIE-DELTA-222", "HAR-SETCOOKIE-EPSILON-333", "HAR-ARRAY-ZETA-444")
SECRETS = (TOKEN, SIGNATURE, *COOKIES)


def _leaks(texts: dict[str, str], secrets: tuple[str, ...]) -> list[str]:
    return [f"{secret} in {name}" for name, text in texts.items() for secret in secrets if secret in text]


def _artefacts(folder: Path) -> dict[str, str]:
    files = sorted(p for p in folder.iterdir() if p.is_file())
    assert len(files) >= 5
    return {p.name: p.read_text(encoding="utf-8") for p in files}


def _secret_capture() -> dict[str, Any]:
    """Secrets in every place a HAR keeps them, and echoed back in bodies, a URL and an error; each
    exchange breaks something, so that the reports show it with its evidence."""
    url = f"{BASE}/secretive"
    credentials = {
        "Authorization": f"XBL3.0 x=4242;{TOKEN}",
        "Signature": SIGNATURE,
        "Cookie": f"sess={COOKIES[0]}; pref={COOKIES[1]}",
    }
    created = raw_entry(
        "PUT", f"{url}?sig={SIGNATURE}", at=0, request=credentials,
        sent={"members": {"me": {"constants": {"system": {"xuid": "2814000000000001"}}}},
              "properties": {"custom": {"token": TOKEN}}},
        status=201, response={"Set-Cookie": f"auth={COOKIES[2]}; Path=/; HttpOnly"},
        answered=session(1, properties={"system": {}, "custom": {"token": TOKEN, "cookie": COOKIES[0]}}),
    )  # fmt: skip
    created["request"]["cookies"] = [
        {"name": "sess", "value": COOKIES[0]},
        {"name": "z", "value": COOKIES[3]},
    ]
    refused = raw_entry(
        "GET", url, at=1, request={**credentials, "X-Xbl-Contract-Version": ""}, status=400,
        text=f"no contract version; you sent signature {SIGNATURE} and cookie {COOKIES[3]}",
    )  # fmt: skip
    return har_of(created, refused)


def test_check_traffic_keeps_every_secret_of_a_har_out_of_its_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = check(tmp_path, written(tmp_path, _secret_capture()))
    out, err = capsys.readouterr()
    assert code == 1
    assert failing(report) == {"ETAG-PRESENT"}
    assert failing(report, "client") == {"CLIENT-CONTRACT-VERSION"}
    texts = {**_artefacts(tmp_path / "out"), "stdout": out, "stderr": err}
    evidence = next(v for v in report["requirements"] if v["id"] == "ETAG-PRESENT")["checks"][0]["evidence"]
    assert json.loads(evidence[0]["response"]["body"])["properties"]["custom"]["token"] == "[redacted]"
    assert _leaks(texts, SECRETS) == []


def test_the_proxy_keeps_every_secret_out_of_its_reports_log_and_har(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = embedded_target()
    token = target.users[0].authorization.split(";")[1]
    secrets = (token, SIGNATURE, COOKIES[0])
    said: list[str] = []
    with ReferenceServer(ReferenceConfig.from_target(target)) as server:
        url = server.url
        proxy = Proxy(url, ("127.0.0.1", 0), Limits(10.0), say=said.append).start()
        started = time.time()
        try:
            headers = {
                "Authorization": target.users[0].authorization,
                "Signature": SIGNATURE,
                "Cookie": f"sess={COOKIES[0]}",
                "X-Xbl-Contract-Version": "107",
            }
            body = {
                "members": {"me": {"constants": {"system": {"xuid": target.users[0].xuid}}}},
                "properties": {"custom": {"echo": token, "cookie": COOKIES[0]}},  # the answer echoes them
            }
            session = f"{proxy.url}{PATH}/secretive"
            assert requests.put(session, json=body, headers=headers, timeout=10).status_code == 201
            headers["X-Xbl-Contract-Version"] = ""  # a finding the proxy prints
            assert requests.get(session, headers=headers, timeout=10).status_code == 400
        finally:
            proxy.stop()
    command.finish(proxy, _args(tmp_path, url), started)
    out, err = capsys.readouterr()
    texts = {**_artefacts(tmp_path / "proxy"), "printed": "\n".join(said), "stdout": out, "stderr": err}
    assert said
    assert "[redacted caller 1]" in texts["traffic.har"]
    answer = json.loads(texts["traffic.har"])["log"]["entries"][0]["response"]["content"]["text"]
    assert json.loads(answer)["properties"]["custom"]["echo"] == "[redacted]"  # scrubbed, not dropped
    assert _leaks(texts, secrets) == []
