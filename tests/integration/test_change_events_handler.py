"""ChangeEventsFunction and ExpirySweepFunction on the embedded emulator: real writes to
SuppressionTable, the records moto's DynamoDB stream holds for them, the handler with the
published-event marks in a PublishedEventsTable made from template.yaml. EventBridge is a
recording client behind the real adapter (moto's events keeps no record of what it was
given); SES's account-level list is the in-memory fake (moto has no SESv2 suppression API).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters import factory
from adapters.change_event_bus import ChangeEventBus
from adapters.published_events import PublishedEventStore
from domain.policy import ManualKind
from domain.ses_sync import SesListEntry
from handlers import change_events, expiry_sweep
from tests.builders import outcome
from tests.fakes import FakeSesList

pytestmark = pytest.mark.integration

NOW = datetime.now(UTC).replace(microsecond=0)


def hard_bounce(address: str, days_ago: float) -> Any:
    return outcome("hard", NOW - timedelta(days=days_ago), address=address)


def deliver(event: dict[str, Any], lambda_context: Any) -> list[str]:
    """One invocation; the sequence numbers it reported as failed."""
    response = change_events.lambda_handler(event, lambda_context)
    return [f["itemIdentifier"] for f in response["batchItemFailures"]]


def retry_from(event: dict[str, Any], failed: list[str]) -> dict[str, Any]:
    """What Lambda sends again after a partial failure: the records from the first failed
    sequence number on (the ones before it are checkpointed)."""
    records = event["Records"]
    sequences = [r["dynamodb"]["SequenceNumber"] for r in records]
    first = min(sequences.index(s) for s in failed)
    return {"Records": records[first:]}


def test_adds_lifts_and_expiries_are_announced_and_reach_ses(change_env, lambda_context):
    events, ses, stream = change_env
    service = factory.suppression_service()
    service.apply_outcomes(
        [hard_bounce("jane@example.com", 1), hard_bounce("old@example.com", 400)]
    )
    service.apply_outcomes([outcome("delivered", NOW, address="fine@example.com")])
    service.apply_manual(
        "jane@example.com", ManualKind.UNSUPPRESS, at=NOW, actor="ops", note="fixed"
    )
    assert deliver(stream.batch(), lambda_context) == []
    # the 400-day-old hard bounce lapsed (365 days) before it was ever written: no event
    assert [(d["change"], d["address"]) for d in events.details()] == [
        ("added", "jane@example.com"),
        ("lifted", "jane@example.com"),
    ]
    assert ses.deletes == ["jane@example.com"]
    entry = events.accepted[0]
    assert (entry["Source"], entry["DetailType"], entry["EventBusName"]) == (
        "ses-feedback",
        "Suppression Changed",
        "ses-feedback-test-bus",
    )


def test_the_sweep_materialises_an_expiry_which_is_announced_once(
    change_env, lambda_context, monkeypatch
):
    events, ses, stream = change_env
    service = factory.suppression_service()
    service.apply_outcomes(
        [hard_bounce("lapsing@example.com", 364), hard_bounce("kept@example.com", 3)]
    )
    assert deliver(stream.batch(), lambda_context) == []
    assert [d["change"] for d in events.details()] == ["added", "added"]

    # two days later the first has lapsed (365 days); the item still says suppressed
    factory.override(clock=lambda: NOW + timedelta(days=2))
    summary = expiry_sweep.lambda_handler({}, lambda_context)
    assert summary == {"lapsed": 1, "materialised": 1, "failed": 0}
    assert factory.suppression_client().check("kept@example.com").suppressed
    assert expiry_sweep.lambda_handler({}, lambda_context)["lapsed"] == 0  # left the index

    assert deliver(stream.batch(), lambda_context) == []
    expired = events.details()[-1]
    assert (expired["change"], expired["address"]) == ("expired", "lapsing@example.com")
    assert expired["at"] == (NOW - timedelta(days=364) + timedelta(days=365)).isoformat(
        timespec="milliseconds"
    ).replace("+00:00", "Z")
    assert ses.deletes == ["lapsing@example.com"]


def test_a_batch_delivered_three_times_publishes_each_change_once(change_env, lambda_context):
    events, _ses, stream = change_env
    service = factory.suppression_service()
    service.apply_outcomes([hard_bounce(f"user{i}@example.com", 1) for i in range(12)])
    service.apply_manual("user3@example.com", ManualKind.ALLOW, at=NOW, actor="ops")
    batch = stream.batch()
    assert len(batch["Records"]) == 13
    for _ in range(3):
        assert deliver(batch, lambda_context) == []
    ids = [d["event_id"] for d in events.details()]
    assert len(ids) == 13 and len(set(ids)) == 13
    assert events.requests == 13  # later deliveries found every mark: no PutEvents at all
    marks = PublishedEventStore(os.environ["PUBLISHED_EVENTS_TABLE"])
    assert marks.published(ids) == set(ids)
    mark = marks.model.get(ids[0])
    assert mark.published_at.endswith("Z")
    assert mark.expires_at > datetime.now(UTC) + timedelta(days=6)  # outlives the stream


def test_half_failed_batch_retried_publishes_each_change_exactly_once(change_env, lambda_context):
    events, ses, stream = change_env
    service = factory.suppression_service()
    service.apply_outcomes([hard_bounce(f"user{i}@example.com", 1) for i in range(6)])
    for i in range(0, 6, 2):  # every other address is lifted: 6 adds, 3 lifts
        service.apply_manual(f"user{i}@example.com", ManualKind.UNSUPPRESS, at=NOW, actor="ops")
    batch = stream.batch()
    assert len(batch["Records"]) == 9

    events.refuse_change = "lifted"  # EventBridge refuses every lift, whatever the retries
    failed = deliver(batch, lambda_context)
    assert len(failed) == 3  # the lifts; the adds were published
    assert sorted(d["change"] for d in events.details()) == ["added"] * 6

    events.refuse_change = None
    events.refuse = 1  # the retry meets one more refusal, absorbed by the adapter's retry
    again = retry_from(batch, failed)
    assert deliver(again, lambda_context) == []
    # and a stray whole-batch redelivery changes nothing
    assert deliver(batch, lambda_context) == []
    details = events.details()
    assert sorted(d["change"] for d in details) == ["added"] * 6 + ["lifted"] * 3
    assert len({d["event_id"] for d in details}) == 9
    # SES deletions happen before announcing, so the refused lifts deleted once per attempt
    assert sorted(set(ses.deletes)) == [f"user{i}@example.com" for i in (0, 2, 4)]


def test_a_failed_ses_deletion_holds_the_announcement_back(change_env, lambda_context):
    events, _ses, stream = change_env

    class BrokenSes(FakeSesList):
        def delete(self, address: str) -> bool:
            raise RuntimeError("SES unavailable")

    service = factory.suppression_service()
    service.apply_outcomes([hard_bounce("jane@example.com", 1)])
    service.apply_manual("jane@example.com", ManualKind.UNSUPPRESS, at=NOW, actor="ops")
    batch = stream.batch()
    factory.override(ses_list=BrokenSes())
    failed = deliver(batch, lambda_context)
    assert len(failed) == 1
    assert [d["change"] for d in events.details()] == ["added"]  # "lifted" is not told yet
    healthy = FakeSesList([SesListEntry("jane@example.com", "BOUNCE", NOW)])
    factory.override(ses_list=healthy)
    assert deliver(retry_from(batch, failed), lambda_context) == []
    assert [d["change"] for d in events.details()] == ["added", "lifted"]
    assert healthy.deletes == ["jane@example.com"]


def test_change_event_bus_against_the_emulators_eventbridge(aws_endpoint):
    """The request the adapter builds is one EventBridge (moto's) accepts."""
    import boto3

    from domain.change_events import derive_changes

    image = {
        "address": "jane@example.com",
        "state": "suppressed",
        "reason": "userunknown",
        "category": "invalid-address",
        "version": 1,
        "updated_at": "2026-11-30T12:00:00.000Z",
    }
    changes = derive_changes(None, image, recorded_at=NOW)
    bus = ChangeEventBus(boto3.client("events"))
    result = bus.publish(changes * 11)  # 11 entries: two requests
    assert len(result.accepted) == 11 and result.refused == ()
    assert bus.requests == 2


def test_a_failed_change_holds_back_the_same_addresses_later_changes(change_env, lambda_context):
    events, _ses, stream = change_env
    service = factory.suppression_service()
    service.apply_outcomes([hard_bounce("jane@example.com", 1)])
    service.apply_manual("jane@example.com", ManualKind.UNSUPPRESS, at=NOW, actor="ops")
    again = outcome("hard", NOW + timedelta(minutes=1), address="jane@example.com")
    service.apply_outcomes([again])
    service.apply_outcomes([hard_bounce("bob@example.com", 1)])
    batch = stream.batch()
    assert len(batch["Records"]) == 4

    events.refuse_change = "lifted"
    failed = deliver(batch, lambda_context)
    sequences = [r["dynamodb"]["SequenceNumber"] for r in batch["Records"]]
    assert failed == sequences[1:3]  # jane's lift, and her new suppression held back
    assert [(d["change"], d["address"]) for d in events.details()] == [
        ("added", "jane@example.com"),
        ("added", "bob@example.com"),  # another address is not held back
    ]
    events.refuse_change = None
    assert deliver(retry_from(batch, failed), lambda_context) == []
    jane = [d["change"] for d in events.details() if d["address"] == "jane@example.com"]
    assert jane == ["added", "lifted", "added"]
    assert len(events.details()) == 4
