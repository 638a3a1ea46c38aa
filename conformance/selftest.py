"""The suite's proof of its own verdicts: a mutation score against the reference's fault
catalogue, and a false-failure score against the latitudes the documents leave a service.

One reference service hosts a clean tenant and one tenant per fault (each its own scid with that
fault alone switched on), and the whole scenario suite runs against every tenant in one pytest
session. The clean tenant must pass; each fault must fail the requirements it declares it breaks,
and nothing beyond those and its declared collateral (a check that also fails on unrelated
faults is over-broad and would blame vendors for the wrong thing).

The dual: one reference per latitude of ``latitude.yaml`` (a variant making that choice), and one
with all of them at once, each run through the scenario suite (the checks whose requests read an
option the variant changes; the others get the clean answers); a variant passes with no failure,
warning, harness error or blocked check. A check that demands the reference's own choice where the
documents leave room shows here as a false failure.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from typing import Any

from conformance.config import Target
from conformance.embedded import embedded_target
from conformance.latitude import latitudes
from conformance.ledger import LOAD_AREA, load_ledger
from conformance.plugin import check_key_of, token_of
from conformance.ratelimit import RateLimit
from conformance.reference import FAULTS, ReferenceConfig, ReferenceServer
from conformance.reference.config import OPTIONS, Variant
from conformance.reference.faults import OPTION, STATEMENTS, FaultLog
from conformance.runner import run_checks, run_mirrored
from conformance.verdicts import Finding, RequirementVerdict, judge_all

CLEAN = "clean"
FAILING = ("fail", "warn")
ALL_AT_ONCE = "all-latitudes-at-once"
NO_RESULTS = ("the run produced no results",)


def run_judged(breaks: Iterable[str]) -> tuple[str, ...]:
    """The requirements of ``breaks`` the scenario suite judges: area-load ones are judged by
    ``mpsd-conformance load`` (tests/load proves it catches their faults), never by the self-test."""
    ledger = load_ledger()
    return tuple(r for r in breaks if ledger.get(r).area != LOAD_AREA)


# The faults the self-test tries: those that break a requirement ``run`` judges. The others show
# only under concurrency (racy-capacity, contention-500, ...).
SCENARIO_FAULTS = tuple(sorted(name for name, fault in FAULTS.items() if run_judged(fault.breaks)))


@dataclass(frozen=True)
class FaultOutcome:
    fault: str
    breaks: tuple[str, ...]
    failing: tuple[str, ...]
    missed: tuple[str, ...]
    over_broad: tuple[str, ...]
    errors: tuple[str, ...]

    @property
    def detected(self) -> bool:
        return not self.missed and bool(self.failing)

    def to_dict(self) -> dict[str, Any]:
        return {
            "fault": self.fault,
            "detected": self.detected,
            "breaks": list(self.breaks),
            "failing": list(self.failing),
            "missed": list(self.missed),
            "over_broad": list(self.over_broad),
            "errors": list(self.errors),
        }


@dataclass(frozen=True)
class VariantOutcome:
    """One latitude's reference run: the requirements it did not pass (a false failure each)."""

    variant: str
    problems: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {"variant": self.variant, "passed": self.passed, "problems": list(self.problems)}


@dataclass(frozen=True)
class OracleProof:
    """selftest --oracle: the scenario suite run with --oracle against the clean reference, against
    every latitude at once, and against each fault no check catches."""

    clean: int  # divergences on the clean reference (must be 0)
    latitudes: int  # on the reference with every latitude at once (must be 0)
    shown: tuple[str, ...]  # faults no check catches that divergences show
    hidden: tuple[str, ...]
    # Faults whose fault-model record (oracle: shows|hidden, why_oracle) this run contradicts.
    mismatched: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not (self.clean or self.latitudes or self.mismatched)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "divergences_on_clean": self.clean,
            "divergences_on_all_latitudes": self.latitudes,
            "shown": list(self.shown),
            "hidden": list(self.hidden),
            "mismatched": list(self.mismatched),
        }


