"""The schemathesis side of the fuzz phase: the loaded schema, its per-run settings, one case's life.

The document is loaded once per process; ``run_schema`` gives each operation's recording (or live
run) a schema object of its own, with the run's budget and seed (so repeated runs in one process,
and operations in any order, generate alike). ``FuzzContext`` sends each case to a fresh session
of the configured target, records its evidence and cleans up after it.
"""

from __future__ import annotations

import json
import secrets
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import FailureGroup
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode
from schemathesis.generation.feedback import FeedbackSources
from schemathesis.pytest._test_builder import build_operation_test
from schemathesis.python._constants.orchestrator import make_constants_value_source

from conformance import bodies
from conformance.config import Target
from conformance.fuzz import cases
from conformance.fuzz.classify import is_shape_finding, shape_requirement
from conformance.fuzz.judging import Tally, is_nocommit, session_of, undeclared_method
from conformance.fuzz.shrink import ShrinkBudget, generated
from conformance.http.client import TRANSPORT_HEADERS, Identity, MpsdClient, make_exchange
from conformance.http.exchange import Exchange
from conformance.http.redact import Redactor
from conformance.http.transport import TargetStopped, Transport, TransportError
from conformance.ledger import FORM_REFUSALS
from conformance.resources import openapi_path
from conformance.shard import WHOLE, Shard, case_key

SETTINGS = Path(__file__).with_name("schemathesis.toml")
# The stateless phases, in the order a recording makes their cases: those the document and the
# schemas fix (the same for any seed and budget), then those the seed draws within the budget.
FIXED, DRAWN = ("examples", "coverage"), ("fuzzing",)
PHASES = FIXED + DRAWN
# Stored cases sent while the one before them is judged (``FuzzContext.send_each``): the default
# run measured 8.2 s sequential, 7.2 s with one ahead, 7.0 s with two, 8.0 s with three.
AHEAD = 2


def _only_the_seed_decides() -> None:
    """Keep Hypothesis from drawing the literals of "local" modules into the cases.

    Hypothesis (6.131 on) sometimes draws a string or number it found in the source of the modules
    a process has imported from outside site-packages. For this suite those are its own modules
    when it is installed editable (the README's quick start), and never when it is installed as a
    wheel; under the pytest plugin, the user's own helpers too. The cases a seed sends would then
    depend on how the suite was installed, on its source text, and on which modules a process
    happened to have imported (an xdist worker, or the controller with the embedded reference
    loaded): a seed named in one report would not replay elsewhere. Hypothesis has no setting for
    it, so its collector is replaced by the empty set a wheel install gets. Should a release move
    it, nothing is replaced and generation is as Hypothesis makes it.
    """
    from hypothesis.internal.conjecture import providers

    collector = getattr(providers, "_get_local_constants", None)
    if collector is None or not hasattr(providers, "CONSTANTS_CACHE"):
        return
    empty = type(providers._local_constants)()
    providers._get_local_constants = lambda: empty
    providers.CONSTANTS_CACHE.cache.clear()  # what was cached holds constants collected so far


_only_the_seed_decides()
# The document, loaded once per process: the state machine's class is made from it when the tests
# are imported, stored cases are rebuilt on its operations, and its hooks are registered below. No
# run changes it; each operation is generated from a schema object of its own (``run_schema``).
schema = schemathesis.openapi.from_path(
    str(openapi_path()), config=SchemathesisConfig.from_path(str(SETTINGS))
)


# The stateless operations, one fuzz item each, named as schemathesis names them.
OPERATIONS = tuple(operation.ok().label for operation in schema.get_all_operations())


def run_schema(examples: int, seed: int) -> Any:
    """A schema object made for one run: the document with the run's budget and seed, and the hooks
    registered below.

    A fresh object per run also forgets what an earlier run's remembered: schemathesis probes each
    path with each undeclared method once per schema object, and a second run in the same process
    would otherwise skip those cases and replay its seed differently.
    """
    config = SchemathesisConfig.from_path(str(SETTINGS)).projects.get(schema.raw_schema)
    config.generation.update(max_examples=examples)
    config.seed = seed
    return type(schema)(
        schema.raw_schema,
        config=config,
        location=schema.location,
        hooks=schema.hooks,
        filter_set=schema.filter_set,
    )


