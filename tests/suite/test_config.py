"""target.toml parsing: every mistake is one line naming the key; secrets may come from the environment."""

from __future__ import annotations

import pytest

from conformance.config import ConfigError, dump_target, load_target, parse_target

GOOD = {
    "target": {"url": "https://mpsd.example.test/", "scid": "scid-1", "template": "conformance"},
    "users": [
        {"xuid": "2814000000000001", "authorization": "XBL3.0 x=-;tok-a"},
        {"xuid": "2814000000000002", "authorization": "XBL3.0 x=-;tok-b"},
    ],
    "server": {"authorization": "XBL3.0 x=-;tok-srv"},
}


def _with(**changes):
    data = {k: (dict(v) if isinstance(v, dict) else list(v)) for k, v in GOOD.items()}
    for dotted, value in changes.items():
        section, _, key = dotted.partition("__")
        if key:
            data[section][key] = value
        elif value is None:
            data.pop(section)
        else:
            data[section] = value
    return data


def test_a_good_file_parses_with_defaults() -> None:
    target = parse_target(GOOD, {}, {})
    assert target.url == "https://mpsd.example.test"
    assert (target.contract_version, target.timeout_s) == (107, 10.0)
    assert target.capabilities == {"server"}
    assert "tok-a" not in repr(target)


def test_flags_override_the_file_and_environment_supplies_secrets() -> None:
    data = _with(users=[{"xuid": "1"}, {"xuid": "2", "authorization": "XBL3.0 x=-;file"}])
    env = {"MPSD_USER_1_AUTHORIZATION": "XBL3.0 x=-;env1", "MPSD_USER_2_AUTHORIZATION": "XBL3.0 x=-;env2"}
    target = parse_target(data, {"url": "http://127.0.0.1:9", "contract_version": 105}, env)
    assert target.url == "http://127.0.0.1:9"
    assert target.contract_version == 105
    assert [u.authorization for u in target.users] == ["XBL3.0 x=-;env1", "XBL3.0 x=-;env2"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_with(target__url=None), "no target URL"),
        (_with(target__url="ftp://x"), "http"),
        (_with(target__scid=""), "scid"),
        (_with(target__contract_version=106), "contract_version"),
        (_with(target__timeout_s=0), "timeout_s"),
        (_with(target__colour="red"), "unknown key"),
        (_with(target__capabilities=["teleport"]), "capabilities"),
        (_with(users=[GOOD["users"][0]]), "at least 2"),
        (_with(users=[{"xuid": "abc", "authorization": "x"}, GOOD["users"][1]]), "decimal"),
        (_with(users=[{"xuid": "1"}, GOOD["users"][1]]), "no authorization"),
        (_with(users=[GOOD["users"][0], GOOD["users"][0]]), "different xuid"),
        (_with(server={"authorization": "XBL3.0 x=-;tok-a"}), "own authorization"),
        (_with(extra={"a": 1}), "unknown section"),
    ],
)
def test_mistakes_are_one_line_errors(data, message) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        parse_target(data, {}, {})
    assert "\n" not in str(caught.value)
    assert "tok-" not in str(caught.value)


def test_file_errors(tmp_path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_target(tmp_path / "missing.toml", {}, {})
    broken = tmp_path / "broken.toml"
    broken.write_text("[target\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_target(broken, {}, {})


def test_dump_round_trips(tmp_path) -> None:
    target = parse_target(_with(target__capabilities=["large"]), {}, {})
    path = tmp_path / "t.toml"
    path.write_text(dump_target(target))
    assert load_target(path, {}, {}) == target
