"""The suppression policy: a pure fold from evidence to a suppression decision.

Each address has a *ledger* of the evidence that matters (latest hard bounce, latest
complaint, recent soft bounces, latest delivery, latest manual action, recent history).
Every merge into the ledger is a set union or a maximum, so it is commutative and
idempotent: the same events in any arrival order, with any duplicates, give the same ledger.
The decision (state, reason, expiry, ...) is then *derived* from the ledger by looking at the
evidence in timestamp order. That is what makes the table order-safe and redelivery-safe
without a log of every event.

Precedence: manual (allow / suppress / unsuppress) > complaint > invalid address >
soft-bounce escalation > "already suppressed by SES". A weaker suppression never shortens a
stronger one: the expiry is the latest end among the suppressions in force.

Scopes (domain.scopes): the ledger also keeps, per named scope, the latest subscription
evidence (an unsubscribe or a re-subscribe: latest by (at, event_id) wins, so arrival order
does not matter) and the latest manual action in that scope. Scoped evidence never changes
the global decision (state, reason, expiry); it yields `Decision.scopes`, the scoped
suppressions in force. Hard bounces, complaints and every other reason are global whatever
scope an outcome carries; only unsubscribes and re-subscribes are scoped. "Suppressed for
scope S" = the global decision OR a scoped suppression in any scope covering S.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from domain.events import RecipientOutcome, truncate_ms
from domain.policy_settings import PolicySettings
from domain.scopes import GLOBAL_SCOPE, covering_scopes, normalise_scope
from domain.verdicts import REASON_SES_SUPPRESSED, SOFT_VERDICTS, Classification, Verdict
from domain.vocabulary import Reason

DIAGNOSTIC_LIMIT = 500
#: An unsubscribe request (from inbound mail): suppresses like a complaint, but is not one
#: (its verdict is not `complaint`, so it never counts toward the complaint rate).
REASON_UNSUBSCRIBE = Reason.UNSUBSCRIBE
#: A re-subscribe (SES `Subscription` OptIn): lifts an unsubscribe in the same named scope
#: when it is the later of the two. Never global: nothing automatic lifts a global unsubscribe.
REASON_SUBSCRIBE = Reason.SUBSCRIBE
# Reasons whose verdict alone would read "undetermined" on the item get a category that
# says what they are.
_REASON_CATEGORIES: dict[str, str] = {
    REASON_UNSUBSCRIBE: "unsubscribe",
    REASON_SUBSCRIBE: "subscribe",
    REASON_SES_SUPPRESSED: "ses-suppressed",
}


class State(StrEnum):
    SUPPRESSED = "suppressed"
    WATCHING = "watching"  # soft bounces counted, not (yet) suppressed
    ALLOWED = "allowed"  # a manual allow entry blocks automatic suppression
    CLEAR = "clear"  # known address, nothing against it


class ManualKind(StrEnum):
    SUPPRESS = "suppress"
    UNSUPPRESS = "unsuppress"
    ALLOW = "allow"


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why: one event's facts about one address, kept on the item."""

    at: datetime
    event_id: str
    event_type: str
    reason: str
    category: str
    status: str | None = None
    reply_code: str | None = None
    diagnostic: str | None = None
    bounce_type: str | None = None
    bounce_sub_type: str | None = None
    feedback_type: str | None = None
    message_id: str | None = None
    feedback_id: str | None = None
    source: str | None = None
    actor: str | None = None  # manual actions only
    until: datetime | None = None  # manual actions only
    stage: str | None = None  # SMTP command the refusal answered, when known

    @property
    def order_key(self) -> tuple[datetime, str]:
        return (self.at, self.event_id)

    @classmethod
    def from_outcome(cls, outcome: RecipientOutcome) -> Evidence:
        c = outcome.classification
        diagnostic = c.diagnostic[:DIAGNOSTIC_LIMIT] if c.diagnostic else None
        return cls(
            at=outcome.occurred_at,
            event_id=outcome.event_id,
            event_type=outcome.event_type,
            # str(): evidence is stored, and the storage layer takes plain strings only (a
            # Reason or Verdict member is a str subclass); the same text either way
            reason=str(c.reason),
            category=category_of(c),
            status=c.status,
            reply_code=c.reply_code,
            diagnostic=diagnostic,
            bounce_type=outcome.bounce_type,
            bounce_sub_type=outcome.bounce_sub_type,
            feedback_type=outcome.feedback_type,
            message_id=outcome.message_id,
            feedback_id=outcome.feedback_id,
            source=outcome.source,
            stage=c.stage,
        )


