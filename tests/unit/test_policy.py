from __future__ import annotations

from datetime import timedelta

import pytest

from domain.policy import (
    ManualKind,
    PolicySettings,
    State,
    SuppressionRecord,
    apply_manual,
    apply_outcome,
)
from tests.builders import T0, days, outcome

ADDRESS = "user@example.com"


def run(events, settings=None) -> SuppressionRecord | None:
    settings = settings or PolicySettings()
    record = None
    for ev in events:
        record = apply_outcome(record, ADDRESS, ev, settings)
    return record


def test_hard_bounce_suppresses_for_configured_days():
    record = run([outcome("hard", 0)], PolicySettings(hard_bounce_ttl_days=30))
    assert record is not None
    d = record.decision
    assert d.state is State.SUPPRESSED
    assert (d.reason, d.category) == ("userunknown", "invalid-address")
    assert d.suppressed_at == T0
    assert d.expires_at == T0 + days(30)
    assert d.evidence is not None and d.evidence.status == "5.1.1"


def test_zero_ttl_means_never_expires():
    record = run([outcome("hard", 0)], PolicySettings(hard_bounce_ttl_days=0))
    assert record is not None and record.decision.expires_at is None
    assert record.decision.purge_at is None  # DynamoDB must not sweep it either
    assert record.is_suppressed(T0 + days(10_000))


def test_complaint_suppresses_without_expiry_by_default():
    record = run([outcome("complaint", 0)])
    assert record is not None
    assert record.decision.state is State.SUPPRESSED
    assert record.decision.reason == "feedback"
    assert record.decision.expires_at is None


@pytest.mark.parametrize("kind", ["sender", "auto-reply", "not-spam"])
def test_outcomes_that_never_create_a_record(kind):
    assert run([outcome(kind, 0)]) is None


def test_a_delivery_to_an_untracked_address_leaves_a_marker_that_expires():
    marker = run([outcome("delivered", 0)])
    assert marker is not None and marker.decision.state is State.CLEAR
    assert marker.ledger.last_delivery is not None
    delivered_at = marker.ledger.last_delivery.at
    assert marker.decision.purge_at == delivered_at + timedelta(days=14 + 30)
    assert run([outcome("delivered", 0)], PolicySettings(delivery_markers=False)) is None


def test_soft_bounces_older_than_an_earlier_arriving_delivery_do_not_count():
    # a delivery on day 3 arrives first, then soft bounces of days 1 and 2, then day 4
    arrival = [outcome("delivered", 3), outcome("soft", 1), outcome("soft", 2), outcome("soft", 4)]
    record = run(arrival)
    assert record is not None and record.decision.state is State.WATCHING
    assert record.decision.soft_bounce_count == 1  # only day 4 followed the delivery
    in_time_order = run(sorted(arrival, key=lambda o: o.occurred_at))
    assert in_time_order is not None and in_time_order.decision == record.decision
    # without markers the early delivery is lost and all three count (the trade-off)
    lossy = run(arrival, PolicySettings(delivery_markers=False))
    assert lossy is not None and lossy.decision.state is State.SUPPRESSED


def test_sender_problem_never_touches_an_existing_record():
    first = run([outcome("soft", 0)])
    after = apply_outcome(first, ADDRESS, outcome("sender", 1), PolicySettings())
    assert after is first  # same object: nothing to write


def test_soft_bounces_escalate_at_threshold_within_window():
    settings = PolicySettings(
        soft_bounce_threshold=3, soft_bounce_window_days=14, soft_bounce_ttl_days=1
    )
    two = run([outcome("soft", 0), outcome("transient", 5)], settings)
    assert two is not None and two.decision.state is State.WATCHING
    assert two.decision.soft_bounce_count == 2
    three = run([outcome("soft", 0), outcome("transient", 5), outcome("soft", 10)], settings)
    assert three is not None and three.decision.state is State.SUPPRESSED
    assert three.decision.expires_at == T0 + days(10) + days(1)
    assert three.decision.escalations == 1