@dataclass(frozen=True)
class SelfTestResult:
    clean_problems: tuple[str, ...]
    faults: tuple[FaultOutcome, ...]
    never_killed: tuple[str, ...]
    duration_s: float
    # Check results the run produced (the clean run's plus those of checks that could see a fault).
    check_runs: int = 0
    # MUST requirements the clean reference could not exercise (a capability it lacks).
    unexercised: tuple[str, ...] = ()
    variants: tuple[VariantOutcome, ...] = ()
    # selftest --oracle: what the oracle showed.
    oracle: OracleProof | None = None
    # Tenant label -> its verdicts (the clean reference's, each fault's and each latitude's), for
    # replay's proof and the pruning's; not written to selftest.json.
    verdicts: Mapping[str, tuple[RequirementVerdict, ...]] = field(default_factory=dict, compare=False)

    @property
    def variants_passed(self) -> int:
        return sum(v.passed for v in self.variants)

    @property
    def detected(self) -> int:
        return sum(f.detected for f in self.faults)

    @property
    def model(self) -> dict[str, int]:
        """The fault model's coverage: statements with a fault, and faults a check catches."""
        tried = {o.fault for o in self.faults}
        return {
            "statements": len(STATEMENTS),
            "statements_with_a_fault": sum(bool(s.faults) for s in STATEMENTS),
            "faults": len(tried),
            "faults_with_a_check": sum(o.detected for o in self.faults),
            "statements_fully_checked": sum(
                bool(s.faults) and all(f not in tried or f in self._detected for f in s.faults)
                for s in STATEMENTS
            ),
        }

    @property
    def _detected(self) -> set[str]:
        return {o.fault for o in self.faults if o.detected}

    @property
    def ok(self) -> bool:
        return (
            not self.clean_problems
            and self.detected == len(self.faults)
            and not any(f.over_broad or f.errors for f in self.faults)
            and self.variants_passed == len(self.variants)
            and (self.oracle is None or self.oracle.ok)
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "score": {"detected": self.detected, "faults": len(self.faults)},
            "false_failure_score": {"passed": self.variants_passed, "variants": len(self.variants)},
            "model": self.model,
            "clean_problems": list(self.clean_problems),
            "never_killed_must": list(self.never_killed),
            "unexercised_must": list(self.unexercised),
            "duration_s": round(self.duration_s, 1),
            "check_runs": self.check_runs,
            "faults": [f.to_dict() for f in self.faults],
            "variants": [v.to_dict() for v in self.variants],
            **({} if self.oracle is None else {"oracle": self.oracle.to_dict()}),
        }


def _ids(verdicts: Iterable[RequirementVerdict], wanted: Iterable[str]) -> tuple[str, ...]:
    wanted = set(wanted)
    return tuple(sorted(v.requirement.id for v in verdicts if v.verdict in wanted))


def _problems(verdicts: Iterable[RequirementVerdict]) -> tuple[str, ...]:
    """What keeps a run of a correct service from being clean: anything but pass, a PROBE's
    record or not applicable."""
    return tuple(
        f"{v.requirement.id}: {v.verdict}" for v in verdicts if v.verdict in (*FAILING, "error", "blocked")
    )


def judge_fault(name: str, verdicts: tuple[RequirementVerdict, ...]) -> FaultOutcome:
    fault = FAULTS[name]
    failing = _ids(verdicts, FAILING)
    breaks = run_judged(fault.breaks)
    return FaultOutcome(
        fault=name,
        breaks=breaks,
        failing=failing,
        missed=tuple(sorted(set(breaks) - set(failing))),
        over_broad=tuple(sorted(set(failing) - set(breaks) - set(fault.collateral))),
        errors=_ids(verdicts, ("error",)),
    )


def score(
    matrix: dict[str, tuple[RequirementVerdict, ...]], duration_s: float, runs: int = 0
) -> SelfTestResult:
    clean = matrix[CLEAN]
    problems = _problems(clean)
    outcomes = tuple(judge_fault(name, verdicts) for name, verdicts in matrix.items() if name != CLEAN)
    musts = {
        v.requirement.id for v in clean if v.requirement.level == "MUST" and v.requirement.area != LOAD_AREA
    }
    exercised = {v.requirement.id for v in clean if v.requirement.level == "MUST" and v.verdict == "pass"}
    killed = {i for o in outcomes for i in o.failing}
    never = tuple(sorted(exercised - killed))
    return SelfTestResult(problems, outcomes, never, duration_s, runs, tuple(sorted(musts - exercised)))