def category_of(classification: Classification) -> str:
    """The category evidence is filed under: the reason's own for a few reasons, else the
    verdict."""
    return _REASON_CATEGORIES.get(classification.reason, str(classification.verdict))


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: datetime
    event_id: str
    event_type: str
    reason: str
    category: str
    scope: str = GLOBAL_SCOPE  # the scope of a scoped unsubscribe, re-subscribe or action


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One operator action, kept for good: who did what, when, why."""

    at: datetime
    event_id: str
    action: str  # the manual evidence reason: manual, manual-unsuppress, manual-allow
    actor: str
    note: str | None = None  # the operator's reason
    until: datetime | None = None
    lifted: str | None = None  # category lifted with --force: complaint / unsubscribe
    scope: str = GLOBAL_SCOPE  # the scope the action applies to


class ForceRequiredError(ValueError):
    """Lifting a complaint or an unsubscribe needs `force` and a reason."""


#: Categories a manual lift may override only with force and a reason: the recipient asked
#: not to be mailed, so lifting it is a decision someone must own.
FORCE_TO_LIFT = frozenset({str(Verdict.COMPLAINT), REASON_UNSUBSCRIBE})


@dataclass(frozen=True, slots=True)
class ScopeLedger:
    """The evidence for one named scope. Both fields keep only the latest by (at, event_id),
    so merging stays commutative and idempotent."""

    subscription: Evidence | None = None  # latest unsubscribe or re-subscribe in this scope
    manual: Evidence | None = None  # latest manual action in this scope


@dataclass(frozen=True, slots=True)
class Ledger:
    """The evidence the decision is derived from. Every field merges commutatively."""

    hard: Evidence | None = None
    complaint: Evidence | None = None
    ses_suppressed: Evidence | None = None
    softs: tuple[Evidence, ...] = ()  # slim, sorted by order_key, newer than last_delivery
    last_soft: Evidence | None = None  # the latest soft bounce with its full evidence
    last_delivery: HistoryEntry | None = None
    manual: Evidence | None = None
    history: tuple[HistoryEntry, ...] = ()  # newest first, capped
    audit: tuple[AuditEntry, ...] = ()  # every manual action, newest first, never capped
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    #: Not evidence: the latest clock reading an expiry sweep applied the ledger at (see
    #: materialise_at). A lower bound on "now", like last_seen; merged by maximum.
    evaluated_at: datetime | None = None

    #: named scopes only (never global), sorted by name, so equal evidence compares equal
    scopes: tuple[tuple[str, ScopeLedger], ...] = ()

    def scope(self, name: str) -> ScopeLedger:
        for scope, entry in self.scopes:
            if scope == name:
                return entry
        return ScopeLedger()

    def with_scope(self, name: str, entry: ScopeLedger) -> Ledger:
        others = {scope: e for scope, e in self.scopes if scope != name}
        others[name] = entry
        return replace(self, scopes=tuple(sorted(others.items())))


@dataclass(frozen=True, slots=True)
class ScopeDecision:
    """A scoped suppression in force: what blocks mail sent under `scope` (and under every
    scope nested in it)."""

    scope: str
    evidence: Evidence
    since: datetime
    expires_at: datetime | None  # None = never expires


@dataclass(frozen=True, slots=True)
class Decision:
    state: State
    reason: str | None
    category: str | None
    evidence: Evidence | None  # the evidence behind the state shown
    suppressed_at: datetime | None  # start of the suppression in force (index sort key)
    expires_at: datetime | None  # None while suppressed = never expires
    soft_bounce_count: int
    escalations: int
    purge_at: datetime | None  # when DynamoDB may delete the item (TTL attribute)
    #: scoped suppressions in force (as of the ledger's last event), sorted by scope; they
    #: never change the global fields above
    scopes: tuple[ScopeDecision, ...] = ()


@dataclass(frozen=True, slots=True)
class SuppressionRecord:
    address: str
    ledger: Ledger
    decision: Decision
    version: int = 0  # optimistic-locking counter, owned by the repository

    def is_suppressed(self, now: datetime) -> bool:
        """Read-time expiry: DynamoDB deletes expired items late, so never trust presence."""
        d = self.decision
        if d.state is not State.SUPPRESSED:
            return False
        return d.expires_at is None or d.expires_at > now

    def blocked_by(self, scope: str, now: datetime) -> tuple[str, ...]:
        """Every scope whose suppression blocks mail sent under `scope` now, broadest
        first (`global` first when the global decision suppresses). Empty: sendable."""
        blocking = [GLOBAL_SCOPE] if self.is_suppressed(now) else []
        by_scope = {d.scope: d for d in self.decision.scopes}
        for covering in covering_scopes(scope)[1:]:
            found = by_scope.get(covering)
            if found is not None and (found.expires_at is None or found.expires_at > now):
                blocking.append(covering)
        return tuple(dict.fromkeys(blocking))


# --- which outcomes matter --------------------------------------------------------------


def is_relevant(outcome: RecipientOutcome) -> bool:
    """Whether an outcome can change a ledger at all (others cost no read or write)."""
    verdict = outcome.classification.verdict
    if outcome.classification.reason == REASON_SUBSCRIBE:
        # a re-subscribe only ever lifts a scoped unsubscribe
        return scope_of(outcome) is not None
    if outcome.event_type == "DeliveryDelay":
        # SES retries after every delay; only its final Transient bounce counts as a soft
        # bounce, otherwise one slow mailbox would escalate within an hour.
        return False
    if outcome.classification.reason in (REASON_SES_SUPPRESSED, REASON_UNSUBSCRIBE):
        return True
    return verdict in SOFT_VERDICTS or verdict in (
        Verdict.INVALID_ADDRESS,
        Verdict.COMPLAINT,
        Verdict.DELIVERED,
    )


def creates_record(outcome: RecipientOutcome, settings: PolicySettings) -> bool:
    """Whether an outcome for an address we hold no record for is stored. Deliveries are
    stored only with ``delivery_markers`` on (the default): that is what makes the table
    exact under any arrival order (docs/decisions.md)."""
    if not is_relevant(outcome):
        return False
    return settings.delivery_markers or outcome.classification.verdict is not Verdict.DELIVERED


def scope_of(outcome: RecipientOutcome) -> str | None:
    """The named scope an outcome applies to, or None for global. Only unsubscribes and
    re-subscribes are scoped: a bounce or a complaint is global whatever scope it carries
    (the mailbox is gone, or the person objected to us, whichever stream sent the mail).
    Raises InvalidScopeError when the outcome's scope is not a scope name."""
    if outcome.classification.reason not in (REASON_UNSUBSCRIBE, REASON_SUBSCRIBE):
        return None
    scope = normalise_scope(outcome.scope)
    return None if scope == GLOBAL_SCOPE else scope


