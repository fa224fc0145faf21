"""Change events derived from stream images (domain/change_events.py), with images written
by the real policy and codec, and the expiry materialisation (policy.materialise_at)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.change_events import (
    CHANGE_KINDS,
    MalformedImageError,
    derive_changes,
    unlist_from_ses,
)
from domain.policy import (
    ManualKind,
    PolicySettings,
    SuppressionRecord,
    apply_manual,
    apply_outcome,
    materialise_at,
)
from domain.record_codec import record_from_item, record_to_item
from domain.ses_sync import export_reason
from tests.builders import T0, days, outcome
from tests.conftest import ROOT
from tests.unit.test_policy_properties import POLICY, events_strategy

ADDRESS = "user@example.com"
SETTINGS = PolicySettings(hard_bounce_ttl_days=30)


def image(record: SuppressionRecord, written_at: datetime, version: int) -> dict[str, Any]:
    """The item as the stream shows it (numbers as Decimal, like boto3's deserialiser)."""
    item = record_to_item(record, written_at)
    item["version"] = Decimal(version)
    return {
        k: Decimal(v) if isinstance(v, int) and not isinstance(v, bool) else v
        for k, v in item.items()
    }


def apply(record: SuppressionRecord | None, *outcomes: Any) -> SuppressionRecord:
    current = record
    for o in outcomes:
        current = apply_outcome(current, ADDRESS, o, SETTINGS)
    assert current is not None
    return current


def changes(old: dict[str, Any] | None, new: dict[str, Any] | None, **kw: Any) -> list[str]:
    return [e.change for e in derive_changes(old, new, recorded_at=T0 + days(400), **kw)]


def exported(reason: str | None, category: str | None) -> bool:
    return (
        export_reason({"state": "suppressed", "reason": reason, "category": category}, T0)
        is not None
    )


# --- added / lifted / nothing ----------------------------------------------------------------


def test_first_hard_bounce_is_added_with_the_suppression_in_the_detail() -> None:
    rec = apply(None, outcome("hard", 0))
    [event] = derive_changes(None, image(rec, T0, 1), recorded_at=T0)
    detail = event.detail()
    assert detail["change"] == "added"
    assert detail["address"] == ADDRESS and detail["domain"] == "example.com"
    assert detail["scope"] == "global" and detail["state"] == "suppressed"
    assert (detail["reason"], detail["category"]) == ("userunknown", "invalid-address")
    assert detail["expires_at"] == "2026-12-01T12:00:00.000Z"
    assert detail["version"] == 1 and detail["at"] == "2026-11-01T12:00:00.000Z"
    assert detail["previous_reason"] is None


def test_delivery_marker_and_history_only_writes_announce_nothing() -> None:
    marker = apply(None, outcome("delivered", 0))
    assert changes(None, image(marker, T0, 1)) == []
    later = apply(marker, outcome("delivered", 1))
    assert changes(image(marker, T0, 1), image(later, T0 + days(1), 2)) == []
    # one soft bounce while watching, and a repeated hard bounce's history entry
    soft = apply(None, outcome("soft", 0))
    assert changes(None, image(soft, T0, 1)) == []
    hard = apply(None, outcome("hard", 0))
    again = apply(hard, outcome("delivered", 0.5))
    assert changes(image(hard, T0, 1), image(again, T0 + days(0.5), 2)) == []


def test_manual_unsuppress_is_lifted_and_names_what_ended() -> None:
    hard = apply(None, outcome("hard", 0))
    lifted = apply_manual(
        hard,
        ADDRESS,
        ManualKind.UNSUPPRESS,
        at=T0 + days(2),
        actor="op",
        note="",
        until=None,
        settings=SETTINGS,
    )
    [event] = derive_changes(
        image(hard, T0, 1), image(lifted, T0 + days(2), 2), recorded_at=T0 + days(2)
    )
    assert event.change == "lifted" and event.state == "clear"
    assert (event.reason, event.category) == ("userunknown", "invalid-address")
    assert event.at == T0 + days(2) and event.previous_reason is None
    assert unlist_from_ses([event], exported) == ADDRESS


def test_a_delivery_after_an_escalation_lifts_it() -> None:
    """Newer evidence lifts too (docs/events.md): a delivery discounts the soft bounces
    before it, so the escalation they made ends before its expiry."""
    escalated = apply(None, outcome("soft", 0), outcome("soft", 0.1), outcome("soft", 0.2))
    assert escalated.decision.state == "suppressed"
    assert escalated.decision.expires_at is not None
    delivered = apply(escalated, outcome("delivered", 0.5))
    assert delivered.decision.expires_at is None
    [event] = derive_changes(
        image(escalated, T0 + days(0.2), 1),
        image(delivered, T0 + days(0.5), 2),
        recorded_at=T0 + days(0.5),
    )
    assert (event.change, event.state) == ("lifted", "clear")
    assert event.expires_at == escalated.decision.expires_at > T0 + days(0.5)
    assert unlist_from_ses([event], exported) is None  # escalations are never exported


def test_allow_lifts_and_reports_the_allowed_state() -> None:
    hard = apply(None, outcome("hard", 0))
    allowed = apply_manual(
        hard,
        ADDRESS,
        ManualKind.ALLOW,
        at=T0 + days(1),
        actor="op",
        note="",
        until=None,
        settings=SETTINGS,
    )
    [event] = derive_changes(image(hard, T0, 1), image(allowed, T0 + days(1), 2), recorded_at=T0)
    assert (event.change, event.state) == ("lifted", "allowed")


# --- expired --------------------------------------------------------------------------------


def test_sweep_materialises_a_lapsed_suppression_as_expired_at_its_expiry() -> None:
    hard = apply(None, outcome("hard", 0))
    assert materialise_at(hard, T0 + days(29), SETTINGS) is hard  # still in force: no write
    lapsed = materialise_at(hard, T0 + days(31), SETTINGS)
    assert lapsed is not hard and lapsed.decision.state == "clear"
    assert lapsed.ledger.history == hard.ledger.history  # no evidence was added
    old, new = image(hard, T0, 1), image(lapsed, T0 + days(31), 2)
    assert "suppressed_at" not in new  # leaves the sparse indexes
    [event] = derive_changes(old, new, recorded_at=T0 + days(31))
    assert event.change == "expired"
    assert event.at == T0 + days(30)  # when it lapsed, not when the sweep noticed
    assert unlist_from_ses([event], exported) == ADDRESS
    # idempotent, and the mark survives the codec (a re-read stays lapsed)
    assert materialise_at(lapsed, T0 + days(31), SETTINGS) is lapsed
    reread = record_from_item(record_to_item(lapsed, T0 + days(31)), SETTINGS)
    assert reread.decision == lapsed.decision


def test_materialising_keeps_the_fold_commutative() -> None:
    """A late delivery applied before or after the sweep gives the same decision."""
    hard = apply(None, outcome("hard", 0))
    late = outcome("delivered", 10)
    swept_then_late = apply(materialise_at(hard, T0 + days(31), SETTINGS), late)
    late_then_swept = materialise_at(apply(hard, late), T0 + days(31), SETTINGS)
    assert swept_then_late.decision == late_then_swept.decision
    assert swept_then_late.ledger == late_then_swept.ledger


def test_any_later_write_over_a_lapsed_suppression_announces_the_expiry() -> None:
    hard = apply(None, outcome("hard", 0))
    delivered = apply(hard, outcome("delivered", 40))  # moves last_seen past the expiry
    assert changes(image(hard, T0, 1), image(delivered, T0 + days(40), 2)) == ["expired"]


def test_a_late_write_that_leaves_the_lapsed_state_stored_announces_nothing() -> None:
    """A delivery dated before the expiry, written after it: the item still reads
    suppressed (lapsed), so the expiry is announced once, by the sweep's write."""
    hard = apply(None, outcome("hard", 0))
    late = apply(hard, outcome("delivered", 10))
    assert late.decision.state == "suppressed"
    first, second = image(hard, T0, 1), image(late, T0 + days(35), 2)
    assert changes(first, second) == []
    swept = materialise_at(late, T0 + days(36), SETTINGS)
    assert changes(second, image(swept, T0 + days(36), 3)) == ["expired"]


def test_a_write_that_moves_the_expiry_into_the_past_is_expired() -> None:
    """E.g. HardBounceTtlDays lowered: the next write re-derives a shorter expiry."""
    hard = image(apply(None, outcome("hard", 0)), T0, 1)
    shorter = {
        **hard,
        "version": Decimal(2),
        "updated_at": "2026-11-20T12:00:00.000Z",
        "expires_at": Decimal(int((T0 + days(10)).timestamp())),
    }
    [event] = derive_changes(hard, shorter, recorded_at=T0)
    assert (event.change, event.at) == ("expired", T0 + days(10))


def test_a_new_suppression_over_a_lapsed_one_is_expired_then_added() -> None:
    hard = apply(None, outcome("hard", 0))
    again = apply(hard, outcome("hard", 40))
    events = derive_changes(image(hard, T0, 1), image(again, T0 + days(40), 2), recorded_at=T0)
    assert [e.change for e in events] == ["expired", "added"]
    assert events[1].previous_reason == "userunknown"
    assert unlist_from_ses(events, exported) is None  # still exported: SES keeps it


def test_ttl_removal_is_expired_and_a_manual_delete_is_lifted() -> None:
    complaint = apply(None, outcome("complaint", 0))  # never expires
    old = image(complaint, T0, 1)
    assert changes(old, None, removed_by_ttl=True) == ["expired"]
    assert changes(old, None) == ["lifted"]
    marker = image(apply(None, outcome("delivered", 0)), T0, 1)
    assert changes(marker, None, removed_by_ttl=True) == []
    # a lapsed hard bounce purged by TTL (the sweep was off): expired, at its expiry
    hard = image(apply(None, outcome("hard", 0)), T0, 1)
    [event] = derive_changes(hard, None, recorded_at=T0 + days(90), removed_by_ttl=True)
    assert (event.change, event.at, event.state, event.version) == (
        "expired",
        T0 + days(30),
        "removed",
        None,
    )


# --- escalated / changed ----------------------------------------------------------------------


def test_stronger_category_is_escalated_and_a_later_hard_bounce_is_changed() -> None:
    hard = apply(None, outcome("hard", 0))
    complained = apply(hard, outcome("complaint", 1))
    [event] = derive_changes(image(hard, T0, 1), image(complained, T0 + days(1), 2), recorded_at=T0)
    assert event.change == "escalated"
    assert (event.previous_category, event.category) == ("invalid-address", "complaint")
    assert event.expires_at is None  # complaints never expire by default
    newer = apply(hard, outcome("hard", 5))
    [event] = derive_changes(image(hard, T0, 1), image(newer, T0 + days(5), 2), recorded_at=T0)
    assert event.change == "changed" and event.expires_at == T0 + days(35)


def test_repeated_soft_bounce_escalation_is_escalated() -> None:
    settings = PolicySettings(soft_bounce_ttl_days=10, soft_bounce_max_ttl_days=30)
    first = None
    for at in (0, 0.1, 0.2):
        first = apply_outcome(first, ADDRESS, outcome("soft", at), settings)
    assert first is not None and first.decision.escalations == 1
    second = first
    for at in (1, 1.1, 1.2):
        second = apply_outcome(second, ADDRESS, outcome("soft", at), settings)
    assert second is not None and second.decision.escalations == 2
    events = derive_changes(image(first, T0, 3), image(second, T0 + days(1.2), 6), recorded_at=T0)
    assert [e.change for e in events] == ["escalated"]
    assert not exported(events[0].reason, events[0].category)


# --- ids, scopes, bad input -------------------------------------------------------------------


def test_event_ids_are_stable_per_record_and_differ_between_writes() -> None:
    hard = apply(None, outcome("hard", 0))
    new = image(hard, T0, 1)
    first = derive_changes(None, new, recorded_at=T0)
    retried = derive_changes(None, dict(new), recorded_at=T0 + timedelta(minutes=5))
    assert [e.event_id for e in first] == [e.event_id for e in retried]
    # deleted by TTL and created again at version 1: a new id
    recreated = image(apply(None, outcome("hard", 200)), T0 + days(200), 1)
    assert derive_changes(None, recreated, recorded_at=T0)[0].event_id != first[0].event_id


def test_scoped_suppressions_are_added_and_lifted_by_presence() -> None:
    base = image(apply(None, outcome("delivered", 0)), T0, 1)
    with_scope = {
        **base,
        "version": Decimal(2),
        "updated_at": "2026-11-02T12:00:00.000Z",
        "scopes": {"marketing": {"reason": "unsubscribe", "category": "unsubscribe"}},
    }
    [added] = derive_changes(base, with_scope, recorded_at=T0)
    assert (added.change, added.scope, added.reason) == ("added", "marketing", "unsubscribe")
    without = {
        **with_scope,
        "version": Decimal(3),
        "updated_at": "2026-11-03T12:00:00.000Z",
        "scopes": {},
    }
    [lifted] = derive_changes(with_scope, without, recorded_at=T0)
    assert (lifted.change, lifted.scope, lifted.state) == ("lifted", "marketing", "removed")
    assert unlist_from_ses([lifted], exported) is None  # scoped entries never reach SES


def test_unknown_attributes_are_ignored_and_an_image_without_key_is_refused() -> None:
    rec = image(apply(None, outcome("hard", 0)), T0, 1)
    assert changes(None, {**rec, "future_attribute": {"x": 1}, "scopes": "not-a-map"}) == ["added"]
    with pytest.raises(MalformedImageError):
        derive_changes(None, {"state": "suppressed"}, recorded_at=T0)
    assert derive_changes(None, None, recorded_at=T0) == []


# --- property: a sweep never changes what readers see --------------------------------------


@settings(max_examples=300, deadline=None)
@given(events=events_strategy, data=st.data())
def test_sweeps_anywhere_in_the_arrival_order_change_no_reader_answer(events, data) -> None:
    """Readers apply `expires_at`; the sweep only makes stored what they already applied.
    With sweeps at any times between any arrivals, the answer at any moment after everything
    is the one the events alone give, and a suppression in force has the same expiry."""
    sweeps = data.draw(st.lists(st.integers(min_value=0, max_value=130), max_size=3))
    positions = [data.draw(st.integers(min_value=0, max_value=len(events))) for _ in sweeps]
    record = None
    plain = None
    for i, ev in enumerate(events):
        for at, position in zip(sweeps, positions, strict=True):
            if position == i and record is not None:
                record = materialise_at(record, T0 + days(at / 2), POLICY)
        record = apply_outcome(record, ADDRESS, ev, POLICY)
        plain = apply_outcome(plain, ADDRESS, ev, POLICY)
    assert (record is None) == (plain is None)
    if record is None or plain is None:
        return
    latest = max([ev.occurred_at for ev in events] + [T0 + days(s / 2) for s in sweeps])
    for later in (latest, latest + days(1), latest + days(400)):
        assert record.is_suppressed(later) == plain.is_suppressed(later)
    if record.decision.state == "suppressed" and plain.decision.state == "suppressed":
        assert record.decision.expires_at == plain.decision.expires_at


def test_every_change_kind_is_defined_in_the_event_documentation() -> None:
    text = (ROOT / "docs" / "events.md").read_text()
    for kind in CHANGE_KINDS:
        assert f"- **`{kind}`**:" in text, kind


def test_scoped_changes_from_items_the_policy_writes() -> None:
    # The stored `scopes` map as the per-scope policy writes it: an opt-out announces
    # `added` in its scope only, the later opt-in `lifted`, and the global state says nothing.
    from tests.builders import scoped_outcome

    opted_out = apply(None, scoped_outcome("unsubscribe", 1, "news", address=ADDRESS))
    first = derive_changes(None, image(opted_out, T0 + days(1), 1), recorded_at=T0 + days(1))
    assert [(e.change, e.scope, e.reason) for e in first] == [("added", "news", "unsubscribe")]
    opted_in = apply(opted_out, scoped_outcome("subscribe", 2, "news", address=ADDRESS))
    second = derive_changes(
        image(opted_out, T0 + days(1), 1),
        image(opted_in, T0 + days(2), 2),
        recorded_at=T0 + days(2),
    )
    assert [(e.change, e.scope) for e in second] == [("lifted", "news")]
