"""The load invariants: what must hold whatever the interleaving, judged from what the players saw.

Each invariant reads the observations of a whole run (and the final reads after it) and answers
with a ``CheckResult`` for its requirement in the ledger (area ``load``): how many answers it
judged, and each violation with the requests that show it (both winners of one ETag, the
acknowledged write and the read that misses it). Times are only compared within one process: a
worker's clock says nothing about another's. Final reads happen after every player stopped, so
they are compared with everything.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from conformance.ledger import NOT_A_VERDICT
from conformance.load.observe import Observation
from conformance.verdicts import CheckResult, Finding

FINAL = "final-read"
# Evidence per violation, and violations per requirement, that a report carries: enough to show it.
MAX_EVIDENCE = 6
MAX_VIOLATIONS = 5


@dataclass
class Judgement:
    """One invariant's judgement: answers judged, and the violations with their requests."""

    judged: int = 0
    violations: list[tuple[str, tuple[Observation, ...]]] = field(default_factory=list)
    # The first answers judged: a pass lists them as its evidence.
    examples: list[Observation] = field(default_factory=list)

    def saw(self, *judged: Observation) -> None:
        self.judged += 1
        if len(self.examples) < MAX_EVIDENCE:
            self.examples.extend(judged[: MAX_EVIDENCE - len(self.examples)])

    def violate(self, message: str, *shown: Observation) -> None:
        self.violations.append((message, shown[:MAX_EVIDENCE]))


def _by(observations: Iterable[Observation], key: Callable[[Observation], object]) -> dict:
    grouped: dict[object, list[Observation]] = defaultdict(list)
    for o in observations:
        grouped[key(o)].append(o)
    return grouped


def one_winner_per_etag(observations: Sequence[Observation]) -> Judgement:
    """Writers racing with one If-Match ETag: at most one of them commits a change."""
    finding = Judgement()
    conditional = (o for o in observations if o.op == "write" and o.if_match and o.judgeable)
    for (session, etag), writes in _by(conditional, lambda o: (o.session, o.if_match)).items():
        if len(writes) < 2:
            continue
        finding.saw(*writes)
        winners = [o for o in writes if o.acknowledged and o.etag != etag]
        if len(winners) > 1:
            finding.violate(
                f"{len(winners)} writers all succeeded with If-Match {etag} on session {session}", *winners
            )
    return finding


def max_members(observations: Sequence[Observation]) -> Judgement:
    """No answer shows more members than the session's maxMembersCount."""
    finding = Judgement()
    joins = [o for o in observations if o.op == "join" and o.acknowledged]
    overfull: set[str] = set()
    for o in observations:
        if o.members is None or o.max_members is None:
            continue
        finding.saw(o)
        if len(o.members) > o.max_members and o.session not in overfull:
            overfull.add(o.session)  # the first answer that shows it, per session
            admitted = [
                j for j in joins
                if j.session == o.session and j.process == o.process and j.end <= o.end
                and o.member(j.xuid)
            ]  # fmt: skip
            latest = sorted(admitted, key=lambda j: j.start)[-(MAX_EVIDENCE - 1) :]
            finding.violate(
                f"session {o.session} has {len(o.members)} members, maxMembersCount is {o.max_members}; "
                f"the joins that admitted them follow",
                o,
                *latest,
            )
    return finding


