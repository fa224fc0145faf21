from __future__ import annotations

from datetime import timedelta

from domain.policy import State
from domain.ses_sync import (
    SesListEntry,
    export_reason,
    export_to_ses,
    outcomes_from_ses_entries,
    synchronise,
)
from tests.builders import T0, outcome
from tests.fakes import FakeSesList

NOW = T0 + timedelta(days=1)


def test_ses_entries_become_suppressed_by_ses_evidence(memory_service, memory_repo):
    entries = [
        SesListEntry("Jane@Example.com", "BOUNCE", T0),
        SesListEntry("not an address", "BOUNCE", T0),
    ]
    [out] = outcomes_from_ses_entries(entries)
    assert out.address == "jane@example.com" and out.classification.reason == "suppressed"
    memory_service.apply_outcomes([out])
    record = memory_repo.records["jane@example.com"]
    assert record.decision.state is State.SUPPRESSED and record.ledger.hard is None
    assert memory_service.apply_outcomes(outcomes_from_ses_entries(entries)).written == 0


def test_export_only_our_own_hard_bounces_and_complaints():
    items = [
        {
            "address": "a@x.com",
            "state": "suppressed",
            "category": "invalid-address",
            "reason": "userunknown",
        },
        {
            "address": "b@x.com",
            "state": "suppressed",
            "category": "complaint",
            "reason": "feedback",
        },
        {
            "address": "c@x.com",
            "state": "suppressed",
            "category": "ses-suppressed",
            "reason": "suppressed",
        },  # came from SES
        {
            "address": "d@x.com",
            "state": "suppressed",
            "category": "mailbox-problem",
            "reason": "mailboxfull",
        },  # soft escalation
        {"address": "e@x.com", "state": "suppressed", "category": "manual", "reason": "manual"},
        {"address": "f@x.com", "state": "watching", "category": "transient"},
        {
            "address": "g@x.com",
            "state": "suppressed",
            "category": "invalid-address",
            "reason": "userunknown",
            "expires_at": int(NOW.timestamp()) - 1,
        },  # expired
    ]
    ses = FakeSesList()
    report = export_to_ses(ses, items, NOW)
    assert ses.puts == [("a@x.com", "BOUNCE"), ("b@x.com", "COMPLAINT")]
    assert (report.exported, report.export_skipped) == (2, 5)
    dry = FakeSesList()
    planned = export_to_ses(dry, items, NOW, dry_run=True)
    assert dry.puts == [] and planned.planned == ses.puts
    assert export_reason(items[0], NOW) == "BOUNCE"


def test_synchronise_imports_then_exports_the_window(memory_service, memory_repo):
    memory_service.apply_outcomes([outcome("hard", 0, address="ours@example.com")])
    ses = FakeSesList([SesListEntry("theirs@example.com", "COMPLAINT", T0)])
    items_requested = []

    def our_items(since):
        items_requested.append(since)
        return [
            {
                "address": "ours@example.com",
                "state": "suppressed",
                "category": "invalid-address",
                "reason": "userunknown",
            },
            {
                "address": "theirs@example.com",
                "state": "suppressed",
                "category": "ses-suppressed",
                "reason": "suppressed",
            },
        ]

    since = NOW - timedelta(hours=48)
    report = synchronise(ses, memory_service, our_items, NOW, since)
    assert ses.starts == [since]
    assert items_requested == [since.isoformat(timespec="milliseconds").replace("+00:00", "Z")]
    assert ses.puts == [("ours@example.com", "BOUNCE")]
    assert (report.imported, report.import_written, report.exported) == (1, 1, 1)
    assert memory_repo.records["theirs@example.com"].decision.reason == "suppressed"


# --- ses-sync --check: the two lists compared -----------------------------------------------