def test_soft_bounces_outside_the_window_do_not_escalate():
    record = run([outcome("soft", 0), outcome("soft", 15), outcome("soft", 30)])
    assert record is not None
    assert record.decision.state is State.WATCHING
    assert record.decision.soft_bounce_count == 1


def test_escalation_ttl_doubles_up_to_the_maximum():
    settings = PolicySettings(
        soft_bounce_threshold=2,
        soft_bounce_window_days=14,
        soft_bounce_ttl_days=1,
        soft_bounce_max_ttl_days=3,
    )
    events = []
    day = 0.0
    lengths = []
    for _ in range(4):
        events += [outcome("soft", day), outcome("soft", day + 0.5)]
        record = run(events, settings)
        assert record is not None
        d = record.decision
        lengths.append((d.expires_at - (T0 + days(day + 0.5))).days)
        day = (d.expires_at - T0).total_seconds() / 86400 + 1  # next burst after expiry
    assert lengths == [1, 2, 3, 3]


def test_delivery_resets_soft_tracking_but_not_a_hard_bounce():
    record = run(
        [outcome("soft", 0), outcome("soft", 1), outcome("delivered", 2), outcome("soft", 3)]
    )
    assert record is not None
    assert record.decision.state is State.WATCHING
    assert record.decision.soft_bounce_count == 1
    hard = run([outcome("hard", 0), outcome("delivered", 1)])
    assert hard is not None and hard.decision.state is State.SUPPRESSED
    complaint = run([outcome("complaint", 0), outcome("delivered", 1)])
    assert complaint is not None and complaint.decision.reason == "feedback"


def test_weaker_event_never_downgrades_or_shortens_a_stronger_one():
    settings = PolicySettings(hard_bounce_ttl_days=365, soft_bounce_threshold=1)
    record = run([outcome("hard", 0), outcome("soft", 1)], settings)
    assert record is not None
    assert record.decision.reason == "userunknown"
    assert record.decision.expires_at == T0 + days(365)
    complaint_first = run([outcome("complaint", 0), outcome("hard", 1)], settings)
    assert complaint_first is not None and complaint_first.decision.reason == "feedback"
    assert complaint_first.decision.expires_at is None


def test_same_event_twice_changes_nothing():
    once = run([outcome("hard", 0)])
    twice = apply_outcome(once, ADDRESS, outcome("hard", 0), PolicySettings())
    assert twice is once


def test_older_event_arriving_late_does_not_overwrite_newer_evidence():
    in_order = run([outcome("hard", 0), outcome("hard", 5, event_id="newer")])
    late = run([outcome("hard", 5, event_id="newer"), outcome("hard", 0)])
    assert in_order is not None and late is not None
    assert late.ledger == in_order.ledger
    assert late.decision == in_order.decision
    assert late.decision.expires_at == T0 + days(5) + days(365)


def test_ses_suppressed_is_recorded_as_suppressed_by_ses_not_as_a_hard_bounce():
    record = run([outcome("ses-suppressed", 0)])
    assert record is not None
    assert record.decision.reason == "suppressed"
    assert record.ledger.hard is None
    # and it never outranks our own evidence
    both = run([outcome("ses-suppressed", 0), outcome("complaint", 1)])
    assert both is not None and both.decision.reason == "feedback"


def test_manual_allow_blocks_automatic_suppression_until_it_expires():
    settings = PolicySettings()
    record = run([outcome("hard", 0)])
    allowed = apply_manual(
        record,
        ADDRESS,
        ManualKind.ALLOW,
        at=T0 + days(1),
        actor="ops",
        note="customer confirmed",
        until=T0 + days(10),
        settings=settings,
    )
    assert allowed.decision.state is State.ALLOWED
    assert allowed.decision.evidence is not None and allowed.decision.evidence.actor == "ops"
    during = apply_outcome(allowed, ADDRESS, outcome("hard", 5), settings)
    assert during is not None and during.decision.state is State.ALLOWED
    after = apply_outcome(during, ADDRESS, outcome("hard", 11), settings)
    assert after is not None and after.decision.state is State.SUPPRESSED
    assert after.decision.suppressed_at == T0 + days(11)


