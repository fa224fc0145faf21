"""Properties of suppression scopes: for any mix of global and scoped events, in any arrival
order, with duplicates,

- an address whose global decision is suppressed is refused under every scope, by the
  policy and by the client reading the stored item;
- scoped evidence never changes the global answer (it never makes the global check refuse,
  and never lets a globally suppressed address through);
- the final state depends only on the set of events, not on their arrival order.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.suppression_client import status_from_item
from domain.policy import ManualKind, PolicySettings, apply_manual, apply_outcome
from domain.record_codec import record_to_item
from tests.builders import T0, outcome, scoped_outcome

GLOBAL_KINDS = ["hard", "soft", "transient", "complaint", "delivered", "ses-suppressed"]
SCOPED_KINDS = ["unsubscribe", "subscribe"]
# "global" among them: an unsubscribe with scope global is a global unsubscribe
EVENT_SCOPES = ["global", "news", "news:weekly", "marketing"]
CHECKED_SCOPES = ["global", "news", "news:weekly", "news:weekly:x", "marketing", "billing"]
POLICY = PolicySettings(
    soft_bounce_threshold=2,
    soft_bounce_window_days=7,
    soft_bounce_ttl_days=1,
    soft_bounce_max_ttl_days=8,
    hard_bounce_ttl_days=30,
    complaint_ttl_days=60,
)
ADDRESS = "user@example.com"

global_event = st.tuples(st.sampled_from(GLOBAL_KINDS), st.integers(0, 120)).map(
    lambda p: ("g", p[0], p[1], "global")
)
scoped_event = st.tuples(
    st.sampled_from(SCOPED_KINDS), st.integers(0, 120), st.sampled_from(EVENT_SCOPES)
).map(lambda p: ("s", p[0], p[1], p[2]))

events_strategy = st.lists(st.one_of(global_event, scoped_event), min_size=1, max_size=14).map(
    lambda specs: [
        outcome(kind, half / 2, event_id=f"e{i}")
        if family == "g"
        else scoped_outcome(kind, half / 2, scope, event_id=f"e{i}")
        for i, (family, kind, half, scope) in enumerate(specs)
    ]
)


def is_scoped(ev):
    """The rule, stated independently of the policy: only unsubscribes and re-subscribes
    with a named scope are scoped; everything else is global."""
    return ev.scope != "global" and ev.classification.reason in ("unsubscribe", "subscribe")


def fold(events):
    record = None
    for ev in events:
        record = apply_outcome(record, ADDRESS, ev, POLICY)
    return record


def suppressed_at(record, now, scope="global"):
    return record is not None and bool(record.blocked_by(scope, now))


def client_answer(record, now, scope):
    item = record_to_item(record, now) if record is not None else None
    return status_from_item(ADDRESS, ADDRESS, item, now, scope)


class Manual:
    """An operator's action (`--force` given, so lifting an unsubscribe is allowed)."""

    def __init__(self, kind: ManualKind, half_days: int, scope: str, until_days: int | None):
        self.kind, self.scope = kind, scope
        self.occurred_at = T0 + timedelta(days=half_days / 2)
        self.until = None if until_days is None else self.occurred_at + timedelta(days=until_days)

    def apply(self, record):
        return apply_manual(
            record,
            ADDRESS,
            self.kind,
            at=self.occurred_at,
            actor="ops",
            note="property test",
            until=self.until,
            settings=POLICY,
            force=True,
            scope=self.scope,
        )


manual_action = st.builds(
    Manual,
    st.sampled_from(list(ManualKind)),
    st.integers(0, 120),
    st.sampled_from(EVENT_SCOPES),
    st.one_of(st.none(), st.integers(1, 90)),
)


def fold_all(items):
    record = None
    for item in items:
        if isinstance(item, Manual):
            record = item.apply(record)
        else:
            record = apply_outcome(record, ADDRESS, item, POLICY)
    return record


def scoped_item(item):
    if isinstance(item, Manual):
        return item.scope != "global"
    return is_scoped(item)


@settings(max_examples=400, deadline=None)
@given(
    events=events_strategy,
    manual=st.lists(manual_action, max_size=3),
    data=st.data(),
)
def test_a_globally_suppressed_address_is_refused_under_every_scope(events, manual, data):
    """Events and operator actions, global and scoped, in any order, with duplicates."""
    items = events + manual
    arrival = data.draw(
        st.permutations(items + data.draw(st.lists(st.sampled_from(events), max_size=4)))
    )
    mixed = fold_all(arrival)
    # the same history without anything scoped: what the global decision alone says
    global_only = fold_all([item for item in arrival if not scoped_item(item)])
    last = max(item.occurred_at for item in items)
    now = last + timedelta(hours=data.draw(st.integers(0, 24 * 150)))

    globally = suppressed_at(global_only, now)
    # scoped evidence never changes the global answer, either way
    assert suppressed_at(mixed, now) == globally
    assert client_answer(mixed, now, "global").suppressed == globally
    for scope in CHECKED_SCOPES:
        answer = client_answer(mixed, now, scope)
        assert answer.suppressed == suppressed_at(mixed, now, scope), scope
        if globally:
            assert answer.suppressed, scope
            assert answer.blocked_by == "global", scope
            assert mixed is not None and mixed.blocked_by(scope, now)[0] == "global"


@settings(max_examples=300, deadline=None)
@given(events=events_strategy, data=st.data())
def test_scoped_state_does_not_depend_on_arrival_order(events, data):
    arrival = data.draw(
        st.permutations(events + data.draw(st.lists(st.sampled_from(events), max_size=4)))
    )
    reference = fold(sorted(events, key=lambda ev: (ev.occurred_at, ev.event_id)))
    actual = fold(arrival)
    assert (actual is None) == (reference is None)
    if actual is not None and reference is not None:
        assert actual.ledger == reference.ledger
        assert actual.decision == reference.decision
