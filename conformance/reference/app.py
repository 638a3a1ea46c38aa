"""HTTP plumbing: routes, identity, contract version, body reading, conditional headers, responses.

Everything about sessions is decided by ``SessionService``; this module only translates between
HTTP and it. Error answers are one-line ``text/plain`` messages (C1); the Authorization value is
looked up and never written anywhere.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import formatdate
from http import HTTPStatus
from urllib.parse import unquote

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from conformance.config import CONTRACT_VERSIONS
from conformance.reference.body import check_content_type, parse_object, read_body, validate
from conformance.reference.conditions import Conditions
from conformance.reference.config import ReferenceConfig, Variant
from conformance.reference.faults import FaultLog, FaultSet
from conformance.reference.model import Doc, Principal, RequestError, SessionKey, clone
from conformance.reference.overload import Overload
from conformance.reference.render import render_session, reversed_keys
from conformance.reference.service import Answer, SessionService, WriteRequest
from conformance.reference.store import Store
from conformance.reference.throttle import Throttle
from conformance.reference.timers import next_timer

# The docs spell the segment sessiontemplates; the official client sends sessionTemplates (X1).
TEMPLATE_SEGMENTS = ("sessiontemplates", "sessionTemplates")
_VERSIONS = {str(version): version for version in CONTRACT_VERSIONS}
_HOUSEKEEPING = b"x-mpsd-conformance"
# Methods this server implements somewhere; any other one is answered 501 in that variant.
KNOWN_METHODS = frozenset({"GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS"})
# The error answers C1 gives a text/plain message; any other error's body is the service's choice.
TEXT_PLAIN_ERRORS = frozenset({400, 403, 404, 405, 409})
logger = logging.getLogger("conformance.reference")


@dataclass(frozen=True)
class _Call:
    """What the URI and headers of a session request resolved to."""

    key: SessionKey
    principal: Principal
    version: int
    faults: FaultSet
    template_constants: Doc


def create_app(
    config: ReferenceConfig,
    *,
    clock: Callable[[], float] = time.time,
    store: Store | None = None,
    fault_log: FaultLog | None = None,
) -> ASGIApp:
    handlers = _Handlers(config, SessionService(store or Store(config.db), clock, config.variant))
    routes = []
    for segment in TEMPLATE_SEGMENTS:
        session_path = f"/serviceconfigs/{{scid}}/{segment}/{{template}}/sessions/{{name}}"
        routes.append(Route(session_path, handlers.session, methods=["GET", "PUT"]))
        routes.append(Route(f"{session_path}/properties", handlers.properties, methods=["PUT"]))
    app = Starlette(
        routes=routes,
        exception_handlers={RequestError: handlers.refused, HTTPException: handlers.http_error},
    )
    app.router.redirect_slashes = False
    # minimum_size=1: an empty body (204, 304) stays empty; gzip of nothing is 20 bytes, not nothing.
    logged: ASGIApp = LogCrashes(GZipMiddleware(app, minimum_size=1) if config.variant.gzip else app)
    if config.rate_limits or config.scid_rate_limits:
        logged = Throttle(logged, config.limits_for, config.faults_for, clock=time.monotonic)
    if config.capacity or config.scid_capacity:
        logged = Overload(logged, config.capacity_for, config.faults_for, clock=time.monotonic)
    if fault_log is not None:
        logged = LogAskedFaults(logged, fault_log)  # outermost: it hears the throttle's faults too
    return TitleCaseHeaders(logged) if config.variant.title_case_headers else logged


class _Handlers:
    def __init__(self, config: ReferenceConfig, service: SessionService) -> None:
        self._config = config
        self._service = service
        variant = self._variant = config.variant
        json_type = "application/json; charset=utf-8" if variant.json_charset else "application/json"
        text_type = "text/plain" if variant.bare_text_type else "text/plain; charset=utf-8"
        if variant.upper_case_types:
            json_type, text_type = json_type.upper(), text_type.upper()
        self._json_type, self._text_type = json_type, text_type

    async def session(self, request: Request) -> Response:
        call = self._resolve(request)
        if request.method in ("GET", "HEAD"):
            if_none_match = request.headers.get("if-none-match")
            if call.version == 104 and call.faults.on("legacy-read-lost"):
                return self._respond(Answer(204), call)  # the defect: the 104 read path looks elsewhere
            answer = self._service.read(call.key, call.principal, if_none_match, call.faults)
            if answer.status == 204 and call.faults.on("get-absent-200-empty"):
                return self._send(
                    "{}", 200, None, self._json_type
                )  # the defect: "nothing" as an empty document
            return self._respond(answer, call, read=True)
        body = await self._body(request, "SessionRequest", call.faults)
        write = self._write_request(request, call, body, properties_route=False)
        return self._respond(await self._service.write(write), call, write.nocommit)

    async def properties(self, request: Request) -> Response:
        call = self._resolve(request)
        body = await self._body(request, "SessionPropertiesRequest", call.faults)
        write = self._write_request(request, call, {"properties": body}, properties_route=True)
        return self._respond(await self._service.write(write), call, write.nocommit)

    def _resolve(self, request: Request) -> _Call:
        params, config = request.path_params, self._config
        faults = config.faults_for(params["scid"])
        if "/sessionTemplates/" in request.url.path and faults.on("camelcase-path-404"):
            raise RequestError(404, "no such resource")
        principal = self._acting(self._principal(request.headers.get("authorization"), faults), request)
        version = self._version(request.headers.get("x-xbl-contract-version"), faults)
        if not config.serves(params["scid"]):
            raise RequestError(
                404, "requested service config is either invalid or not configured for sessions"
            )
        template = config.template(params["template"])
        if template is None and not faults.on("unknown-template-accepted"):
            raise RequestError(404, f"session template {params['template']} is not configured")
        constants = clone(dict(template.constants)) if template else {"system": {}, "custom": {}}
        key = SessionKey(params["scid"], params["template"], params["name"])
        return _Call(key, principal, version, faults, constants)

    def _principal(self, authorization: str | None, faults: FaultSet) -> Principal:
        principal = self._config.identities.get(authorization or "")
        if principal is not None:
            return principal
        careless = "auth-missing-default-user" if authorization is None else "auth-unknown-default-user"
        if self._config.users and faults.on(careless):
            return Principal(self._config.users[0].xuid)  # the defect: anyone is the first user
        raise RequestError(401, "missing or unknown Authorization")

    @staticmethod
    def _acting(principal: Principal, request: Request) -> Principal:
        """The users a service principal acts for (S2S): ``xuid[;priv=multiplayer]``, comma-separated."""
        header = request.headers.get("x-xbl-onbehalfof-users")
        if header is None:
            return principal
        if not principal.is_server:
            raise RequestError(403, "only a service principal acts on behalf of users")
        users = []
        for part in header.split(","):
            xuid, _, privilege = part.strip().partition(";")
            if not xuid.isdigit() or privilege not in ("", "priv=multiplayer"):
                raise RequestError(
                    400, "X-Xbl-OnBehalfOf-Users must be xuid[;priv=multiplayer], comma-separated"
                )
            users.append(xuid)
        deny = request.headers.get("x-xbl-deny-scope", "").strip().lower() == "multiplayer.manage"
        return Principal(None, tuple(users), deny)

    @staticmethod
    def _version(header: str | None, faults: FaultSet) -> int:
        version = _VERSIONS.get((header or "").strip())
        if version is not None:
            return version
        if faults.on("cv-header-optional" if header is None else "cv-old-version-accepted"):
            return 107  # the defect: the header is not looked at
        raise RequestError(400, "X-Xbl-Contract-Version must be one of 104, 105, 107")

    @staticmethod
    async def _body(request: Request, schema: str, faults: FaultSet) -> Doc:
        raw = await read_body(request)
        check_content_type(request.headers.get("content-type"))
        return validate(parse_object(raw, faults), schema, faults)

    def _write_request(
        self, request: Request, call: _Call, body: Doc, *, properties_route: bool
    ) -> WriteRequest:
        variant = self._variant
        nocommit = request.query_params.get("nocommit", "false").lower()
        if nocommit not in ("true", "false"):
            raise RequestError(400, "nocommit must be true or false")
        return WriteRequest(
            key=call.key,
            body=body,
            principal=call.principal,
            template_constants=call.template_constants,
            faults=call.faults,
            conditions=Conditions(
                _condition(request, "if-match", variant), _condition(request, "if-none-match", variant)
            ),
            properties_route=properties_route,
            nocommit=nocommit == "true",
        )

    def _respond(
        self, answer: Answer, call: _Call, nocommit: bool = False, *, read: bool = False
    ) -> Response:
        faults, headers = call.faults, {}
        variant = self._variant
        tagged = not nocommit or variant.nocommit_etag
        untagged = faults.on("no-etag") or (read and faults.on("etag-missing-on-read"))
        if answer.etag is not None and tagged and not untagged:
            headers["ETag"] = _etag(answer.etag, variant)
        if answer.session is None:
            if answer.status == 412 and variant.error_bodies:
                return self._error(faults, 412, "the session does not exist, so no If-Match matches", headers)
            return Response(status_code=answer.status, headers=headers)
        timer = next_timer(answer.session, faults, variant.timer_granularity_s)
        if timer is not None and not faults.on("expires-missing"):
            # The expires-not-next-timer defect: the server's local time, labelled GMT.
            headers["Expires"] = formatdate(
                timer + 3600 if faults.on("expires-not-next-timer") else timer, usegmt=True
            )
        document = render_session(
            answer.session,
            version=call.version,
            faults=faults,
            title_id=self._config.title_id,
            variant=variant,
            caller=call.principal.xuid,
        )
        media_type = "text/plain" if faults.on("session-as-text-plain") else self._json_type
        content = json.dumps(reversed_keys(document) if variant.reversed_keys else document)
        return self._send(content, answer.status, headers, media_type)

    def _send(
        self, content: str, status: int, headers: Mapping[str, str] | None, media_type: str
    ) -> Response:
        """One answer, with a Content-Length or, in the chunked variant, in pieces without one.

        The media type goes in as a header: given as ``media_type``, Starlette would add a charset
        to text/plain, which the bare-text variant leaves out."""
        body = content.encode()
        typed = {**(headers or {}), "content-type": media_type}
        if not self._variant.chunked:
            return Response(body, status, typed)
        pieces = [body[i : i + 64] for i in range(0, len(body), 64)] or [b""]
        return StreamingResponse(iter(pieces), status, typed)

    async def refused(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestError)
        status = exc.status
        if status == 400 and not exc.named and self._variant.refusal_status:
            status = self._variant.refusal_status
        return self._error(self._faults(request), status, exc.reason)

    async def http_error(self, request: Request, exc: Exception) -> Response:
        """Starlette's own answers: an unknown path (404) or a known path with the wrong verb (405)."""
        assert isinstance(exc, HTTPException)
        faults = self._faults(request)
        if exc.status_code == 405:
            if faults.on("wrong-method-404"):
                return self._error(faults, 404, "no such resource")
            if self._variant.unknown_method_501 and request.method not in KNOWN_METHODS:
                return self._error(faults, 501, f"{request.method} is not implemented")
            return self._error(faults, 405, f"{request.method} is not allowed here", exc.headers)
        return self._error(faults, exc.status_code, "no such resource", exc.headers)

    def _error(
        self, faults: FaultSet, status: int, reason: str, headers: Mapping[str, str] | None = None
    ) -> Response:
        reason = HTTPStatus(status).phrase if self._variant.terse_reasons else " ".join(reason.splitlines())
        if faults.on("error-body-empty"):
            reason = ""
        as_json = faults.on("error-bodies-json") or (
            self._variant.error_bodies == "json" and status not in TEXT_PLAIN_ERRORS
        )
        if as_json:
            return self._send(json.dumps({"error": reason}), status, headers, self._json_type)
        return self._send(reason, status, headers, self._text_type)

    def _faults(self, request: Request) -> FaultSet:
        return self._config.faults_for(request.path_params.get("scid"))


