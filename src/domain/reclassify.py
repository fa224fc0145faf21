"""Stored evidence read again by the current classifier.

A suppression records the evidence it rests on (status, diagnostic text, SES bounce type).
When the classifier's rules improve, an address suppressed as invalid under older rules may
no longer be invalid under the current ones (a filter's "user unknown", a sender-side
refusal whose wording was missing from the tables).  This module answers, for one stored
decision, whether the current classifier still reads its evidence as an invalid address;
the operator decides what to lift (``ses-feedback reclassify``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.classify import classify_ses_bounce_recipient
from domain.policy import Decision, State
from domain.record_codec import stored_decision
from domain.verdicts import Classification, Verdict


@dataclass(frozen=True, slots=True)
class Reclassified:
    """A suppression as an invalid address that the current classifier no longer makes."""

    address: str
    stored_reason: str | None
    reason: str
    verdict: Verdict
    status: str | None
    diagnostic: str | None
    evidence_at: datetime
    suppressed_at: datetime | None


def reclassify(address: str, decision: Decision, now: datetime) -> Reclassified | None:
    """What the current classifier makes of an invalid-address suppression in force.

    None when the decision is anything else (not suppressed, expired, another category),
    when its evidence has nothing to read again (no status and no diagnostic: a bare SES
    Permanent/General, whose reading has not changed), or when the reading is unchanged."""
    ev = decision.evidence
    if (
        decision.state is not State.SUPPRESSED
        or decision.category != Verdict.INVALID_ADDRESS.value
        or (decision.expires_at is not None and decision.expires_at <= now)
        or ev is None
        or ev.event_type != "Bounce"
        or not (ev.status or ev.diagnostic)
    ):
        return None
    current: Classification = classify_ses_bounce_recipient(
        ev.bounce_type,
        ev.bounce_sub_type,
        "failed",
        ev.status,
        ev.diagnostic,
        address=address,
        stage=ev.stage,
    )
    if current.verdict is Verdict.INVALID_ADDRESS:
        return None
    return Reclassified(
        address=address,
        stored_reason=decision.reason,
        reason=current.reason,
        verdict=current.verdict,
        status=ev.status,
        diagnostic=ev.diagnostic,
        evidence_at=ev.at,
        suppressed_at=decision.suppressed_at,
    )


@dataclass(frozen=True, slots=True)
class ReclassifyReport:
    read: int  # invalid-address suppressions read
    changed: tuple[Reclassified, ...]  # those the current classifier reads otherwise


def reclassify_items(items: Iterable[Mapping[str, Any]], now: datetime) -> ReclassifyReport:
    """Every stored suppression item (docs/schema.md) whose decision is an invalid address,
    read again (`ses-feedback reclassify`)."""
    read = 0
    changed: list[Reclassified] = []
    for item in items:
        decision = stored_decision(item)
        if decision.category != Verdict.INVALID_ADDRESS.value:
            continue
        read += 1
        found = reclassify(str(item["address"]), decision, now)
        if found is not None:
            changed.append(found)
    return ReclassifyReport(read, tuple(changed))