def variant_table() -> dict[str, Variant]:
    """Latitude name -> the reference variant making its choice, and all of them at once (where
    two latitudes set one field differently, the later one's choice)."""
    table = {latitude.name: Variant(**latitude.variant) for latitude in latitudes()}
    together: dict[str, Any] = {}
    for latitude in latitudes():
        together |= latitude.variant
    return {**table, ALL_AT_ONCE: Variant(**together)}


def _variant_plan(
    names: Iterable[str], asked: Mapping[str, set[str]], anywhere: set[str], exhaustive: bool
) -> dict[str, frozenset[str]]:
    """Latitude -> the clean run's checks whose requests read an option its variant changes. The
    others get the clean answers from it, so the clean verdicts. An option read anywhere else (at
    start-up, or by a request no check's session names) may change any answer: a variant changing
    one runs every check."""
    default, table = Variant(), variant_table()
    plan = {}
    for name in names:
        changed = {OPTION + o for o in OPTIONS if getattr(table[name], o) != getattr(default, o)}
        everything = exhaustive or bool(changed & anywhere)
        plan[name] = frozenset(k for k, seen in asked.items() if everything or changed & seen)
    return plan


def _variant_tenants(
    servers: ExitStack, target: Target, plan: Mapping[str, frozenset[str]]
) -> dict[str, tuple[Target, frozenset[str]]]:
    """A reference per variant with a check to run, entered on ``servers``."""
    table = variant_table()
    return {
        name: (replace(target, url=servers.enter_context(_server(target, table[name])).url), checks)
        for name, checks in plan.items()
        if checks
    }


def _judge_variants(
    plan: Mapping[str, frozenset[str]],
    clean: Mapping[str, Finding],
    found: dict[str, list[Finding]],
    target: Target,
) -> dict[str, tuple[RequirementVerdict, ...]]:
    """Each variant's verdicts: of its checks as they ran against it, of the others as they ran
    against the clean reference."""
    ledger = load_ledger()
    return {
        name: judge_all(
            ledger,
            ledger.requirements,
            [*(r for k, r in clean.items() if k not in checks), *found.get(name, [])],
            target.capabilities,
        )
        for name, checks in plan.items()
    }


def _server(target: Target, variant: Variant) -> ReferenceServer:
    return ReferenceServer(ReferenceConfig.from_target(target, variant=variant))


def _matrix(
    tenants: dict[str, tuple[Target, frozenset[str] | None]], workers: str
) -> dict[str, list[Finding]]:
    """The self-test's references are stopped afterwards and its leaks never read: no cleanup."""
    return run_checks(tenants, workers, cleanup=False)


def _key(finding: Finding, label: str) -> str:
    return check_key_of(finding[1].check, label)


def _asked_by_check(log: FaultLog, keys: Iterable[str]) -> tuple[dict[str, set[str]], set[str]]:
    """Check key -> the faults its requests asked about and the options they read, from the log:
    session names carry the check's token (plugin.check_token) after the run tag, in either case
    (a check may send a name upper-cased). Also what no check's session asked: the options read
    outside any request, and what the requests on any other session asked."""
    by_token = {token_of(key): key for key in keys}
    asked: dict[str, set[str]] = {key: set() for key in by_token.values()}
    anywhere = set(log.read_anywhere)
    for session, faults in log.by_session.items():
        parts = session.lower().split("-")
        key = by_token.get(parts[2]) if len(parts) == 5 and parts[0] == "mpsdcf" else None
        if key is not None:
            asked[key] |= faults
        else:
            anywhere |= faults
    return asked, anywhere


@dataclass(frozen=True)
class _Provision:
    """What a tenant is given for a capability the reference switches on per scid: its rate limits
    (the reference throttles, the target declares them) or its capacity (the reference sheds load)."""

    rate_limits: tuple[RateLimit, ...] = ()
    capacity: tuple[RateLimit, ...] = ()


