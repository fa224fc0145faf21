"""Suppression records <-> plain item dictionaries (the public table format).

The item format is a contract other services read directly (docs/schema.md), so it is
written here once, in plain Python types: str, int, bool, dict, list. Absent values are
omitted rather than stored as NULL. Times are ISO 8601 UTC strings with milliseconds (they
sort as text); `expires_at` and `purge_at` are epoch seconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from datetime import UTC, datetime
from typing import Any

import orjson

from domain.addresses import domain_of
from domain.policy import (
    AuditEntry,
    Decision,
    Evidence,
    HistoryEntry,
    Ledger,
    ScopeDecision,
    ScopeLedger,
    State,
    SuppressionRecord,
    audit_from_manual,
    decide,
)
from domain.policy_settings import PolicySettings
from domain.scopes import GLOBAL_SCOPE
from domain.times import iso

FORMAT_VERSION = 1


def parse_iso(text: str) -> datetime:
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def epoch(dt: datetime) -> int:
    return int(dt.timestamp())


def record_to_item(record: SuppressionRecord, now: datetime) -> dict[str, Any]:
    d = record.decision
    item: dict[str, Any] = {
        "address": record.address,
        "domain": domain_of(record.address),
        "state": str(d.state),
        "suppressed": d.state is State.SUPPRESSED,
        "soft_bounce_count": d.soft_bounce_count,
        "escalations": d.escalations,
        "updated_at": iso(now),
        "format": FORMAT_VERSION,
        # Internal, so stored as compact JSON text: a nested map costs far more to
        # (de)serialise on every read and write, and nobody should query inside it.
        "ledger": orjson.dumps(_ledger_to_map(record.ledger)).decode(),
    }
    optional: dict[str, Any] = {
        "reason": d.reason,
        "category": d.category,
        "suppressed_at": iso(d.suppressed_at) if d.suppressed_at else None,
        "expires_at": epoch(d.expires_at) if d.expires_at else None,
        "purge_at": epoch(d.purge_at) if d.purge_at else None,
        "first_seen": iso(record.ledger.first_seen) if record.ledger.first_seen else None,
        "last_seen": iso(record.ledger.last_seen) if record.ledger.last_seen else None,
        "evidence": _evidence_to_map(d.evidence) if d.evidence else None,
        "history": [_history_to_map(h) for h in record.ledger.history] or None,
        "audit": [_audit_to_map(a) for a in record.ledger.audit] or None,
        # public: scoped suppressions in force, scope -> entry (docs/schema.md); absent when
        # there are none, so items without scoped suppressions look as they always did
        "scopes": {s.scope: _scope_entry(s) for s in d.scopes} or None,
    }
    item.update({k: v for k, v in optional.items() if v is not None})
    return item


def _scope_entry(d: ScopeDecision) -> dict[str, Any]:
    ev = d.evidence
    out: dict[str, Any] = {
        "state": str(State.SUPPRESSED),
        "reason": ev.reason,
        "category": ev.category,
        "since": iso(d.since),
        "event_id": ev.event_id,
        "source": ev.source,
        "actor": ev.actor,
        "expires_at": epoch(d.expires_at) if d.expires_at else None,
    }
    return {k: v for k, v in out.items() if v is not None}


def record_from_item(item: Mapping[str, Any], settings: PolicySettings) -> SuppressionRecord:
    """Rebuild a record. The decision is re-derived from the ledger, so a change of policy
    settings applies to stored items on their next update."""
    ledger = _ledger_from_item(item)
    version = int(item.get("version") or 0)
    return SuppressionRecord(str(item["address"]), ledger, decide(ledger, settings), version)


def stored_decision(item: Mapping[str, Any]) -> Decision:
    """The decision as written on the item (what other services see), without re-deriving."""
    expires = item.get("expires_at")
    purge = item.get("purge_at")
    evidence = item.get("evidence")
    return Decision(
        state=State(str(item.get("state", State.CLEAR))),
        reason=item.get("reason"),
        category=item.get("category"),
        evidence=_evidence_from_map(evidence) if isinstance(evidence, Mapping) else None,
        suppressed_at=parse_iso(item["suppressed_at"]) if item.get("suppressed_at") else None,
        expires_at=datetime.fromtimestamp(int(expires), UTC) if expires is not None else None,
        soft_bounce_count=int(item.get("soft_bounce_count") or 0),
        escalations=int(item.get("escalations") or 0),
        purge_at=datetime.fromtimestamp(int(purge), UTC) if purge is not None else None,
    )


_EVIDENCE_FIELDS = tuple(f.name for f in fields(Evidence))
_TIME_FIELDS = frozenset({"at", "until"})


def _evidence_to_map(ev: Evidence) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in _EVIDENCE_FIELDS:
        value = getattr(ev, name)
        if value is None:
            continue
        out[name] = iso(value) if name in _TIME_FIELDS else value
    return out


def _evidence_from_map(data: Mapping[str, Any]) -> Evidence:
    kwargs: dict[str, Any] = {}
    for name in _EVIDENCE_FIELDS:
        value = data.get(name)
        if value is None:
            continue
        kwargs[name] = parse_iso(value) if name in _TIME_FIELDS else str(value)
    return Evidence(**kwargs)


def _history_to_map(h: HistoryEntry) -> dict[str, Any]:
    out = {
        "at": iso(h.at),
        "event_id": h.event_id,
        "event_type": h.event_type,
        "reason": h.reason,
        "category": h.category,
    }
    if h.scope != GLOBAL_SCOPE:  # only scoped entries name one: older entries are global
        out["scope"] = h.scope
    return out


def _history_from_map(data: Mapping[str, Any]) -> HistoryEntry:
    return HistoryEntry(
        parse_iso(data["at"]),
        str(data["event_id"]),
        str(data["event_type"]),
        str(data["reason"]),
        str(data["category"]),
        str(data.get("scope") or GLOBAL_SCOPE),
    )


def _audit_to_map(a: AuditEntry) -> dict[str, Any]:
    out: dict[str, Any] = {
        "at": iso(a.at),
        "event_id": a.event_id,
        # plain strings: the vocabulary's StrEnum members are str subclasses pynamodb refuses
        "action": str(a.action),
        "actor": a.actor,
        "note": a.note,
        "until": iso(a.until) if a.until else None,
        "lifted": str(a.lifted) if a.lifted is not None else None,
        "scope": a.scope if a.scope != GLOBAL_SCOPE else None,
    }
    return {k: v for k, v in out.items() if v is not None}


def _audit_from_map(data: Mapping[str, Any]) -> AuditEntry:
    return AuditEntry(
        at=parse_iso(data["at"]),
        event_id=str(data["event_id"]),
        action=str(data["action"]),
        actor=str(data["actor"]),
        note=str(data["note"]) if data.get("note") else None,
        until=parse_iso(data["until"]) if data.get("until") else None,
        lifted=str(data["lifted"]) if data.get("lifted") else None,
        scope=str(data.get("scope") or GLOBAL_SCOPE),
    )


def _ledger_to_map(ledger: Ledger) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("hard", "complaint", "ses_suppressed", "manual", "last_soft"):
        ev = getattr(ledger, name)
        if ev is not None:
            out[name] = _evidence_to_map(ev)
    if ledger.softs:
        out["softs"] = [_evidence_to_map(ev) for ev in ledger.softs]
    if ledger.last_delivery is not None:
        out["last_delivery"] = _history_to_map(ledger.last_delivery)
    if ledger.evaluated_at is not None:
        out["evaluated_at"] = iso(ledger.evaluated_at)

    scopes: dict[str, Any] = {}
    for scope, entry in ledger.scopes:
        kept = {
            name: _evidence_to_map(ev)
            for name, ev in (("subscription", entry.subscription), ("manual", entry.manual))
            if ev is not None
        }
        if kept:
            scopes[scope] = kept
    if scopes:
        out["scopes"] = scopes
    return out


def _scopes_from_map(data: Any) -> tuple[tuple[str, ScopeLedger], ...]:
    if not isinstance(data, Mapping):
        return ()
    found = []
    for scope, entry in data.items():
        if not isinstance(entry, Mapping):
            continue
        sub, manual = entry.get("subscription"), entry.get("manual")
        found.append(
            (
                str(scope),
                ScopeLedger(
                    subscription=_evidence_from_map(sub) if isinstance(sub, Mapping) else None,
                    manual=_evidence_from_map(manual) if isinstance(manual, Mapping) else None,
                ),
            )
        )
    return tuple(sorted(found, key=lambda pair: pair[0]))


def _ledger_from_item(item: Mapping[str, Any]) -> Ledger:
    """History and first/last seen live at the item's top level (they are public)."""
    raw = item.get("ledger") or "{}"
    data = orjson.loads(raw) if isinstance(raw, str | bytes) else raw

    def ev(name: str) -> Evidence | None:
        value = data.get(name)
        return _evidence_from_map(value) if isinstance(value, Mapping) else None

    delivery = data.get("last_delivery")
    manual = ev("manual")
    stored_audit = item.get("audit")
    # Items written before `audit` existed: their latest manual action starts the trail.
    audit = (
        tuple(_audit_from_map(a) for a in stored_audit)
        if stored_audit
        else audit_from_manual(manual)
    )
    return Ledger(
        hard=ev("hard"),
        complaint=ev("complaint"),
        ses_suppressed=ev("ses_suppressed"),
        manual=manual,
        audit=audit,
        last_soft=ev("last_soft"),
        softs=tuple(_evidence_from_map(s) for s in data.get("softs") or ()),
        last_delivery=_history_from_map(delivery) if isinstance(delivery, Mapping) else None,
        history=tuple(_history_from_map(h) for h in item.get("history") or ()),
        first_seen=parse_iso(item["first_seen"]) if item.get("first_seen") else None,
        last_seen=parse_iso(item["last_seen"]) if item.get("last_seen") else None,
        evaluated_at=parse_iso(data["evaluated_at"]) if data.get("evaluated_at") else None,
        scopes=_scopes_from_map(data.get("scopes")),
    )
