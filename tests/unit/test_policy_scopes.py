"""Suppression scopes in the policy fold: scoped evidence lives next to the global decision
and never changes it; a global suppression blocks every scope."""

from __future__ import annotations

from dataclasses import replace
from itertools import permutations

import pytest

from domain.policy import (
    ForceRequiredError,
    ManualKind,
    PolicySettings,
    State,
    SuppressionRecord,
    apply_manual,
    apply_outcome,
    is_relevant,
)
from domain.record_codec import record_from_item, record_to_item
from domain.scopes import InvalidScopeError
from tests.builders import T0, days, outcome, scoped_outcome

ADDRESS = "user@example.com"
LATER = T0 + days(1000)
POLICY = PolicySettings()


def run(events, settings: PolicySettings = POLICY) -> SuppressionRecord | None:
    record = None
    for ev in events:
        record = apply_outcome(record, ADDRESS, ev, settings)
    return record


def test_a_scoped_unsubscribe_does_not_block_global_mail():
    record = run([scoped_outcome("unsubscribe", 0, "marketing")])
    assert record is not None
    d = record.decision
    assert d.state is State.CLEAR
    assert (d.reason, d.expires_at, d.suppressed_at) == (None, None, None)
    assert not record.is_suppressed(T0 + days(1))
    assert record.blocked_by("global", T0 + days(1)) == ()
    assert record.blocked_by("transactional", T0 + days(1)) == ()
    assert record.blocked_by("marketing", T0 + days(1)) == ("marketing",)
    [scoped] = d.scopes
    assert (scoped.scope, scoped.since, scoped.expires_at) == ("marketing", T0, None)
    assert scoped.evidence.reason == "unsubscribe"


def test_a_nested_scope_is_blocked_by_its_parent_but_not_the_reverse():
    parent = run([scoped_outcome("unsubscribe", 0, "news")])
    child = run([scoped_outcome("unsubscribe", 0, "news:weekly")])
    assert parent is not None and child is not None
    assert parent.blocked_by("news:weekly", LATER) == ("news",)
    assert parent.blocked_by("news:weekly:extra", LATER) == ("news",)
    assert child.blocked_by("news:weekly", LATER) == ("news:weekly",)
    assert child.blocked_by("news", LATER) == ()
    assert child.blocked_by("news:daily", LATER) == ()
    assert child.blocked_by("newsletter", LATER) == ()  # a prefix is not a parent


@pytest.mark.parametrize("kind", ["complaint", "hard"])
def test_a_global_complaint_or_hard_bounce_blocks_every_scope(kind):
    record = run([scoped_outcome("subscribe", 0, "marketing"), outcome(kind, 1)])
    assert record is not None
    now = T0 + days(2)
    for scope in ("global", "marketing", "marketing:weekly", "transactional"):
        assert record.blocked_by(scope, now)[0] == "global", scope


def test_scope_on_a_complaint_or_bounce_is_ignored_they_stay_global():
    for kind in ("complaint", "hard"):
        ev = outcome(kind, 0)
        ev.scope = "marketing"
        record = run([ev])
        assert record is not None
        assert record.decision.state is State.SUPPRESSED
        assert record.decision.scopes == ()
        assert record.blocked_by("transactional", T0 + days(1)) == ("global",)


def test_a_global_unsubscribe_keeps_todays_behaviour():
    record = run([scoped_outcome("unsubscribe", 0, "global")])
    assert record is not None
    assert record.decision.state is State.SUPPRESSED
    assert record.decision.category == "unsubscribe"
    assert record.decision.scopes == ()
    assert record.blocked_by("marketing", LATER) == ("global",)


def test_a_global_resubscribe_changes_nothing():
    ev = scoped_outcome("subscribe", 0, "global")
    assert not is_relevant(ev)
    unsubscribed = run([scoped_outcome("unsubscribe", 0, "global")])
    assert unsubscribed is not None
    assert apply_outcome(unsubscribed, ADDRESS, scoped_outcome("subscribe", 1), POLICY) is (
        unsubscribed
    )


def _scope_state(events):
    record = run(events)
    assert record is not None
    return record.ledger, record.decision, record.blocked_by("marketing", LATER)


def test_opt_out_then_opt_in_in_any_order():
    out = scoped_outcome("unsubscribe", 0, "marketing")
    back_in = scoped_outcome("subscribe", 1, "marketing")
    results = {_scope_state(list(order))[2] for order in permutations([out, back_in])}
    assert results == {()}  # the later opt-in wins whatever the arrival order