def _condition(request: Request, name: str, variant: Variant) -> str | None:
    """A conditional header's value; empty or blank is absent in that variant (the documents do
    not say whether an empty If-Match matches nothing or means no condition)."""
    value = request.headers.get(name)
    if value is not None and not value.strip() and variant.empty_conditions_absent:
        return None
    return value


def _etag(etag: str, variant: Variant) -> str:
    if variant.etag_weak:
        return f'W/"{etag}"'
    return f'"{etag}"' if variant.etag_quoted else etag


class LogCrashes:
    """Logs an unhandled exception after Starlette has answered it with a 500.

    Starlette re-raises the exception so that the server can log it, and uvicorn then closes the
    connection, so a client's next request on that kept-alive connection may fail too. Logging it
    here instead keeps a crash to the one request that caused it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self._app(scope, receive, send)
        except Exception:
            logger.exception("unhandled error answering %s %s", scope.get("method"), scope.get("path"))


class LogAskedFaults:
    """Records, per session, which faults its requests asked about (the self-test's pruning)."""

    _SESSION = re.compile(r"/sessions/([^/]+)")

    def __init__(self, app: ASGIApp, log: FaultLog) -> None:
        self._app, self._log = app, log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (_HOUSEKEEPING, b"housekeeping") in scope["headers"]:
            await self._app(scope, receive, send)  # the suite's own upkeep: no check judges it
            return
        found = self._SESSION.search(scope["path"])
        with self._log.listening(unquote(found.group(1)) if found else ""):
            await self._app(scope, receive, send)


class TitleCaseHeaders:
    """Sends response header names in Title-Case, as some HTTP stacks do; names are case-insensitive."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_titled(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [(_title_case(k), v) for k, v in message["headers"]]}
            await send(message)

        await self._app(scope, receive, send_titled if scope["type"] == "http" else send)


def _title_case(name: bytes) -> bytes:
    return b"-".join(part[:1].upper() + part[1:].lower() for part in name.split(b"-"))