def test_manual_unsuppress_lifts_earlier_evidence_only():
    settings = PolicySettings()
    record = run([outcome("complaint", 0)])
    lifted = apply_manual(
        record,
        ADDRESS,
        ManualKind.UNSUPPRESS,
        at=T0 + days(1),
        actor="ops",
        note="ticket 42",
        until=None,
        settings=settings,
        force=True,  # a complaint: lifting it needs force and a reason
    )
    assert lifted.decision.state is State.CLEAR
    again = apply_outcome(lifted, ADDRESS, outcome("complaint", 2), settings)
    assert again is not None and again.decision.state is State.SUPPRESSED


def test_manual_suppress_wins_and_keeps_actor():
    settings = PolicySettings()
    record = apply_manual(
        None,
        ADDRESS,
        ManualKind.SUPPRESS,
        at=T0,
        actor="alice",
        note="legal request",
        until=None,
        settings=settings,
    )
    assert record.decision.state is State.SUPPRESSED
    assert record.decision.reason == "manual"
    assert record.decision.evidence is not None
    assert (record.decision.evidence.actor, record.decision.evidence.diagnostic) == (
        "alice",
        "legal request",
    )


def test_read_time_expiry():
    record = run([outcome("hard", 0)], PolicySettings(hard_bounce_ttl_days=1))
    assert record is not None
    assert record.is_suppressed(T0 + timedelta(hours=23))
    assert not record.is_suppressed(T0 + days(1))


def test_history_is_capped_and_newest_first():
    settings = PolicySettings(history_limit=3, soft_bounce_threshold=50, soft_memory_limit=64)
    record = run([outcome("soft", n) for n in range(6)], settings)
    assert record is not None
    assert [h.at for h in record.ledger.history] == [T0 + days(n) for n in (5, 4, 3)]


def test_diagnostic_is_truncated():
    from dataclasses import replace

    ev = outcome("hard", 0)
    long = replace(ev, classification=ev.classification._replace(diagnostic="x" * 5000))
    record = run([long])
    assert record is not None and record.decision.evidence is not None
    assert len(record.decision.evidence.diagnostic or "") == 500


@pytest.mark.parametrize(
    "kwargs",
    [
        {"hard_bounce_ttl_days": -1},
        {"soft_bounce_threshold": 0},
        {"soft_bounce_ttl_days": 10, "soft_bounce_max_ttl_days": 5},
    ],
)
def test_invalid_settings_are_rejected(kwargs):
    with pytest.raises(ValueError):
        PolicySettings(**kwargs)


def test_a_suppression_that_ended_before_the_latest_event_no_longer_reads_as_suppressed():
    settings = PolicySettings(hard_bounce_ttl_days=1, soft_bounce_threshold=2)
    lapsed = run([outcome("hard", 0), outcome("delivered", 10)], settings)
    assert lapsed is not None
    assert lapsed.decision.state is State.CLEAR
    assert lapsed.decision.suppressed_at is None  # out of the sparse indexes
    assert lapsed.decision.expires_at is None
    assert lapsed.ledger.hard is not None  # the evidence is kept
    # a soft escalation that lapsed, then one more soft bounce: watching again
    again = run([outcome("soft", 0), outcome("soft", 0.5), outcome("soft", 5)], settings)
    assert again is not None
    assert again.decision.state is State.WATCHING
    assert (again.decision.soft_bounce_count, again.decision.escalations) == (1, 1)


def test_a_delivery_is_recorded_as_the_history_entry_its_full_evidence_would_give():
    from domain.policy import Evidence, Ledger, _history_entry, merge

    settings = PolicySettings()
    delivered = outcome("delivered", 3)
    ledger = merge(Ledger(), delivered, settings)
    assert ledger.last_delivery == _history_entry(Evidence.from_outcome(delivered))
    assert (ledger.last_seen, ledger.first_seen, ledger.history) == (T0 + days(3), None, ())
    # an older delivery changes nothing (the same ledger object: no write); a newer one wins
    assert merge(ledger, outcome("delivered", 1), settings) is ledger
    assert merge(ledger, outcome("delivered", 5), settings).last_delivery.at == T0 + days(5)