_CAPABILITY_LIMITS = {
    "throttling": _Provision(rate_limits=(RateLimit(6, 1),)),
    "overload": _Provision(capacity=(RateLimit(10, 1),)),
}


# The capabilities a tenant of its own provides (a fault's statement may need one).
CAPABILITIES = tuple(sorted(_CAPABILITY_LIMITS))


def _needs(fault: str) -> str | None:
    """The capability a fault's statement needs that only a tenant of its own provides, or None
    (what the reference implements everywhere, the embedded target declares anyway)."""
    needs = next((s.needs for s in STATEMENTS if fault in s.faults), ())
    return next((c for c in needs if c in _CAPABILITY_LIMITS), None)


class FaultReference:
    """One reference hosting a clean tenant, a clean tenant per capability, and a tenant per fault
    (each its own scid with that fault alone on): ``tenant(label, capability)`` is the target a
    label's checks run against. ``replay``'s proof uses it as the self-test does."""

    def __init__(self, names: Iterable[str], capabilities: Iterable[str], target: Target) -> None:
        self.names, self.capabilities, self.target = list(names), list(capabilities), target
        self.scids = {CLEAN: target.scid} | {
            f"{CLEAN}-{c}": f"selftest-{CLEAN}-{c}" for c in self.capabilities
        }
        self.scids |= {name: f"selftest-{name}" for name in self.names}
        self.needs = {name: _needs(name) for name in self.names}
        self.log = FaultLog()
        self._server: ReferenceServer | None = None

    def __enter__(self) -> FaultReference:
        provided = {
            self.scids[label]: _CAPABILITY_LIMITS[capability]
            for label, capability in [
                *((f"{CLEAN}-{c}", c) for c in self.capabilities),
                *self.needs.items(),
            ]
            if capability
        }
        config = ReferenceConfig.from_target(
            self.target,
            scid_faults={self.scids[name]: frozenset({name}) for name in self.names},
            scid_rate_limits={scid: p.rate_limits for scid, p in provided.items() if p.rate_limits},
            scid_capacity={scid: p.capacity for scid, p in provided.items() if p.capacity},
        )
        self._server = ReferenceServer(config, fault_log=self.log).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.stop()

    @property
    def live(self) -> Target:
        assert self._server is not None, "the reference is not running"
        return replace(self.target, url=self._server.url)

    def tenant(self, label: str, capability: str | None) -> Target:
        if capability is None:
            return replace(self.live, scid=self.scids[label])
        limits = _CAPABILITY_LIMITS[capability].rate_limits
        return replace(
            self.live, scid=self.scids[label], declared=frozenset({capability}), rate_limits=limits
        )

    def clean_for(self, name: str) -> Target:
        """The clean tenant a fault's checks would pass on (its capability's, where it needs one)."""
        capability = self.needs[name]
        return self.tenant(CLEAN if capability is None else f"{CLEAN}-{capability}", capability)


def prove_oracle(names: Iterable[str]) -> OracleProof:
    """The scenario suite with --oracle against the clean reference, every latitude at once, and
    each named fault, in one pytest session and one process (two writes that overlap between
    workers would make contention-500 show by chance)."""
    names = sorted(names)
    target = embedded_target()
    with ExitStack() as servers:
        reference = servers.enter_context(FaultReference(names, (), target))
        tenants: dict[str, tuple[Target, frozenset[str] | None]] = {
            label: (reference.tenant(label, None), None) for label in (CLEAN, *names)
        }
        together = variant_table()[ALL_AT_ONCE]
        tenants[ALL_AT_ONCE] = (
            replace(target, url=servers.enter_context(_server(target, together)).url),
            None,
        )
        found = run_mirrored(tenants, "0")
    if set(found) != set(tenants):
        raise RuntimeError("the self-test's oracle run ended without divergences for every tenant")
    shown = tuple(n for n in names if found[n].groups)
    return OracleProof(
        clean=found[CLEAN].total,
        latitudes=found[ALL_AT_ONCE].total,
        shown=shown,
        hidden=tuple(n for n in names if n not in shown),
        mismatched=tuple(n for n in names if (n in shown) != (FAULTS[n].oracle == "shows")),
    )