# --- merging ------------------------------------------------------------------------------


def merge(ledger: Ledger, outcome: RecipientOutcome, settings: PolicySettings) -> Ledger:
    """Add one outcome's evidence to a ledger. Commutative and idempotent."""
    if not is_relevant(outcome):
        return ledger
    c = outcome.classification
    if c.verdict is Verdict.DELIVERED and c.reason not in _NOT_A_PLAIN_DELIVERY:
        return _merge_delivery(ledger, outcome, settings)
    ev = Evidence.from_outcome(outcome)
    changes: dict[str, object] = {}
    scope = scope_of(outcome)
    if scope is not None:
        current = ledger.scope(scope)
        subscription = _latest(current.subscription, ev)
        scoped = ledger.with_scope(scope, replace(current, subscription=subscription))
        return _touch(scoped, ev, settings, scope)
    if c.reason == REASON_SES_SUPPRESSED:
        changes["ses_suppressed"] = _latest(ledger.ses_suppressed, ev)
    elif c.verdict is Verdict.INVALID_ADDRESS:
        changes["hard"] = _latest(ledger.hard, ev)
    elif c.verdict is Verdict.COMPLAINT or c.reason == REASON_UNSUBSCRIBE:
        changes["complaint"] = _latest(ledger.complaint, ev)
    elif c.verdict in SOFT_VERDICTS:
        # Only the latest soft bounce keeps its diagnostic; the rest keep what counting
        # needs, so an item stays small (DynamoDB bills writes per KB).
        changes["softs"] = _softs((*ledger.softs, _slim(ev)), ledger.last_delivery, settings)
        changes["last_soft"] = _latest(ledger.last_soft, ev)
    return _touch(replace(ledger, **changes), ev, settings)  # type: ignore[arg-type]


