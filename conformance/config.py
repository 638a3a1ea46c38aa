"""Target configuration: ``target.toml`` + CLI overrides + ``MPSD_*`` secrets -> one frozen ``Target``.

The file format is a stable interface (external scripts write it), so every key is checked here
and every mistake becomes one ``ConfigError`` line that names the key. Secrets may stay out of
the file: ``MPSD_USER_<n>_AUTHORIZATION`` (n from 1) and ``MPSD_SERVER_AUTHORIZATION`` fill or
override the file's ``authorization`` values.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from conformance.ledger import CAPABILITIES
from conformance.ratelimit import MPSD_LIMITS, RateLimit, parse_limits

CONTRACT_VERSIONS = (104, 105, 107)
DEFAULT_TIMEOUT_S = 10.0
# The scid of the embedded target, and the one a bare ``mpsd-conformance serve`` serves: the scid of
# the example target.toml in the README and ``run --help``, so that example pointed at a local
# ``serve`` (``--target http://127.0.0.1:8080``) names the scid it serves.
DEFAULT_SCID = "00000000-0000-0000-0000-0000000000ab"
MIN_USERS = 2
# Capabilities a file may declare; "server" and "users-3" follow from the identities themselves.
DECLARABLE = frozenset(CAPABILITIES - {"server", "users-3"})
_XUID = re.compile(r"^[0-9]{1,20}$")
_SECTIONS = {"target", "users", "server"}
_TARGET_KEYS = {"url", "scid", "template", "contract_version", "timeout_s", "capabilities", "rate_limits"}


class ConfigError(ValueError):
    """Missing or invalid configuration; the message is one line for the user."""


@dataclass(frozen=True)
class User:
    xuid: str
    authorization: str = field(repr=False)
    # The device the user's token is for (joinRestriction local compares devices; C4, C7).
    device: str | None = None


@dataclass(frozen=True)
class Target:
    url: str
    scid: str
    template: str
    users: tuple[User, ...]
    contract_version: int = 107
    timeout_s: float = DEFAULT_TIMEOUT_S
    server_authorization: str | None = field(default=None, repr=False)
    declared: frozenset[str] = frozenset()
    # Calls per window each identity may send; the suite paces every request under them.
    rate_limits: tuple[RateLimit, ...] = ()

    @property
    def capabilities(self) -> frozenset[str]:
        """What this target can exercise: declared features plus what its identities allow."""
        derived = set(self.declared)
        if self.server_authorization:
            derived.add("server")
        if len(self.users) >= 3:
            derived.add("users-3")
        return frozenset(derived)

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every credential this configuration holds; nothing may print or store these."""
        values = [u.authorization for u in self.users]
        if self.server_authorization:
            values.append(self.server_authorization)
        return tuple(values)

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc.lower()


def load_target(
    path: Path | None,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Target:
    """Read ``path`` (may be None when flags and environment carry everything) and apply overrides."""
    environ = os.environ if environ is None else environ
    data: dict[str, Any] = {}
    if path is not None:
        data = _read_toml(path)
    return parse_target(data, overrides or {}, environ)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None


def parse_target(data: Mapping[str, Any], overrides: Mapping[str, Any], environ: Mapping[str, str]) -> Target:
    unknown = sorted(set(data) - _SECTIONS)
    if unknown:
        raise ConfigError(f"unknown section(s) {unknown}; expected [target], [[users]], [server]")
    section = data.get("target", {})
    if not isinstance(section, dict):
        raise ConfigError("[target] must be a table")
    unknown = sorted(set(section) - _TARGET_KEYS)
    if unknown:
        raise ConfigError(f"[target]: unknown key(s) {unknown}")
    merged = {**section, **{k: v for k, v in overrides.items() if v is not None}}
    url = _url(merged.get("url"))
    scid = _text(merged.get("scid"), "[target].scid (or --scid)")
    template = _text(merged.get("template"), "[target].template (or --template)")
    version = _contract_version(merged.get("contract_version", 107))
    timeout = _timeout(merged.get("timeout_s", DEFAULT_TIMEOUT_S))
    declared = _declared(merged.get("capabilities", []))
    limits = _rate_limits(merged.get("rate_limits"), url)
    users = _users(data.get("users", []), environ)
    server = _server(data.get("server"), environ)
    target = Target(url, scid, template, users, version, timeout, server, declared, limits)
    if len(set(target.secrets)) != len(target.secrets):
        raise ConfigError("every user and the server need their own authorization value")
    return target


def _url(value: Any) -> str:
    if not value:
        raise ConfigError("no target URL: set [target].url or pass --target")
    if not isinstance(value, str):
        raise ConfigError("[target].url must be a string")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"[target].url must be an http(s) URL with a host, got {value!r}")
    if parts.query or parts.fragment:
        raise ConfigError("[target].url must not carry a query or fragment")
    return value.rstrip("/")


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value.strip() or "/" in value:
        raise ConfigError(f"{name} must be a non-empty string without '/'")
    return value


