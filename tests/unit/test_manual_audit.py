"""Lifting a complaint or an unsubscribe needs force and a reason, and every manual
action stays in the item's audit trail whatever the history cap."""

from __future__ import annotations

import pytest

from domain.events import RecipientOutcome
from domain.policy import (
    ForceRequiredError,
    ManualKind,
    PolicySettings,
    State,
    apply_manual,
    apply_outcome,
)
from domain.record_codec import record_from_item, record_to_item
from domain.verdicts import Classification, Verdict
from tests.builders import T0, days, outcome

ADDRESS = "user@example.com"
SETTINGS = PolicySettings()


def run(events, settings=SETTINGS):
    record = None
    for ev in events:
        record = apply_outcome(record, ADDRESS, ev, settings)
    return record


def unsubscribe(at_days: float) -> RecipientOutcome:
    return RecipientOutcome(
        address=ADDRESS,
        event_type="Unsubscribe",
        event_id=f"unsubscribe:{at_days}",
        occurred_at=T0 + days(at_days),
        classification=Classification("unsubscribe", Verdict.UNDETERMINED),
        source="inbound",
    )


def manual(
    record, kind, at_days, *, force=False, note="", actor="ops", until=None, settings=SETTINGS
):
    return apply_manual(
        record,
        ADDRESS,
        kind,
        at=T0 + days(at_days),
        actor=actor,
        note=note,
        until=until,
        settings=settings,
        force=force,
    )


@pytest.mark.parametrize("kind", [ManualKind.UNSUPPRESS, ManualKind.ALLOW])
@pytest.mark.parametrize(
    ("evidence", "category"),
    [(lambda: outcome("complaint", 0), "complaint"), (lambda: unsubscribe(0), "unsubscribe")],
)
def test_lifting_a_complaint_or_unsubscribe_needs_force_and_a_reason(kind, evidence, category):
    record = run([evidence()])
    assert record is not None and record.decision.state is State.SUPPRESSED
    with pytest.raises(ForceRequiredError, match=category):
        manual(record, kind, 1, note="ticket 9")
    with pytest.raises(ForceRequiredError):
        manual(record, kind, 1, force=True, note="   ")
    lifted = manual(record, kind, 1, force=True, note="ticket 9", actor="alice")
    assert not lifted.is_suppressed(T0 + days(1))
    [entry] = lifted.ledger.audit
    assert (entry.action, entry.actor, entry.note, entry.lifted) == (
        f"manual-{kind}",
        "alice",
        "ticket 9",
        category,
    )


def test_other_lifts_need_no_force():
    hard = run([outcome("hard", 0)])
    assert manual(hard, ManualKind.UNSUPPRESS, 1).ledger.audit[0].lifted is None
    assert manual(None, ManualKind.ALLOW, 1).decision.state is State.ALLOWED
    # a complaint lifted once is not lifted again
    lifted = manual(run([outcome("complaint", 0)]), ManualKind.UNSUPPRESS, 1, force=True, note="x")
    assert manual(lifted, ManualKind.ALLOW, 2).decision.state is State.ALLOWED
    # a complaint that has expired asks for nothing
    short = PolicySettings(complaint_ttl_days=30)
    old = run([outcome("complaint", 0)], short)
    assert manual(old, ManualKind.UNSUPPRESS, 31, settings=short).ledger.audit[0].lifted is None
    with pytest.raises(ForceRequiredError):
        manual(old, ManualKind.UNSUPPRESS, 29, settings=short)
    # a newer complaint after a lift needs force again
    again = apply_outcome(lifted, ADDRESS, outcome("complaint", 3), SETTINGS)
    with pytest.raises(ForceRequiredError):
        manual(again, ManualKind.UNSUPPRESS, 4)


def test_manual_actions_outlive_the_history_cap_and_round_trip():
    settings = PolicySettings(history_limit=3)
    record = None
    actions = [
        (ManualKind.SUPPRESS, 0, "legal hold"),
        (ManualKind.UNSUPPRESS, 1, "hold ended"),
        (ManualKind.ALLOW, 2, "vip"),
        (ManualKind.SUPPRESS, 3, "asked by phone"),
    ]
    for kind, at, note in actions:
        record = manual(record, kind, at, note=note, actor=f"op{at}", settings=settings)
    for n in range(10):  # bounces push every manual action out of the capped history
        record = apply_outcome(record, ADDRESS, outcome("hard", 10 + n), settings)
    assert record is not None
    assert len(record.ledger.history) == 3
    assert all(h.event_type == "Bounce" for h in record.ledger.history)
    assert [(a.actor, a.note) for a in record.ledger.audit] == [
        ("op3", "asked by phone"),
        ("op2", "vip"),
        ("op1", "hold ended"),
        ("op0", "legal hold"),
    ]
    item = record_to_item(record, T0 + days(30))
    assert item["audit"][0] == {
        "at": "2026-11-04T12:00:00.000Z",
        "event_id": "manual:suppress:2026-11-04T12:00:00+00:00",
        "action": "manual",
        "actor": "op3",
        "note": "asked by phone",
    }
    assert record_from_item(item, settings).ledger == record.ledger


def test_audit_is_the_same_in_any_order_and_idempotent():
    a = manual(None, ManualKind.SUPPRESS, 0, note="one")
    b = manual(a, ManualKind.UNSUPPRESS, 1, note="two")
    # the same two actions applied the other way round (an older one arriving late)
    c = manual(
        manual(None, ManualKind.UNSUPPRESS, 1, note="two"), ManualKind.SUPPRESS, 0, note="one"
    )
    assert b.ledger.audit == c.ledger.audit
    assert manual(b, ManualKind.UNSUPPRESS, 1, note="two").ledger.audit == b.ledger.audit


def test_items_written_before_the_audit_start_it_from_their_manual_action():
    record = manual(None, ManualKind.SUPPRESS, 0, note="legal", actor="alice")
    item = record_to_item(record, T0)
    del item["audit"]  # as written before the audit attribute existed
    back = record_from_item(item, SETTINGS)
    assert [(a.action, a.actor, a.note) for a in back.ledger.audit] == [
        ("manual", "alice", "legal")
    ]
    later = manual(back, ManualKind.UNSUPPRESS, 1, note="done", actor="bob")
    assert [a.actor for a in later.ledger.audit] == ["bob", "alice"]