def no_lost_write(observations: Sequence[Observation]) -> Judgement:
    """Every acknowledged write stays visible: the player's own property at the value a 200 gave it
    (or more), and its membership from an acknowledged join until it leaves."""
    finding = Judgement()
    final = [o for o in observations if o.op == FINAL]
    timelines = _by((o for o in observations if o.op != FINAL), lambda o: (o.process, o.player, o.session))
    last_acked: dict[tuple[str, str], Observation] = {}
    last_membership: dict[tuple[str, str], Observation] = {}
    for (_, player, session), seen in timelines.items():
        seen.sort(key=lambda o: o.start)
        written: Observation | None = None
        joined: Observation | None = None
        for o in seen:
            if written is not None and o.has_session and o.start > written.end:
                finding.saw(written, o)
                if not _shows(o, written):
                    finding.violate(
                        f"player {player}'s write of {written.value} on session {session} was acknowledged, "
                        f"a later read shows {o.own}",
                        written,
                        o,
                    )
                    written = None
            if joined is not None and o.has_session and o.start > joined.end and o.op != "leave":
                finding.saw(joined, o)
                if not o.member(o.xuid):
                    finding.violate(
                        f"player {player}'s join of session {session} was acknowledged, a later answer "
                        "no longer lists it",
                        joined,
                        o,
                    )
                    joined = None
            if o.op == "write" and o.acknowledged:
                finding.saw(o)
                if not _shows(o, o):
                    finding.violate(f"the answer to player {player}'s write does not show it at its ETag", o)
                written = o
                last_acked[player, session] = o
            if o.op in ("join", "leave"):
                joined = o if o.op == "join" and o.acknowledged else None
                last_membership[player, session] = o
    for o in final:
        write = last_acked.get((o.player, o.session))
        if write is not None:
            finding.saw(write, o)
            if not _shows(o, write):
                finding.violate(
                    f"player {o.player}'s acknowledged write of {write.value} is missing from the final read "
                    f"of session {o.session} ({o.own})",
                    write,
                    o,
                )
        membership = last_membership.get((o.player, o.session))
        if membership is not None and membership.acknowledged:
            finding.saw(membership, o)
            if o.member(o.xuid) != (membership.op == "join"):
                finding.violate(
                    f"player {o.player}'s last acknowledged {membership.op} of session {o.session} is not "
                    "what the final read shows",
                    membership,
                    o,
                )
    return finding


def _shows(answer: Observation, write: Observation) -> bool:
    """The answer shows the player's property at the value ``write`` set, or a later one."""
    return answer.own is not None and answer.own >= (write.value or 0)


def change_number_monotonic(observations: Sequence[Observation]) -> Judgement:
    """Within one branch, an answer begun after another ended never shows a smaller changeNumber,
    and one changeNumber never names two versions (ETags) of the session."""
    finding = Judgement()
    numbered = [o for o in observations if o.change_number is not None and o.status]
    versions: dict[tuple[str, str | None, int], Observation] = {}
    for o in numbered:
        if o.etag is None:
            continue
        first = versions.setdefault((o.session, o.branch, o.change_number), o)  # type: ignore[arg-type]
        finding.saw(first, o)
        if first.etag != o.etag:
            finding.violate(
                f"session {o.session}: changeNumber {o.change_number} names two versions, ETags "
                f"{first.etag} and {o.etag}",
                first,
                o,
            )
    final = [o for o in numbered if o.op == FINAL]
    live = [o for o in numbered if o.op != FINAL]
    for seen in _by(live, lambda o: (o.process, o.session, o.branch)).values():
        ended = sorted(seen, key=lambda o: o.end)
        highest: Observation | None = None
        i = 0
        for o in sorted(seen, key=lambda o: o.start):
            while i < len(ended) and ended[i].end < o.start:
                if highest is None or ended[i].change_number > highest.change_number:  # type: ignore[operator]
                    highest = ended[i]
                i += 1
            if highest is None:
                continue
            finding.saw(highest, o)
            if o.change_number < highest.change_number:  # type: ignore[operator]
                finding.violate(
                    f"session {o.session}: changeNumber {o.change_number} after {highest.change_number} "
                    "had been answered",
                    highest,
                    o,
                )
    highest_seen = {}
    for o in live:
        key = (o.session, o.branch)
        if key not in highest_seen or o.change_number > highest_seen[key].change_number:  # type: ignore[operator]
            highest_seen[key] = o
    for o in final:
        before = highest_seen.get((o.session, o.branch))
        if before is not None:
            finding.saw(before, o)
            if o.change_number < before.change_number:  # type: ignore[operator]
                finding.violate(
                    f"session {o.session}: the final read's changeNumber {o.change_number} is below "
                    f"{before.change_number}, answered during the run",
                    before,
                    o,
                )
    return finding