def run_operation(
    label: str, examples: int, seed: int, body: Callable[[Any], None], phases: Iterable[str] = PHASES
) -> None:
    """Run the Hypothesis test schemathesis makes for one operation (its document examples,
    coverage cases, then generated ones, seeded per operation) once, on a schema object of its own,
    calling ``body`` with each case: to record the cases, or live. ``phases``: only these of
    ``PHASES`` (a recording of one part of the cases)."""
    run = run_schema(examples, seed)
    for phase in PHASES:
        getattr(run.config.phases, phase).enabled = phase in phases
    build_operation_test(
        config=run.config,
        operation=operation_of(run, label),
        test_func=body,
        given_kwargs={},
        feedback=FeedbackSources(constants_value_source=make_constants_value_source(run)),
    )()


def stored_cases(label: str, examples: int, seed: int) -> list[dict[str, Any]]:
    """The operation's cases for this budget and seed, from the cache, or recorded now (its
    Hypothesis test run with a body that keeps each case) and kept.

    They come in two parts, kept apart: the document's examples and the coverage cases, the same
    for every seed and budget, then the cases the seed generates within the budget. A run with a
    new seed or budget records only the second part (under 0.1 s for a small budget, where the
    first takes about a second). Recorded apart, the parts are the cases of one recording of all
    the phases, in its order (tests/fuzz/test_cases.py)."""

    def part(key: str, phases: tuple[str, ...]) -> list[dict[str, Any]]:
        return cases.stored_cases(
            key, lambda kept: run_operation(label, examples, seed, kept.exercise, phases)
        )

    return part(cases.key(label, None, None), FIXED) + part(cases.key(label, seed, examples), DRAWN)


def operation_of(run: Any, label: str) -> Any:
    return next(op.ok() for op in run.get_all_operations() if op.ok().label == label)


@schema.hook("map_case")
def _no_immortal_sessions(ctx: Any, case: Any) -> Any:
    """Positive cases get sessionEmptyTimeout 0, so a fuzzed session dies with its last member.

    MPSD has no DELETE for a session; one generated with a long (or null = infinite) empty
    timeout would outlive the run on a vendor's service. Only positive cases are touched: any
    value there is valid, and 0 keeps the case valid, while a negative case must stay invalid.
    """
    body = case.body
    if case.meta is None or str(case.meta.generation.mode) != "positive" or not isinstance(body, dict):
        return case
    system = (body.get("constants") or {}).get("system") if isinstance(body.get("constants"), dict) else None
    if isinstance(system, dict):
        if "sessionEmptyTimeout" in system:
            system["sessionEmptyTimeout"] = 0
        if isinstance(system.get("timeouts"), dict) and "sessionEmpty" in system["timeouts"]:
            system["timeouts"]["sessionEmpty"] = 0
    return case


CONDITIONS = frozenset({"if-match", "if-none-match"})


@schema.hook("filter_failure")
def document_wins(ctx: Any, failure: Any, case: Any, response: Any) -> bool:
    """Drop findings the MPSD documentation or HTTP contradicts or does not back; every other
    finding stands (which requirement makes each enabled check binding: classify.BINDING).

    - A response's media type and shape are judged only where a statement documents them: a
      success's session document (SESSION-SCHEMA) and the text of 400/403/404/405/409
      (ERR-TEXT-PLAIN). The body of any other answer (a 412 to a PUT on a missing session with an
      empty If-Match, a 401, a 406) is the service's choice (classify.shape_requirement).
    - An accepted negative case is a finding only when its body is the invalid part. The docs
      never say to reject undeclared headers or query values, the answer to a bad contract version
      is judged by a scenario, and ``aim`` replaces generated path parameters with the target's.
    - A refusal may use any 4xx where the documents name no status (the ledger's any-4xx rule;
      latitude.yaml: refusal-status): an unlisted 4xx is no RESPONSE-STATUS-DOCUMENTED finding,
      and a schema-valid request refused with one is a BODY-VALID-ACCEPTED finding only when the
      status refuses its form (405, 406, 415, ...), not its meaning.
    - A method the document does not declare: C1 asks for 405 on a plausible URI, HTTP (RFC 9110
      §15.6.2) answers 501 for a method the server does not implement; both pass, and 501 there is
      no server error. The Allow header of a 405 is HTTP's, not the document's: not judged.
    - A nocommit answer stored nothing, so the documents say nothing of its ETag (ETAG-NOCOMMIT
      records it).
    """
    checks = set(failure.checks)
    status = response.status_code
    if is_shape_finding(failure) and shape_requirement(status) is None:
        return False
    refusal = 400 <= status < 500
    if refusal and checks == {"status_code_conformance"}:
        return False  # a refusal's status is any 4xx where the documents name none
    if refusal and checks == {"positive_data_acceptance"} and status not in FORM_REFUSALS:
        return False  # refused for its meaning, not its form
    if "negative_data_rejection" in checks:
        body = case.meta.components.get(ParameterLocation.BODY) if case.meta else None
        return body is not None and body.mode == GenerationMode.NEGATIVE
    if undeclared_method(case) and (
        status == 501 or getattr(failure, "failure_reason", "") == "missing_allow_header"
    ):
        return False
    return not (is_nocommit(case) and "response_headers_conformance" in checks)


