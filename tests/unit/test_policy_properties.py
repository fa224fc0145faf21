"""Property: the table's final state depends on the set of events and their timestamps,
never on arrival order or duplicates (SNS, SQS and Firehose deliver at least once, in any
order)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.policy import PolicySettings, apply_outcome
from tests.builders import outcome

KINDS = [
    "hard",
    "soft",
    "transient",
    "complaint",
    "not-spam",
    "sender",
    "auto-reply",
    "delivered",
    "ses-suppressed",
]
POLICY = PolicySettings(
    soft_bounce_threshold=2,
    soft_bounce_window_days=7,
    soft_bounce_ttl_days=1,
    soft_bounce_max_ttl_days=8,
    hard_bounce_ttl_days=30,
    complaint_ttl_days=60,
)

events_strategy = st.lists(
    st.tuples(st.sampled_from(KINDS), st.integers(min_value=0, max_value=120)),
    min_size=1,
    max_size=14,
).map(
    lambda pairs: [
        outcome(kind, half_days / 2, event_id=f"e{i}") for i, (kind, half_days) in enumerate(pairs)
    ]
)


def fold(events):
    record = None
    for ev in events:
        record = apply_outcome(record, "user@example.com", ev, POLICY)
    return record


@settings(max_examples=500, deadline=None)
@given(events=events_strategy, data=st.data())
def test_arrival_order_and_duplicates_do_not_change_the_outcome(events, data):
    arrival = data.draw(
        st.permutations(events + data.draw(st.lists(st.sampled_from(events), max_size=6)))
    )
    # Exact: no case excluded (deliveries to untracked addresses are stored as markers).
    unique = {ev.event_id: ev for ev in events}
    reference = fold(sorted(unique.values(), key=lambda ev: (ev.occurred_at, ev.event_id)))
    actual = fold(arrival)
    if reference is None:
        assert actual is None
        return
    assert actual is not None
    assert actual.decision == reference.decision
    assert actual.ledger == reference.ledger


@settings(max_examples=200, deadline=None)
@given(events=events_strategy)
def test_every_event_redelivered_right_away_is_the_same_as_once(events):
    once = fold(events)
    twice = fold([ev for ev in events for _ in range(2)])
    assert (once is None) == (twice is None)
    if once is not None and twice is not None:
        assert twice.ledger == once.ledger
        assert twice.decision == once.decision


@settings(max_examples=200, deadline=None)
@given(events=events_strategy, data=st.data())
def test_one_batch_in_any_order_equals_timestamp_order(events, data):
    from domain.service import SuppressionService
    from tests.fakes import InMemoryRepository

    arrival = data.draw(st.permutations(events + events[:2]))
    repo = InMemoryRepository()
    SuppressionService(repo, POLICY).apply_outcomes(arrival)
    reference = fold(sorted(events, key=lambda ev: (ev.occurred_at, ev.event_id)))
    actual = repo.records.get("user@example.com")
    assert (actual is None) == (reference is None)
    if actual is not None and reference is not None:
        assert actual.ledger == reference.ledger
        assert actual.decision == reference.decision