def members_info_consistent(observations: Sequence[Observation]) -> Judgement:
    """membersInfo agrees with the members the same answer lists: count, first and next."""
    finding = Judgement()
    inconsistent: set[str] = set()
    for o in observations:
        if o.members is None or o.members_info is None:
            continue
        finding.saw(o)
        info, indices = o.members_info, [i for i, _, _ in o.members]
        wrong = []
        if info.get("count") != len(indices):
            wrong.append(f"count {info.get('count')} for {len(indices)} members")
        if indices and info.get("first") != min(indices):
            wrong.append(f"first {info.get('first')} but the lowest index is {min(indices)}")
        if indices and not (isinstance(info.get("next"), int) and info["next"] > max(indices)):
            wrong.append(f"next {info.get('next')} not above the highest index {max(indices)}")
        if wrong and o.session not in inconsistent:
            inconsistent.add(o.session)  # the first answer that shows it, per session
            finding.violate(f"session {o.session}: membersInfo {'; '.join(wrong)}", o)
    return finding


def no_server_error(observations: Sequence[Observation]) -> Judgement:
    """No 5xx under load (a 503 with Retry-After is documented load shedding; players wait it out)."""
    finding = Judgement()
    for o in observations:
        if o.judgeable:
            finding.saw(o)
    errors = [o for o in observations if o.status >= 500 and o.status != 503]
    for status, shown in _by(errors, lambda o: o.status).items():
        finding.violate(f"{len(shown)} requests answered {status}", *shown)
    return finding


# requirement ID -> the invariant that judges it (``coverage`` reads this to know they are checked).
INVARIANTS: dict[str, Callable[[Sequence[Observation]], Judgement]] = {
    "LOAD-ONE-WINNER-PER-ETAG": one_winner_per_etag,
    "LOAD-MAX-MEMBERS": max_members,
    "LOAD-NO-LOST-WRITE": no_lost_write,
    "LOAD-CHANGE-NUMBER-MONOTONIC": change_number_monotonic,
    "LOAD-MEMBERS-INFO-CONSISTENT": members_info_consistent,
    "LOAD-NO-5XX": no_server_error,
}


def judge(observations: Sequence[Observation], base_url: str, duration_s: float = 0.0) -> list[Finding]:
    """One check result per load requirement."""
    results = []
    for requirement, invariant in INVARIANTS.items():
        finding = invariant(observations)
        check = f"conformance.load.invariants::{invariant.__name__}"
        cause: str | None = None
        if finding.violations:
            shown = finding.violations[:MAX_VIOLATIONS]
            more = len(finding.violations) - len(shown)
            message = "\n".join(m for m, _ in shown) + (f"\n... and {more} more" if more else "")
            evidence = tuple(o.evidence(base_url) for _, seen in shown for o in seen)
            outcome = "failed"
        elif finding.judged:
            message, outcome = "", "passed"
            evidence = tuple(o.evidence(base_url) for o in finding.examples)
        elif refused := _refused(observations):
            message, cause = refused
            evidence, outcome = (), "blocked"
        else:
            message = f"the run produced nothing {invariant.__name__.replace('_', ' ')} could judge"
            evidence, outcome = (), "not-applicable"
        result = CheckResult(
            check=check,
            kind="load",
            outcome=outcome,  # type: ignore[arg-type]
            message=message,
            observations={"judged": finding.judged, "violations": len(finding.violations)},
            evidence=evidence,
            duration_s=duration_s,
            judged=finding.judged,
            cause=cause,  # type: ignore[arg-type]
        )
        results.append((requirement, result))
    return results


def _refused(observations: Sequence[Observation]) -> tuple[str, str] | None:
    """Why an invariant judged nothing when the target answered with what is no verdict (a refused
    credential, a throttle, a timeout, an overload): the most common such answer, and its cause."""
    refused = Counter(o.status for o in observations if o.status in NOT_A_VERDICT)
    if not refused:
        return None
    status, count = refused.most_common(1)[0]
    cause = {408: "transport", 429: "throttled", 503: "overloaded"}.get(status, "credentials")
    return f"{count} answers were {status} (the target {NOT_A_VERDICT[status]}): nothing to judge", cause