def test_opt_in_then_opt_out_in_any_order():
    back_in = scoped_outcome("subscribe", 0, "marketing")
    out = scoped_outcome("unsubscribe", 1, "marketing")
    states = [_scope_state(list(order)) for order in permutations([back_in, out])]
    assert states[0] == states[1]  # the same ledger and decision, not just the same answer
    assert states[0][2] == ("marketing",)


def test_scoped_evidence_is_idempotent():
    ev = scoped_outcome("unsubscribe", 0, "marketing")
    once = run([ev])
    assert once is not None
    assert apply_outcome(once, ADDRESS, ev, POLICY) is once  # nothing to write


def test_scoped_unsubscribe_expires_like_a_global_one():
    settings = PolicySettings(complaint_ttl_days=30)
    record = run([scoped_outcome("unsubscribe", 0, "marketing")], settings)
    assert record is not None
    [scoped] = record.decision.scopes
    assert scoped.expires_at == T0 + days(30)
    assert record.blocked_by("marketing", T0 + days(29)) == ("marketing",)
    assert record.blocked_by("marketing", T0 + days(31)) == ()
    assert record.decision.purge_at is not None


def test_a_never_ending_scoped_unsubscribe_keeps_the_item():
    # only a delivery marker globally (it would expire), but the unsubscribe must survive
    record = run([outcome("delivered", 0), scoped_outcome("unsubscribe", 1, "marketing")])
    assert record is not None
    assert record.decision.purge_at is None


def test_scoped_evidence_never_changes_the_global_fields():
    settings = PolicySettings(hard_bounce_ttl_days=30)
    plain = run([outcome("hard", 0)], settings)
    mixed = run(
        [
            outcome("hard", 0),
            scoped_outcome("unsubscribe", 1, "marketing"),
            scoped_outcome("subscribe", 2, "news:weekly"),
        ],
        settings,
    )
    assert plain is not None and mixed is not None
    for name in ("state", "reason", "category", "evidence", "suppressed_at", "expires_at"):
        assert getattr(mixed.decision, name) == getattr(plain.decision, name), name


def test_an_invalid_scope_on_an_unsubscribe_is_an_error():
    with pytest.raises(InvalidScopeError):
        run([scoped_outcome("unsubscribe", 0, "not a scope")])


# --- manual actions in a scope ----------------------------------------------------------


def manual(record, kind, at, scope, **kw):
    return apply_manual(
        record,
        ADDRESS,
        kind,
        at=at,
        actor="ops",
        note=kw.pop("note", "why"),
        until=kw.pop("until", None),
        settings=POLICY,
        scope=scope,
        **kw,
    )


def test_manual_suppress_in_a_scope_blocks_only_that_scope():
    record = manual(None, ManualKind.SUPPRESS, T0, "marketing")
    assert record.decision.state is State.CLEAR
    assert record.blocked_by("marketing", LATER) == ("marketing",)
    assert record.blocked_by("global", LATER) == ()
    [entry] = record.ledger.audit
    assert (entry.scope, entry.action) == ("marketing", "manual")


def test_lifting_a_scoped_unsubscribe_needs_force_and_a_reason():
    record = run([scoped_outcome("unsubscribe", 0, "marketing")])
    with pytest.raises(ForceRequiredError):
        manual(record, ManualKind.UNSUPPRESS, T0 + days(1), "marketing")
    lifted = manual(record, ManualKind.UNSUPPRESS, T0 + days(1), "marketing", force=True)
    assert lifted.blocked_by("marketing", LATER) == ()
    assert lifted.ledger.audit[0].lifted == "unsubscribe"
    # a later opt-out counts again
    again = apply_outcome(lifted, ADDRESS, scoped_outcome("unsubscribe", 2, "marketing"), POLICY)
    assert again is not None and again.blocked_by("marketing", LATER) == ("marketing",)


def test_a_scoped_lift_needs_no_force_for_another_scope_and_lifts_nothing_global():
    record = run([scoped_outcome("unsubscribe", 0, "marketing"), outcome("complaint", 0)])
    lifted = manual(record, ManualKind.UNSUPPRESS, T0 + days(1), "news")  # no force needed
    assert lifted.blocked_by("marketing", LATER) == ("global", "marketing")
    with pytest.raises(ForceRequiredError):  # the complaint is global: lifting it needs force
        manual(record, ManualKind.UNSUPPRESS, T0 + days(1), "global")


