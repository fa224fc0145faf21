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