def test_compare_lists_reports_every_disagreement_and_nothing_else():
    from domain.ses_sync import compare_lists

    later = int((NOW + timedelta(days=5)).timestamp())
    earlier = int((NOW - timedelta(seconds=1)).timestamp())

    def item(address, reason, category, state="suppressed", expires=None):
        out = {"address": address, "state": state, "reason": reason, "category": category}
        if expires is not None:
            out["expires_at"] = expires
        return out

    ours = [
        item("agree@x.com", "userunknown", "invalid-address", expires=later),
        item("both-complaint@x.com", "feedback", "complaint"),
        item("ours-only@x.com", "userunknown", "invalid-address"),
        item("manual@x.com", "manual", "manual"),  # in force, never exported
        item("differs@x.com", "feedback", "complaint"),
        item("lapsed@x.com", "userunknown", "invalid-address", expires=earlier),
        item("allowed@x.com", "manual-allow", "manual", state="allowed"),
    ]
    ses = [
        SesListEntry("Agree@X.com", "BOUNCE", T0),
        SesListEntry("both-complaint@x.com", "COMPLAINT", T0),
        SesListEntry("differs@x.com", "BOUNCE", T0),
        SesListEntry("lapsed@x.com", "BOUNCE", T0),
        SesListEntry("allowed@x.com", "COMPLAINT", T0),
        SesListEntry("stranger@x.com", "BOUNCE", T0),
    ]
    found = compare_lists(ses, ours, NOW)
    assert [d.to_json() for d in found] == [
        {
            "kind": "only-in-ses",
            "address": "allowed@x.com",
            "ses_reason": "COMPLAINT",
            "exported_as": None,
            "our_state": "allowed",
            "our_reason": "manual-allow",
            "our_category": "manual",
        },
        {
            "kind": "reason-differs",
            "address": "differs@x.com",
            "ses_reason": "BOUNCE",
            "exported_as": "COMPLAINT",
            "our_state": "suppressed",
            "our_reason": "feedback",
            "our_category": "complaint",
        },
        {
            "kind": "only-in-ses",
            "address": "lapsed@x.com",
            "ses_reason": "BOUNCE",
            "exported_as": None,
            "our_state": "expired",
            "our_reason": "userunknown",
            "our_category": "invalid-address",
        },
        {
            "kind": "only-here",
            "address": "manual@x.com",
            "ses_reason": None,
            "exported_as": None,
            "our_state": "suppressed",
            "our_reason": "manual",
            "our_category": "manual",
        },
        {
            "kind": "only-here",
            "address": "ours-only@x.com",
            "ses_reason": None,
            "exported_as": "BOUNCE",
            "our_state": "suppressed",
            "our_reason": "userunknown",
            "our_category": "invalid-address",
        },
        {
            "kind": "only-in-ses",
            "address": "stranger@x.com",
            "ses_reason": "BOUNCE",
            "exported_as": None,
            "our_state": None,
            "our_reason": None,
            "our_category": None,
        },
    ]
    assert compare_lists([], [], NOW) == []


# --- ses-sync --reconcile: what a full reconcile changes, and what it leaves ------------------


def test_reconcile_puts_what_we_know_better_and_deletes_only_what_was_lifted_here():
    from domain.ses_sync import plan_reconcile

    def item(address, reason, category, state="suppressed"):
        return {"address": address, "state": state, "reason": reason, "category": category}

    lift = NOW - timedelta(hours=1)
    ours = [
        item("agree@x.com", "userunknown", "invalid-address"),
        item("missing@x.com", "userunknown", "invalid-address"),  # PUT BOUNCE
        item("complained@x.com", "feedback", "complaint"),  # PUT COMPLAINT over BOUNCE
        item("bounced@x.com", "userunknown", "invalid-address"),  # SES COMPLAINT kept
        item("manual@x.com", "manual", "manual"),  # never exported: left
        item("allowed@x.com", "manual-allow", "manual", state="allowed"),
        item("lifted@x.com", None, None, state="clear"),
    ]
    ses = [
        SesListEntry("agree@x.com", "BOUNCE", T0),
        SesListEntry("complained@x.com", "BOUNCE", T0),
        SesListEntry("bounced@x.com", "COMPLAINT", T0),
        SesListEntry("Allowed@X.com", "BOUNCE", lift - timedelta(days=1)),  # before the allow
        SesListEntry("lifted@x.com", "BOUNCE", lift),  # at the lift: still ours to remove
        SesListEntry("relisted@x.com", "BOUNCE", lift + timedelta(minutes=5)),  # newer
        SesListEntry("stranger@x.com", "COMPLAINT", T0),  # SES's own: never lifted here
    ]
    lifts = {"allowed@x.com": lift, "lifted@x.com": lift, "relisted@x.com": lift}
    plan = plan_reconcile(ses, ours, lifts, NOW)
    assert sorted(plan.puts) == [("complained@x.com", "COMPLAINT"), ("missing@x.com", "BOUNCE")]
    # SES's own spelling: its API matches the address's case exactly
    assert plan.deletes == [("Allowed@X.com", None), ("lifted@x.com", None)]
    assert plan.left == {
        "not-exported": 1,  # manual@
        "ses-complaint-kept": 1,  # bounced@
        "newer-in-ses": 1,  # relisted@
        "not-lifted-here": 1,  # stranger@
    }