def run_selftest(
    faults: Iterable[str] = (),
    workers: str = "auto",
    exhaustive: bool = False,
    oracle: bool = False,
    variants: Iterable[str] | None = None,
) -> SelfTestResult:
    """Run the suite against the clean reference, then each fault and each latitude's variant
    against the checks that can see it.

    A fault changes answers only where the reference asks whether it is on, and a variant only
    where the reference reads an option it changes. The clean run logs which faults each check's
    requests asked about and which options they read; a check that never asked about a fault would
    get the clean answers, hence the clean verdict, with it on, so only the others run against that
    fault's tenant (and likewise for a variant). The verdicts are exactly those of running every
    check against every tenant (``exhaustive`` does that, to prove it). A capability a statement
    needs (throttling) gets its own clean tenant, where the checks that need it run; its faults are
    tried there.

    ``variants``: the latitudes whose variants run; every one when no fault is named, else none.
    ``oracle``: also prove run --oracle (``prove_oracle``) on the faults no check catches (those
    named, or all of them).
    """
    asked = sorted(faults)
    unknown = sorted(set(asked) - set(FAULTS))
    if unknown:
        raise ValueError(f"unknown fault(s) {unknown}")
    wanted = set(variant_table()) if variants is None and not asked else set(variants or ())
    unknown = sorted(wanted - set(variant_table()))
    if unknown:
        raise ValueError(f"unknown latitude(s) {unknown}")
    latitude_names = [name for name in variant_table() if name in wanted]
    load_only = sorted(set(asked) - set(SCENARIO_FAULTS))
    if load_only and not oracle:
        raise ValueError(
            f"{load_only} show only under concurrency: try them with mpsd-conformance load --fault, "
            "or selftest --oracle"
        )
    names = [n for n in asked if n in SCENARIO_FAULTS] if asked else list(SCENARIO_FAULTS)
    proof = (
        prove_oracle(load_only if asked else sorted(set(FAULTS) - set(SCENARIO_FAULTS))) if oracle else None
    )
    if asked and not names and not latitude_names:
        return SelfTestResult((), (), (), 0.0, oracle=proof)
    needs = {name: _needs(name) for name in names}
    capabilities = sorted({c for c in needs.values() if c} | ({*_CAPABILITY_LIMITS} if not faults else set()))
    target = embedded_target()
    started = time.monotonic()
    with ExitStack() as servers:
        reference = servers.enter_context(FaultReference(names, capabilities, target))
        tenant, live, log = reference.tenant, reference.live, reference.log
        # The clean run (the scenario suite once) and the capabilities' (a few checks) run in this
        # process: starting xdist workers for them cost more CPU than their checks (each worker
        # imports and collects for about a second); the matrix after them shares its workers.
        clean = _matrix({CLEAN: (tenant(CLEAN, None), None)}, "0").get(CLEAN)
        if not clean:
            raise RuntimeError("the self-test's clean run ended without results")
        ledger = load_ledger()
        needing = {
            c: frozenset(_key(f, CLEAN) for f in clean if c in ledger.get(f[0]).needs) for c in capabilities
        }
        clean_with = (
            _matrix(
                {f"{CLEAN}-{c}": (tenant(f"{CLEAN}-{c}", c), needing[c]) for c in capabilities},
                "0",
            )
            if capabilities
            else {}
        )
        # The clean verdicts: each check as the tenant that can run it saw it.
        baseline = {_key(r, CLEAN): r for r in clean}
        for c in capabilities:
            baseline |= {_key(r, f"{CLEAN}-{c}"): r for r in clean_with.get(f"{CLEAN}-{c}", [])}
        asked, anywhere = _asked_by_check(log, baseline)
        plan = {
            name: frozenset(
                k for k, seen in asked.items()
                if (exhaustive or name in seen) and (needs[name] is None or k in needing[needs[name]])
            )
            for name in names
        }  # fmt: skip
        tenants = {name: (tenant(name, needs[name]), checks) for name, checks in plan.items() if checks}
        # The latitudes are proven in the faults' session (one pytest start, one pool of workers),
        # each variant against the clean run's checks that read an option it changes.
        clean_results = {_key(r, CLEAN): r for r in clean}
        by_clean_check = {k: seen for k, seen in asked.items() if k in clean_results}
        variant_plan = _variant_plan(latitude_names, by_clean_check, anywhere, exhaustive)
        variant_tenants = _variant_tenants(servers, target, variant_plan)
        ran = _matrix(tenants | variant_tenants, workers) if tenants or variant_tenants else {}
    matrix = {CLEAN: judge_all(ledger, ledger.requirements, baseline.values(), live.capabilities)}
    for name in names:
        kept = [r for k, r in baseline.items() if k not in plan[name]]
        matrix[name] = judge_all(ledger, ledger.requirements, [*kept, *ran.get(name, [])], live.capabilities)
    runs = len(clean) + sum(len(found) for found in (*clean_with.values(), *ran.values()))
    judged = _judge_variants(variant_plan, clean_results, ran, target)
    outcomes = tuple(
        VariantOutcome(
            name,
            _problems(judged[name]) if name in ran or name not in variant_tenants else NO_RESULTS,
        )
        for name in latitude_names
    )
    result = score(matrix, time.monotonic() - started, runs)
    return replace(result, variants=outcomes, verdicts=matrix | judged, oracle=proof)