def _contract_version(value: Any) -> int:
    try:
        version = int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"contract_version must be one of {CONTRACT_VERSIONS}, got {value!r}") from None
    if version not in CONTRACT_VERSIONS or isinstance(value, bool):
        raise ConfigError(f"contract_version must be one of {CONTRACT_VERSIONS}, got {value!r}")
    return version


def _timeout(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 300:
        raise ConfigError(f"timeout_s must be a number of seconds in (0, 300], got {value!r}")
    return float(value)


def _declared(value: Any) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError("[target].capabilities must be a list of strings")
    unknown = sorted(set(value) - DECLARABLE)
    if unknown:
        raise ConfigError(f"[target].capabilities: unknown {unknown}; known {sorted(DECLARABLE)}")
    return frozenset(value)


def _rate_limits(value: Any, url: str) -> tuple[RateLimit, ...]:
    """The target's limits per caller; unset, a remote target gets MPSD's documented ones (G5) and
    a loopback one none (the embedded reference, a local build)."""
    if value is None:
        return () if is_loopback(url) else MPSD_LIMITS
    if not (isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))):
        raise ConfigError('rate_limits must be a list like ["30/15", "300/300"] (calls/seconds), or "none"')
    try:
        return parse_limits(value)
    except ValueError as exc:
        raise ConfigError(f"rate_limits: {exc}") from None


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _users(value: Any, environ: Mapping[str, str]) -> tuple[User, ...]:
    if not isinstance(value, list):
        raise ConfigError("[[users]] must be an array of tables")
    users = []
    for number, entry in enumerate(value, start=1):
        if not isinstance(entry, dict) or set(entry) - {"xuid", "authorization", "device"}:
            raise ConfigError(f"[[users]] #{number}: only xuid, authorization and device are allowed")
        device = entry.get("device")
        if device is not None and (not isinstance(device, str) or not device.strip()):
            raise ConfigError(f"[[users]] #{number}: device must be a non-empty string (the token's device)")
        xuid = entry.get("xuid")
        if not isinstance(xuid, str) or not _XUID.match(xuid):
            raise ConfigError(f'[[users]] #{number}: xuid must be a decimal string, e.g. "2814000000000001"')
        secret = environ.get(f"MPSD_USER_{number}_AUTHORIZATION") or entry.get("authorization")
        users.append(
            User(xuid, _authorization(secret, f"[[users]] #{number}", f"MPSD_USER_{number}"), device)
        )
    if len(users) < MIN_USERS:
        raise ConfigError(f"at least {MIN_USERS} [[users]] are needed, found {len(users)}")
    if len({u.xuid for u in users}) != len(users):
        raise ConfigError("[[users]]: every user needs a different xuid")
    return tuple(users)


def _server(value: Any, environ: Mapping[str, str]) -> str | None:
    secret = environ.get("MPSD_SERVER_AUTHORIZATION")
    if value is None and not secret:
        return None
    if value is not None and (not isinstance(value, dict) or set(value) - {"authorization"}):
        raise ConfigError("[server]: only authorization is allowed")
    return _authorization(secret or (value or {}).get("authorization"), "[server]", "MPSD_SERVER")


def _authorization(value: Any, where: str, env_prefix: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: no authorization (set it in the file or in {env_prefix}_AUTHORIZATION)")
    if "\n" in value or "\r" in value:
        raise ConfigError(f"{where}: authorization must be a single line")
    return value


def dump_target(target: Target) -> str:
    """The target as target.toml text, secrets included: for a private temp file handed to pytest."""

    def s(value: str) -> str:
        return json.dumps(value)  # JSON string escapes are valid TOML basic-string escapes

    lines = [
        "[target]",
        f"url = {s(target.url)}",
        f"scid = {s(target.scid)}",
        f"template = {s(target.template)}",
        f"contract_version = {target.contract_version}",
        f"timeout_s = {target.timeout_s}",
        f"capabilities = [{', '.join(s(c) for c in sorted(target.declared))}]",
        f"rate_limits = [{', '.join(s(str(limit)) for limit in target.rate_limits)}]",
    ]
    for user in target.users:
        lines += ["", "[[users]]", f"xuid = {s(user.xuid)}", f"authorization = {s(user.authorization)}"]
        if user.device:
            lines.append(f"device = {s(user.device)}")
    if target.server_authorization:
        lines += ["", "[server]", f"authorization = {s(target.server_authorization)}"]
    return "\n".join(lines) + "\n"
