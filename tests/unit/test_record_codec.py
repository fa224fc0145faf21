from __future__ import annotations

import json

from domain.policy import ManualKind, PolicySettings, apply_manual, apply_outcome
from domain.record_codec import record_from_item, record_to_item, stored_decision
from tests.builders import T0, days, outcome


def build():
    settings = PolicySettings()
    record = None
    for ev in [
        outcome("soft", 0),
        outcome("soft", 1),
        outcome("delivered", 2),
        outcome("soft", 3),
        outcome("hard", 4),
        outcome("complaint", 5),
    ]:
        record = apply_outcome(record, "user@example.com", ev, settings)
    return apply_manual(
        record,
        "user@example.com",
        ManualKind.ALLOW,
        at=T0 + days(6),
        actor="ops",
        note="vip",
        until=T0 + days(9),
        settings=settings,
        force=True,  # it lifts the complaint
    )


def test_round_trip_keeps_ledger_and_decision():
    record = build()
    item = record_to_item(record, T0 + days(7))
    json.dumps(item)  # plain types only: what DynamoDB and other services see
    back = record_from_item(item, PolicySettings())
    assert back.ledger == record.ledger
    assert back.decision == record.decision


def test_item_contract_fields():
    item = record_to_item(build(), T0 + days(7))
    assert item["address"] == "user@example.com" and item["domain"] == "example.com"
    assert item["state"] == "allowed" and item["suppressed"] is False
    assert item["updated_at"].endswith("Z")
    assert "suppressed_at" not in item  # sparse indexes only hold suppressed items
    assert len(item["history"]) <= 10
    assert stored_decision(item).state.value == "allowed"


def test_suppressed_item_has_index_keys_and_epoch_expiry():
    record = apply_outcome(None, "user@example.com", outcome("hard", 0), PolicySettings())
    item = record_to_item(record, T0)
    assert item["suppressed"] is True
    assert item["reason"] == "userunknown" and item["suppressed_at"].startswith("2026-11-01T12")
    assert item["expires_at"] == int((T0 + days(365)).timestamp())
    assert item["purge_at"] > item["expires_at"]
    assert item["evidence"]["status"] == "5.1.1"