#: Reasons a delivered verdict never comes with, which the branches of `merge` would take
#: before its delivery branch (so a delivery is merged without building its full evidence).
_NOT_A_PLAIN_DELIVERY: Final = frozenset(
    {REASON_SES_SUPPRESSED, REASON_UNSUBSCRIBE, REASON_SUBSCRIBE}
)


def _merge_delivery(ledger: Ledger, outcome: RecipientOutcome, settings: PolicySettings) -> Ledger:
    """Only the latest delivery matters (it discounts older soft bounces), so a delivery that
    is not newer changes nothing and costs no write; deliveries stay out of the history and
    first_seen, which would otherwise change with every one of them. The most frequent
    outcome there is: it keeps only a history entry, never the full evidence."""
    c = outcome.classification
    at = outcome.occurred_at
    entry = HistoryEntry(at, outcome.event_id, outcome.event_type, str(c.reason), category_of(c))
    last = ledger.last_delivery
    if last is not None and _hkey(entry) <= _hkey(last):
        return ledger
    last_seen = at if ledger.last_seen is None else max(ledger.last_seen, at)
    return replace(
        ledger,
        last_delivery=entry,
        softs=_softs(ledger.softs, entry, settings),
        last_seen=last_seen,
    )


def merge_manual(
    ledger: Ledger,
    kind: ManualKind,
    *,
    at: datetime,
    actor: str,
    note: str,
    until: datetime | None,
    settings: PolicySettings,
    lifted: str | None = None,
    scope: str = GLOBAL_SCOPE,
) -> Ledger:
    """Record an operator's decision. The latest manual action wins the decision (of its
    scope: a scoped action never changes the global decision, nor a global one a scoped
    suppression); every one is kept in `audit` (a union by event id, so still commutative
    and idempotent)."""
    scope = normalise_scope(scope)
    at = truncate_ms(at)
    until = truncate_ms(until) if until is not None else None
    reason = {
        ManualKind.SUPPRESS: Reason.MANUAL,
        ManualKind.UNSUPPRESS: Reason.MANUAL_UNSUPPRESS,
        ManualKind.ALLOW: Reason.MANUAL_ALLOW,
    }[kind]
    # global actions keep the event id they always had; scoped ones name their scope
    scope_part = "" if scope == GLOBAL_SCOPE else f"{scope}:"
    ev = Evidence(
        at=at,
        event_id=f"manual:{kind}:{scope_part}{at.isoformat()}",
        event_type="Manual",
        reason=str(reason),  # plain str for storage, as in from_outcome
        category="manual",
        diagnostic=note[:DIAGNOSTIC_LIMIT] or None,
        source="manual",
        actor=actor,
        until=until,
    )
    entry = AuditEntry(at, ev.event_id, reason, actor, ev.diagnostic, until, lifted, scope)
    audit = _audit_union(ledger.audit, [entry])
    if scope == GLOBAL_SCOPE:
        changed = replace(ledger, manual=_latest(ledger.manual, ev), audit=audit)
    else:
        current = ledger.scope(scope)
        scoped = replace(current, manual=_latest(current.manual, ev))
        changed = replace(ledger.with_scope(scope, scoped), audit=audit)
    return _touch(changed, ev, settings, scope)