def test_a_global_unsuppress_leaves_scoped_unsubscribes_alone():
    record = run([scoped_outcome("unsubscribe", 0, "marketing"), outcome("hard", 0)])
    lifted = manual(record, ManualKind.UNSUPPRESS, T0 + days(1), "global")
    assert lifted.blocked_by("global", LATER) == ()
    assert lifted.blocked_by("marketing", LATER) == ("marketing",)


def test_a_scoped_allow_blocks_automatic_suppression_in_that_scope_until_it_ends():
    record = manual(None, ManualKind.ALLOW, T0, "marketing", until=T0 + days(10))
    record = apply_outcome(record, ADDRESS, scoped_outcome("unsubscribe", 1, "marketing"), POLICY)
    assert record is not None
    assert record.blocked_by("marketing", T0 + days(2)) == ()
    later = apply_outcome(record, ADDRESS, scoped_outcome("unsubscribe", 11, "marketing"), POLICY)
    assert later is not None and later.blocked_by("marketing", T0 + days(12)) == ("marketing",)


# --- the item -----------------------------------------------------------------------------


def test_the_item_lists_scoped_suppressions_in_force_and_round_trips():
    settings = PolicySettings(complaint_ttl_days=30)
    record = run(
        [
            scoped_outcome("unsubscribe", 0, "marketing"),
            scoped_outcome("unsubscribe", 0, "news:weekly"),
            scoped_outcome("subscribe", 1, "news:weekly"),  # lifted: not on the item
        ],
        settings,
    )
    assert record is not None
    item = record_to_item(record, T0 + days(2))
    assert item["state"] == "clear" and item["suppressed"] is False
    assert set(item["scopes"]) == {"marketing"}
    entry = item["scopes"]["marketing"]
    assert entry == {
        "state": "suppressed",
        "reason": "unsubscribe",
        "category": "unsubscribe",
        "since": "2026-11-01T12:00:00.000Z",
        "event_id": record.decision.scopes[0].evidence.event_id,
        "source": "test",
        "expires_at": int((T0 + days(30)).timestamp()),
    }
    assert sorted((h["reason"], h.get("scope")) for h in item["history"]) == [
        ("subscribe", "news:weekly"),
        ("unsubscribe", "marketing"),
        ("unsubscribe", "news:weekly"),
    ]
    back = record_from_item(replace_version(item), settings)
    assert back.ledger == record.ledger
    assert back.decision == record.decision


def replace_version(item):
    return {**item, "version": 3}


def test_items_without_scopes_read_as_before():
    record = run([outcome("hard", 0)])
    assert record is not None
    item = record_to_item(record, T0)
    assert "scopes" not in item  # absent, not empty: older readers see the same item
    back = record_from_item(item, POLICY)
    assert back.ledger.scopes == ()
    assert replace(back, version=0) == replace(record, version=0)


def test_a_scoped_manual_audit_entry_names_its_scope_and_round_trips():
    record = manual(None, ManualKind.SUPPRESS, T0, "marketing", until=T0 + days(3))
    item = record_to_item(record, T0)
    assert item["audit"][0]["scope"] == "marketing"
    assert item["scopes"]["marketing"]["actor"] == "ops"
    assert item["scopes"]["marketing"]["expires_at"] == int((T0 + days(3)).timestamp())
    assert record_from_item(item, POLICY).ledger == record.ledger
    global_only = manual(None, ManualKind.SUPPRESS, T0, "global")
    assert "scope" not in record_to_item(global_only, T0)["audit"][0]


def test_the_service_applies_a_scoped_manual_action_and_refuses_a_bad_scope(
    memory_service, memory_repo
):
    with pytest.raises(InvalidScopeError):
        memory_service.apply_manual(
            ADDRESS, ManualKind.SUPPRESS, at=T0, actor="ops", note="x", scope="a b"
        )
    assert memory_repo.writes == 0
    record = memory_service.apply_manual(
        ADDRESS, ManualKind.SUPPRESS, at=T0, actor="ops", note="x", scope="Marketing"
    )
    assert record.blocked_by("marketing", LATER) == ("marketing",)
    assert record.blocked_by("global", LATER) == ()