def test_latest_lift_is_the_time_of_an_unsuppress_or_allow_only(memory_service, memory_repo):
    from domain.policy import ManualKind
    from domain.ses_sync import latest_lift

    memory_service.apply_outcomes([outcome("hard", 0, address="a@x.com")])
    assert latest_lift(memory_repo.records["a@x.com"]) is None and latest_lift(None) is None
    at = T0 + timedelta(hours=3)
    memory_service.apply_manual("a@x.com", ManualKind.UNSUPPRESS, at=at, actor="op", note="ok")
    assert latest_lift(memory_repo.records["a@x.com"]) == at
    later = at + timedelta(hours=1)
    memory_service.apply_manual("a@x.com", ManualKind.SUPPRESS, at=later, actor="op", note="no")
    assert latest_lift(memory_repo.records["a@x.com"]) is None  # suppressed again by hand


def test_scoped_suppressions_are_never_exported_to_the_global_ses_list():
    """SES's account-level list is global: an unsubscribe from one list must not reach it,
    whether the item is otherwise clear or also globally suppressed."""
    from domain.policy import PolicySettings, apply_outcome
    from domain.record_codec import record_to_item
    from tests.builders import scoped_outcome

    def item_of(*outcomes):
        record = None
        for o in outcomes:
            record = apply_outcome(record, o.address, o, PolicySettings())
        assert record is not None
        return record_to_item(record, T0)

    scoped_only = item_of(scoped_outcome("unsubscribe", 0, "news", address="a@x.com"))
    assert scoped_only["scopes"]["news"]["reason"] == "unsubscribe"
    scoped_and_hard = item_of(
        scoped_outcome("unsubscribe", 0, "news", address="b@x.com"),
        outcome("hard", 0, address="b@x.com"),
    )
    ses = FakeSesList()
    report = export_to_ses(ses, [scoped_only, scoped_and_hard], NOW)
    assert ses.puts == [("b@x.com", "BOUNCE")]  # the hard bounce only, as before
    assert (report.exported, report.export_skipped) == (1, 1)
    assert export_reason(scoped_only, NOW) is None


# --- reading both lists for --check / --reconcile ---------------------------------------------


class _Status:
    def __init__(self, normalised, state=None, reason=None, category=None):
        self.normalised, self.state, self.reason, self.category = (
            normalised,
            state,
            reason,
            category,
        )


class _Table:
    """Our side: suppressed items, and a status lookup that records what it was asked."""

    def __init__(self, items, known):
        self._items, self._known, self.asked = items, known, []

    def items(self, *, suppressed_only=True):
        assert suppressed_only
        return iter(self._items)

    def check_many(self, addresses):
        self.asked.append(list(addresses))
        return {a: self._known.get(a.lower(), _Status(a.lower())) for a in self.asked[-1]}


def test_read_both_lists_looks_up_only_the_addresses_ses_alone_lists():
    from domain.ses_sync import SesListEntry, read_both_lists

    ses = FakeSesList(
        [
            SesListEntry("both@x.com", "BOUNCE", T0),
            SesListEntry("Lifted@X.com", "BOUNCE", T0),
            SesListEntry("unknown@x.com", "COMPLAINT", T0),
        ]
    )
    suppressed = {"address": "both@x.com", "state": "suppressed", "reason": "userunknown"}
    table = _Table(
        [suppressed],
        {"lifted@x.com": _Status("lifted@x.com", "clear", None, None)},
    )
    seen = []
    entries, ours = read_both_lists(ses, table, lambda e: (seen.append(x) or x for x in e))
    assert [e.address for e in entries] == [e.address for e in seen]  # counted, in order
    assert table.asked == [["Lifted@X.com", "unknown@x.com"]]  # one batched read
    assert ours == {
        "both@x.com": suppressed,
        "lifted@x.com": {
            "address": "lifted@x.com",
            "state": "clear",
            "reason": None,
            "category": None,
        },
    }  # an address the table never saw is left out


def test_lift_candidates_are_ses_entries_without_a_suppression_in_force_here():
    from domain.ses_sync import SesListEntry, lift_candidates

    entries = [
        SesListEntry("Kept@x.com", "BOUNCE", T0),
        SesListEntry("lifted@x.com", "BOUNCE", T0),
        SesListEntry("lapsed@x.com", "BOUNCE", T0),
        SesListEntry("not an address", "BOUNCE", T0),
    ]
    ours = {
        "kept@x.com": {"address": "kept@x.com", "state": "suppressed"},
        "lifted@x.com": {"address": "lifted@x.com", "state": "clear"},
        "lapsed@x.com": {
            "address": "lapsed@x.com",
            "state": "suppressed",
            "expires_at": int((NOW - timedelta(hours=1)).timestamp()),
        },
    }
    assert lift_candidates(entries, ours, NOW) == {"lifted@x.com", "lapsed@x.com"}