def _audit_union(
    current: Iterable[AuditEntry], new: Iterable[AuditEntry]
) -> tuple[AuditEntry, ...]:
    entries = {a.event_id: a for a in current}
    for a in new:
        entries.setdefault(a.event_id, a)
    return tuple(sorted(entries.values(), key=lambda a: (a.at, a.event_id), reverse=True))


def audit_from_manual(manual: Evidence | None) -> tuple[AuditEntry, ...]:
    """The audit trail of an item written before `audit` existed: its latest manual action
    (older ones were only in the capped history, without actor or note)."""
    if manual is None or manual.actor is None:
        return ()
    return (
        AuditEntry(
            manual.at, manual.event_id, manual.reason, manual.actor, manual.diagnostic, manual.until
        ),
    )


def lift_needs_force(
    ledger: Ledger, at: datetime, settings: PolicySettings, scope: str = GLOBAL_SCOPE
) -> str | None:
    """The category (`complaint` / `unsubscribe`) an unsuppress or allow at `at` would lift,
    when that needs force: the recipient's own complaint or unsubscribe, still counted (not
    lifted already) and not expired by then. None: nothing of the kind to lift. A scoped
    action looks at that scope's unsubscribe only."""
    if scope == GLOBAL_SCOPE:
        complaint, manual = ledger.complaint, ledger.manual
    else:
        entry = ledger.scope(scope)
        complaint, manual = entry.subscription, entry.manual
    if complaint is None or complaint.category not in FORCE_TO_LIFT:
        return None
    cutoff = _manual_cutoff(manual)
    if cutoff is not None and complaint.at <= cutoff:
        return None  # already lifted, or under an allow
    end = _plus_days(complaint.at, settings.complaint_ttl_days)
    if end is not None and end <= at:
        return None
    return complaint.category


def _latest(current: Evidence | None, candidate: Evidence) -> Evidence:
    if current is None or candidate.order_key > current.order_key:
        return candidate
    return current


def _slim(ev: Evidence) -> Evidence:
    return Evidence(ev.at, ev.event_id, ev.event_type, ev.reason, ev.category, ev.status)


def _hkey(entry: HistoryEntry) -> tuple[datetime, str]:
    return (entry.at, entry.event_id)


def _softs(
    softs: Iterable[Evidence], last_delivery: HistoryEntry | None, settings: PolicySettings
) -> tuple[Evidence, ...]:
    unique = {ev.event_id: ev for ev in softs}
    kept = sorted(unique.values(), key=lambda ev: ev.order_key)
    if last_delivery is not None:
        kept = [ev for ev in kept if ev.order_key > _hkey(last_delivery)]
    return tuple(kept[-settings.soft_memory_limit :])


def _history_entry(ev: Evidence, scope: str = GLOBAL_SCOPE) -> HistoryEntry:
    return HistoryEntry(ev.at, ev.event_id, ev.event_type, ev.reason, ev.category, scope)