@dataclass
class _Aimed:
    """A stateless case made ready to send: its session, who arranges and cleans it up, the
    headers it goes with, and whether a finding of it is shrunk."""

    case: Any
    name: str
    user: MpsdClient
    existing: bool
    headers: dict[str, str]
    shrinkable: bool


class FuzzContext:
    """One run's target as the fuzz phase sees it."""

    def __init__(self, target: Target, transport: Transport, run_tag: str, shard: Shard = WHOLE) -> None:
        self.target = target
        self.shard = shard
        self.transport = transport
        self.redactor = Redactor(target.secrets)
        # A stateless case means the same whoever sends it, so the cases take turns among the
        # users (a throttling target limits each caller: the load is spread over all of them);
        # the stateful sequences speak as user 1.
        self.users = [
            MpsdClient(target, Identity(f"user {i}", u.xuid, u.authorization), transport, self.redactor)
            for i, u in enumerate(target.users, start=1)
        ]
        # Per run, never per process: a second run in the same process must make the same choices.
        # How many turns and names the run has handed out (``send_each`` takes back the next
        # case's when it must not have been sent).
        self._turns, self._names = 0, 0
        self.user = self.users[0]
        self.headers = speaking_as(self.user)
        admin_auth = target.server_authorization
        self.admin_headers = {"Authorization": admin_auth} if admin_auth else None
        admin = target.server_authorization
        self.admin = (
            MpsdClient(target, Identity("server", None, admin), transport, self.redactor) if admin else None
        )
        self.run_tag = run_tag
        # What the running fuzz item has seen, and what it may still spend on its findings; each
        # item starts with fresh ones (conftest.py).
        self.tally = Tally()
        self.shrink = ShrinkBudget(0)

    def restart(self) -> None:
        """Before an item is sent again, live: its shrink budget afresh, as the live run meets its
        first finding again (what the stored cases' answers showed stays in the tally)."""
        self.shrink = ShrinkBudget(self.shrink.budget)

    def new_name(self) -> str:
        return f"mpsdfz-{self.run_tag}-{self._next_name()}-{secrets.token_hex(3)}"

    def _next_name(self) -> int:
        self._names += 1
        return self._names

    def _next_turn(self) -> int:
        self._turns += 1
        return self._turns - 1

    def aim(self, case: Any, name: str) -> None:
        """Point a generated case at the configured scid and template and at session ``name``."""
        case.path_parameters = {
            **(case.path_parameters or {}),
            "scid": self.target.scid,
            "sessionTemplateName": self.target.template,
            "sessionName": name,
        }

    def call(self, case: Any, headers: dict[str, str] | None = None) -> Any:
        with self.transport.guard():
            return case.call(
                base_url=self.target.url, session=self.transport.session, headers=headers or self.headers
            )

    def call_or_block(self, case: Any) -> Any:
        """For a sequence that cannot go on without the answer: transport trouble blocks the item."""
        try:
            return self.call(case)
        except TransportError as exc:
            raise exc.blocked() from None

    def _caller(self, case: Any, positive: bool, user: MpsdClient) -> dict[str, str]:
        """Negative bodies go as the server principal when they do not speak as ``me``: a user's
        403 for writing ``servers`` would otherwise hide whether the invalid part was noticed."""
        members = case.body.get("members") if isinstance(case.body, dict) else None
        speaks_as_me = isinstance(members, dict) and "me" in members
        if positive or speaks_as_me or self.admin_headers is None:
            return speaking_as(user)
        return self.admin_headers

    def exercise(self, case: Any) -> None:
        """Send one stateless case and judge its answer.

        Positive reads and /properties writes go to a session that exists (else they would only
        ever see 204 and 404), and every other positive PUT alternates between a fresh name (a
        create) and an existing session (an update). Negative cases go to fresh names: a
        conformant target rejects them, so there is nothing to clean up unless one was accepted.
        A generated case's findings are raised for Hypothesis to shrink, within the item's budget.
        """
        aimed = self._aimed(case)
        if aimed is not None:
            self._judge(aimed, lambda: self._send(aimed))

    def send_each(self, stored: Iterable[Any]) -> Iterator[None]:
        """``exercise`` each case in order, yielding once for each case done; up to ``AHEAD``
        cases that cannot be shrunk (coverage cases, document examples) are sent while the one
        before them is judged.

        An operation's stored cases are a thousand and more requests, each to a session of its
        own, so what one answer says changes nothing the next case sends: judging one while the
        target answers the next keeps the worker and the target busy at once. Everything else is
        as one by one: each case gets its session, its user and its turn in order and is judged
        in order, and a generated case (one that may find something to shrink) waits for every
        case before it to be judged, so its finding comes with exactly the cases before it done.
        Should judging end the item (a failure, a target that stopped), a case already sent is
        not judged: it is cleaned up as any case is, and its session's name and turn are handed
        out again.
        """
        ahead: deque[tuple[_Aimed, Future[Any], tuple[int, int]]] = deque()
        with ThreadPoolExecutor(AHEAD, thread_name_prefix="mpsd-fuzz-ahead") as lanes:
            try:
                for case in stored:
                    if generated(case):
                        while ahead:
                            yield self._judge_sent(ahead.popleft())
                        self.exercise(case)
                        yield
                        continue
                    handed_out = (self._turns, self._names)
                    aimed = self._aimed(case)
                    if aimed is None:
                        yield
                        continue
                    ahead.append((aimed, lanes.submit(self._send, aimed), handed_out))
                    if len(ahead) > AHEAD:
                        yield self._judge_sent(ahead.popleft())
                while ahead:
                    yield self._judge_sent(ahead.popleft())
            finally:
                for unjudged in reversed(ahead):
                    self._take_back(*unjudged)

    def _judge_sent(self, sent: tuple[_Aimed, Future[Any], tuple[int, int]]) -> None:
        self._judge(sent[0], sent[1].result)

    def _take_back(self, aimed: _Aimed, sending: Future[Any], handed_out: tuple[int, int]) -> None:
        """A case sent ahead that judging never reached: its session cleaned up, unjudged."""
        self._turns, self._names = handed_out
        try:
            response = sending.result()
        except Exception:  # noqa: BLE001 - whatever sending it met, nothing is judged of it
            return
        if aimed.existing or 200 <= response.status_code < 300:
            self.cleanup(aimed.name, response, aimed.user)

    def _aimed(self, case: Any) -> _Aimed | None:
        """The case at a fresh session, with who sends it; None for a case another shard sends."""
        shrinkable = generated(case)
        if not shrinkable and not self.shard.owns(case_key(case)):
            return None  # a coverage case another shard sends (generated ones differ by the shard's seed)
        if shrinkable:
            self.shrink.pay()
        name = self.new_name()
        user = self.users[self._next_turn() % len(self.users)]  # arranges, sends and cleans up the case
        positive = case.meta is None or str(case.meta.generation.mode) == "positive"
        existing = positive and (
            case.method.upper() == "GET" or case.path.endswith("/properties") or self._next_name() % 2 == 0
        )
        if not existing and not positive and case.headers:
            # A generated If-Match would fail its precondition (412) before the invalid body is read.
            case.headers = {k: v for k, v in case.headers.items() if k.lower() not in CONDITIONS}
        self.aim(case, name)
        return _Aimed(case, name, user, existing, self._caller(case, positive, user), shrinkable)

    def _send(self, aimed: _Aimed) -> Any:
        if aimed.existing:
            aimed.user.put(aimed.name, bodies.join(aimed.user.xuid))
        return self.call(aimed.case, aimed.headers)

    def _judge(self, aimed: _Aimed, send: Callable[[], Any]) -> None:
        try:
            response = send()
        except TargetStopped as exc:
            # Every later case would be refused the same way: end the item now (Hypothesis lets a
            # skip through at once, without shrinking).
            self.tally.lost(str(exc), stopped=True)
            raise exc.blocked() from None
        except TransportError as exc:
            # Lost to the transport: no verdict on anything, and not a finding to shrink either.
            self.tally.lost(str(exc))
            return
        sender = "server" if aimed.headers is self.admin_headers else aimed.user.identity.label
        how = {"arrange": aimed.user.identity.label if aimed.existing else None, "identity": sender}
        try:
            self.validate(aimed.case, response, how)
        except FailureGroup as group:
            if not aimed.shrinkable:
                raise
            raise self.shrink.found(group.exceptions, _size(response.request)) from None
        finally:
            if aimed.existing or 200 <= response.status_code < 300:
                self.cleanup(aimed.name, response, aimed.user)

    def validate(self, case: Any, response: Any, how: dict[str, Any] | None = None) -> None:
        """Run every configured and registered check; a finding carries its status and evidence to
        the plugin (the evidence is only built for findings: most answers pass), and with ``how``
        (who arranged the case's session and who sent it), what ``replay`` needs to send it again."""
        try:
            case.validate_response(response)
        except FailureGroup as group:
            exchange = self.evidence(response)
            record = None if how is None else self.redacted({**how, **cases.to_record(case)})
            for failure in group.exceptions:  # schemathesis re-wraps the group for pytest; members survive
                failure.mpsd_status = response.status_code  # type: ignore[attr-defined]
                failure.mpsd_exchange = exchange  # type: ignore[attr-defined]
                if record is not None:
                    failure.mpsd_replay = record  # type: ignore[attr-defined]
            raise
        finally:
            self.tally.saw(case, response, self.evidence)

    def redacted(self, record: dict[str, Any]) -> dict[str, Any]:
        """A replay record with every secret the target's identities carry taken out."""
        return json.loads(self.redactor.text(json.dumps(record)))

    def client(self, label: str) -> MpsdClient:
        """The identity a record names ("user 2", "server"), with this target's credentials."""
        found = {c.identity.label: c for c in (*self.users, *([self.admin] if self.admin else []))}
        if label not in found:
            raise ValueError(f"the finding was sent as {label}, which this target does not configure")
        return found[label]

    def evidence(self, response: Any) -> Exchange:
        request = response.request
        body = request.body.encode() if isinstance(request.body, str) else request.body
        headers = tuple((k, v) for k, v in request.headers.items() if k.lower() not in TRANSPORT_HEADERS)
        sent = (request.method, request.url, headers, body)
        answer_headers = tuple((k, v[0] if isinstance(v, list) else v) for k, v in response.headers.items())
        return make_exchange(self.redactor, sent, (response.status_code, answer_headers, response.content))

    def cleanup(self, name: str, last: Any = None, user: MpsdClient | None = None) -> None:
        """Remove everyone from a fuzzed session. A 2xx answer shows who is in it, and the server
        principal removes them by index; a refused case changed nothing, so the user who arranged
        the session leaves; with no answer to go by, read it back. What remains is the leak
        audit's to report."""
        try:
            if last is not None and last.status_code == 204:
                return
            session = session_of(last) if last is not None and last.status_code in (200, 201) else None
            if self.admin is not None and (session is not None or last is None):
                if session is None:
                    found = self.admin.get(name)
                    session = found.json() if found.status == 200 else None
                members = session.get("members") if isinstance(session, dict) else None
                removal = (
                    {"members": dict.fromkeys(members)} if isinstance(members, dict) and members else None
                )
                if removal and self.admin.put(name, removal).status == 204:
                    return
            (user or self.user).put(name, bodies.leave())
        except (TransportError, ValueError):
            return  # cleanup never decides a verdict; the target's failures are the checks' to report


def speaking_as(user: MpsdClient) -> dict[str, str]:
    return {"Authorization": user.identity.authorization or ""}


def _size(request: Any) -> int:
    """How big a request is, to keep the smallest of several failing ones: its URL and body."""
    return len(request.url or "") + len(request.body or b"")