def summary_lines(result: SelfTestResult) -> list[str]:
    lines = [
        f"mutation score: {result.detected}/{len(result.faults)} faults detected ({result.duration_s:.0f} s, "
        f"{result.check_runs} check runs)",
    ]
    if result.variants:
        lines.append(
            f"false-failure score: {result.variants_passed}/{len(result.variants)} latitude variants "
            "passed with no failure or warning"
        )
    if result.clean_problems:
        lines.append(f"clean reference not clean: {', '.join(result.clean_problems)}")
    for outcome in result.faults:
        if not outcome.detected:
            lines.append(f"  MISSED     {outcome.fault}: {', '.join(outcome.missed)} did not fail")
        if outcome.over_broad:
            lines.append(f"  OVER-BROAD {outcome.fault}: also failed {', '.join(outcome.over_broad)}")
        if outcome.errors:
            lines.append(f"  ERROR      {outcome.fault}: harness error on {', '.join(outcome.errors)}")
    for variant in result.variants:
        if not variant.passed:
            lines.append(f"  FALSE FAILURE {variant.variant}: {', '.join(variant.problems)}")
    lines += _oracle_lines(result)
    model = result.model
    lines.append(
        f"fault model: {model['statements_with_a_fault']}/{model['statements']} statements with a fault, "
        f"{model['faults_with_a_check']}/{model['faults']} faults caught by a check"
    )
    lines.append(f"MUST requirements exercised by no fault: {', '.join(result.never_killed) or 'none'}")
    lines.append(
        "MUST requirements the reference cannot exercise (a capability it lacks): "
        f"{', '.join(result.unexercised) or 'none'}"
    )
    lines.append("result: " + ("OK" if result.ok else "PROBLEMS FOUND"))
    return lines


def _oracle_lines(result: SelfTestResult) -> list[str]:
    """selftest --oracle: both scores over the faults tried, and the oracle's false divergences."""
    proof = result.oracle
    if proof is None:
        return []
    tried = len(result.faults) + len(proof.shown) + len(proof.hidden)
    by_checks = result.detected
    lines = [
        f"oracle: faults caught by checks {by_checks}/{tried}, by checks or divergences "
        f"{by_checks + len(proof.shown)}/{tried}; divergences on the clean reference {proof.clean}, "
        f"on every latitude at once {proof.latitudes}"
    ]
    for name in proof.hidden:
        lines.append(
            f"  NOT SHOWN  {name}: {FAULTS[name].why_oracle or 'no reason written in the fault model'}"
        )
    for name in proof.shown:
        lines.append(f"  SHOWN      {name}: a divergence no check catches")
    for name in proof.mismatched:
        lines.append(f"  MISMATCH   {name}: the fault model says oracle: {FAULTS[name].oracle or 'nothing'}")
    return lines