def _touch(
    ledger: Ledger, ev: Evidence, settings: PolicySettings, scope: str = GLOBAL_SCOPE
) -> Ledger:
    entries = {h.event_id: h for h in ledger.history}
    entries[ev.event_id] = _history_entry(ev, scope)
    history = sorted(entries.values(), key=_hkey, reverse=True)[: settings.history_limit]
    first = ev.at if ledger.first_seen is None else min(ledger.first_seen, ev.at)
    last = ev.at if ledger.last_seen is None else max(ledger.last_seen, ev.at)
    return replace(ledger, history=tuple(history), first_seen=first, last_seen=last)


# --- deriving the decision ------------------------------------------------------------------


@dataclass(frozen=True, slots=True, order=True)
class _Candidate:
    precedence: int
    start: datetime
    end: datetime | None = field(compare=False)  # None = never expires
    evidence: Evidence = field(compare=False)


_PRECEDENCE = {"ses": 0, "soft": 1, "hard": 2, "complaint": 3, "manual": 4}


def decide(ledger: Ledger, settings: PolicySettings) -> Decision:
    """Derive the suppression decision from a ledger. Pure: no clock, only event times."""
    manual = ledger.manual
    ignore_before = _manual_cutoff(manual)

    def counts(ev: Evidence | None) -> bool:
        return ev is not None and (ignore_before is None or ev.at > ignore_before)

    candidates: list[_Candidate] = []
    if manual is not None and manual.reason == Reason.MANUAL:
        candidates.append(_Candidate(_PRECEDENCE["manual"], manual.at, manual.until, manual))
    if counts(ledger.complaint):
        assert ledger.complaint is not None
        end = _plus_days(ledger.complaint.at, settings.complaint_ttl_days)
        candidates.append(
            _Candidate(_PRECEDENCE["complaint"], ledger.complaint.at, end, ledger.complaint)
        )
    if counts(ledger.hard):
        assert ledger.hard is not None
        end = _plus_days(ledger.hard.at, settings.hard_bounce_ttl_days)
        candidates.append(_Candidate(_PRECEDENCE["hard"], ledger.hard.at, end, ledger.hard))
    if counts(ledger.ses_suppressed):
        assert ledger.ses_suppressed is not None
        ev = ledger.ses_suppressed
        end = _plus_days(ev.at, settings.hard_bounce_ttl_days)
        candidates.append(_Candidate(_PRECEDENCE["ses"], ev.at, end, ev))
    softs = [ev for ev in ledger.softs if counts(ev)]
    escalations, pending = _escalate(softs, settings)
    candidates.extend(escalations)

    state, shown, start, expires_at = State.CLEAR, None, None, None
    ends: list[datetime | None] = [c.end for c in candidates]
    # The latest event time (or sweep time) is a lower bound on "now": a suppression that
    # ended before it has certainly lapsed, so the item stops reading (and indexing) as
    # suppressed.
    moment = _known_now(ledger)
    live = [c for c in candidates if _in_force_at(c, moment)]
    if _allow_in_force(manual, moment):
        assert manual is not None
        state, shown, ends = State.ALLOWED, manual, [manual.until]
    elif live:
        primary = max(live)  # the strongest suppression in force; ties: the latest start
        state, shown, start = State.SUPPRESSED, primary.evidence, primary.start
        live_ends = [c.end for c in live]
        expires_at = None if None in live_ends else max(e for e in live_ends if e is not None)
    elif pending:
        state, shown = State.WATCHING, pending[-1]
    last_soft = ledger.last_soft
    if shown is not None and last_soft is not None and shown.event_id == last_soft.event_id:
        shown = last_soft  # the full evidence of the same soft bounce
    scoped: list[ScopeDecision] = []
    for scope, entry in ledger.scopes:
        in_force, scope_ends = _decide_scope(scope, entry, moment, settings)
        ends.extend(scope_ends)  # the item is kept while a scoped suppression may hold
        if in_force is not None:
            scoped.append(in_force)
    return Decision(
        state=state,
        reason=shown.reason if shown else None,
        category=shown.category if shown else None,
        evidence=shown,
        suppressed_at=start,
        expires_at=expires_at,
        soft_bounce_count=len(pending),
        escalations=len(escalations),
        purge_at=_purge_at(ledger, settings, ends),
        scopes=tuple(scoped),
    )


def _known_now(ledger: Ledger) -> datetime | None:
    moments = [t for t in (ledger.last_seen, ledger.evaluated_at) if t is not None]
    return max(moments) if moments else None


def _decide_scope(
    scope: str, entry: ScopeLedger, moment: datetime | None, settings: PolicySettings
) -> tuple[ScopeDecision | None, list[datetime | None]]:
    """(the scoped suppression in force or None, the ends of every suppression counted).
    The global rules in small: a manual suppress outranks an unsubscribe; an unsuppress
    disregards what came before it; an allow blocks automatic suppression until it ends;
    an unsubscribe lasts `complaint_ttl_days` (0 = for good), like a global one."""
    manual = entry.manual
    if _allow_in_force(manual, moment):
        assert manual is not None
        return None, [manual.until]
    cutoff = _manual_cutoff(manual)
    candidates: list[_Candidate] = []
    if manual is not None and manual.reason == Reason.MANUAL:
        candidates.append(_Candidate(_PRECEDENCE["manual"], manual.at, manual.until, manual))
    sub = entry.subscription
    if sub is not None and sub.reason == REASON_UNSUBSCRIBE and (cutoff is None or sub.at > cutoff):
        end = _plus_days(sub.at, settings.complaint_ttl_days)
        candidates.append(_Candidate(_PRECEDENCE["complaint"], sub.at, end, sub))
    ends = [c.end for c in candidates]
    live = [c for c in candidates if _in_force_at(c, moment)]
    if not live:
        return None, ends
    primary = max(live)
    live_ends = [c.end for c in live]
    expires_at = None if None in live_ends else max(e for e in live_ends if e is not None)
    return ScopeDecision(scope, primary.evidence, primary.start, expires_at), ends


def _allow_in_force(manual: Evidence | None, last_seen: datetime | None) -> bool:
    """An allow entry holds until it expires; after that, only newer evidence counts."""
    if manual is None or manual.reason != Reason.MANUAL_ALLOW:
        return False
    return manual.until is None or last_seen is None or manual.until > last_seen


def _manual_cutoff(manual: Evidence | None) -> datetime | None:
    """Automatic evidence at or before this time is disregarded."""
    if manual is None:
        return None
    if manual.reason == Reason.MANUAL_UNSUPPRESS:
        return manual.at
    if manual.reason == Reason.MANUAL_ALLOW:
        # An allow entry blocks automatic suppression until it is removed or expires.
        return (
            manual.until
            if manual.until is not None
            else datetime.max.replace(tzinfo=manual.at.tzinfo)
        )
    return None


def _escalate(
    softs: list[Evidence], settings: PolicySettings
) -> tuple[list[_Candidate], list[Evidence]]:
    """Walk soft bounces in time order; N within W days escalate to a suppression whose TTL
    doubles with each escalation that follows the previous one within W days of its end."""
    window = timedelta(days=settings.soft_bounce_window_days)
    pending: list[Evidence] = []
    escalations: list[_Candidate] = []
    level = 0
    previous_end: datetime | None = None
    for ev in softs:
        pending = [p for p in pending if ev.at - p.at <= window]
        pending.append(ev)
        if len(pending) < settings.soft_bounce_threshold:
            continue
        if previous_end is not None and ev.at - previous_end > window:
            level = 0
        level += 1
        days = min(
            settings.soft_bounce_ttl_days * 2 ** (level - 1), settings.soft_bounce_max_ttl_days
        )
        end = ev.at + timedelta(days=days)
        escalations.append(_Candidate(_PRECEDENCE["soft"], ev.at, end, ev))
        previous_end = end
        pending = []
    return escalations, pending


def _in_force_at(candidate: _Candidate, moment: datetime | None) -> bool:
    return candidate.end is None or moment is None or candidate.end > moment


def _purge_at(
    ledger: Ledger, settings: PolicySettings, ends: list[datetime | None]
) -> datetime | None:
    """Keep an item long enough to remember escalations and late events, then let the
    DynamoDB TTL sweep it. Items with a suppression that never expires are kept."""
    if any(e is None for e in ends) or ledger.last_seen is None:
        return None
    memory = timedelta(days=settings.soft_bounce_window_days + settings.soft_bounce_max_ttl_days)
    horizon = max([ledger.last_seen, *[e for e in ends if e is not None]])
    return horizon + memory


def _plus_days(at: datetime, days: int) -> datetime | None:
    return None if days == 0 else at + timedelta(days=days)


# --- the policy function ----------------------------------------------------------------


def apply_outcome(
    record: SuppressionRecord | None,
    address: str,
    outcome: RecipientOutcome,
    settings: PolicySettings,
) -> SuppressionRecord | None:
    """(current state or None, outcome, settings) -> new state or None.

    Returns the record unchanged (the same object) when the outcome changes nothing, so the
    caller can skip the write.
    """
    if record is None:
        if not creates_record(outcome, settings):
            return None
        ledger = Ledger()
        version = 0
    else:
        ledger = record.ledger
        version = record.version
    merged = merge(ledger, outcome, settings)
    if record is not None and merged == record.ledger:
        return record
    return SuppressionRecord(address, merged, decide(merged, settings), version)


def apply_manual(
    record: SuppressionRecord | None,
    address: str,
    kind: ManualKind,
    *,
    at: datetime,
    actor: str,
    note: str,
    until: datetime | None,
    settings: PolicySettings,
    force: bool = False,
    scope: str = GLOBAL_SCOPE,
) -> SuppressionRecord:
    """Raises ForceRequiredError when an unsuppress or allow would lift a complaint or an
    unsubscribe without `force` and a non-empty `note` (nothing is changed then). With a
    named `scope`, the action applies to that scope only (InvalidScopeError: not a scope)."""
    scope = normalise_scope(scope)
    ledger = record.ledger if record else Ledger()
    lifted = None
    if kind is not ManualKind.SUPPRESS:
        lifted = lift_needs_force(ledger, truncate_ms(at), settings, scope)
        if lifted is not None and not (force and note.strip()):
            raise ForceRequiredError(
                f"this lifts a {lifted}: the recipient asked not to be mailed; "
                "give force and a reason to do it anyway"
            )
    merged = merge_manual(
        ledger,
        kind,
        at=at,
        actor=actor,
        note=note,
        until=until,
        settings=settings,
        lifted=lifted,
        scope=scope,
    )
    version = record.version if record else 0
    return SuppressionRecord(address, merged, decide(merged, settings), version)


def materialise_at(
    record: SuppressionRecord, now: datetime, settings: PolicySettings
) -> SuppressionRecord:
    """The record as it stands at `now`: a suppression (or allow entry) whose end has passed
    stops being the stored state. DynamoDB writes nothing when `expires_at` passes, so the
    expiry sweep calls this to make the lapse visible in the item (and its stream).

    No evidence is added: only the ledger's clock mark moves (a maximum, so merging stays
    commutative and idempotent). Returns `record` itself when the decision would not change,
    so the caller writes nothing."""
    now = truncate_ms(now)
    current = record.ledger.evaluated_at
    if current is not None and current >= now:
        return record
    ledger = replace(record.ledger, evaluated_at=now)
    decision = decide(ledger, settings)
    if decision == record.decision:
        return record
    return SuppressionRecord(record.address, ledger, decision, record.version)
