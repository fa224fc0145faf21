"""Publishing change events: the EventBridge adapter (botocore Stubber: the request shape is
validated against the service model), the publisher's order and idempotency with in-memory
ports, and SES's DeleteSuppressedDestination through the real adapter (Stubber)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime

import pytest
from botocore.stub import ANY

from adapters.change_event_bus import ChangeEventBus
from adapters.change_events_settings import load_change_events_settings
from adapters.ses_suppression_list import SesSuppressionList
from adapters.settings import ConfigurationError
from domain.change_events import ChangeEvent, derive_changes
from domain.change_publisher import (
    ChangePublisher,
    ChangesNotPublishedError,
    PublishResult,
    exported_to_ses,
)
from tests.fakes import FakeSesList, stubbed_client

AT = datetime(2026, 11, 30, 12, tzinfo=UTC)


def suppressed(address: str, category: str = "invalid-address", version: int = 1) -> dict:
    return {
        "address": address,
        "state": "suppressed",
        "reason": "userunknown" if category == "invalid-address" else "mailboxfull",
        "category": category,
        "version": version,
        "updated_at": f"2026-11-30T12:00:0{version}.000Z",
    }


def cleared(image: dict) -> dict:
    version = image["version"] + 1
    return {
        "address": image["address"],
        "state": "clear",
        "version": version,
        "updated_at": f"2026-11-30T12:00:0{version}.000Z",
    }


def added(address: str) -> list[ChangeEvent]:
    return derive_changes(None, suppressed(address), recorded_at=AT)


# --- the EventBridge adapter -----------------------------------------------------------------


def test_entries_go_ten_a_request_with_source_detail_type_and_bus() -> None:
    client, stub = stubbed_client("events")
    events = [e for i in range(12) for e in added(f"user{i}@example.com")]
    ok = {"EventId": "x"}
    stub.add_response(
        "put_events",
        {"FailedEntryCount": 0, "Entries": [ok] * 10},
        {"Entries": ANY},
    )
    stub.add_response("put_events", {"FailedEntryCount": 0, "Entries": [ok] * 2}, None)
    with stub:
        bus = ChangeEventBus(client, bus_name="changes")
        result = bus.publish(events)
    stub.assert_no_pending_responses()
    assert result == PublishResult(tuple(e.event_id for e in events))
    entry = bus._entry(events[0])  # the shape the Stubber validated
    assert (entry["Source"], entry["DetailType"], entry["EventBusName"]) == (
        "ses-feedback",
        "Suppression Changed",
        "changes",
    )
    assert json.loads(entry["Detail"])["address"] == "user0@example.com"


def test_refused_entries_are_retried_alone_then_reported() -> None:
    client, stub = stubbed_client("events")
    events = added("a@example.com") + added("b@example.com")
    refused = {"ErrorCode": "ThrottlingException", "ErrorMessage": "slow down"}
    stub.add_response(
        "put_events", {"FailedEntryCount": 1, "Entries": [{"EventId": "1"}, refused]}, None
    )
    # the retry carries only the refused entry
    stub.add_response("put_events", {"FailedEntryCount": 1, "Entries": [refused]}, None)
    stub.add_response("put_events", {"FailedEntryCount": 1, "Entries": [refused]}, None)
    sleeps: list[float] = []
    with stub:
        result = ChangeEventBus(client, max_attempts=3, sleep=sleeps.append).publish(events)
    stub.assert_no_pending_responses()
    assert result.accepted == (events[0].event_id,)
    assert result.refused == (events[1].event_id,)
    assert result.codes == ("ThrottlingException",)
    assert sleeps == [0.2, 0.4]


# --- the publisher -----------------------------------------------------------------------------


class MemoryStore:
    def __init__(self) -> None:
        self.marks: set[str] = set()
        self.reads = 0

    def published(self, event_ids: Iterable[str]) -> set[str]:
        self.reads += 1
        return self.marks & set(event_ids)

    def mark(self, event_ids: Iterable[str]) -> None:
        self.marks |= set(event_ids)


class MemoryBus:
    def __init__(self, refuse: int = 0) -> None:
        self.published: list[ChangeEvent] = []
        self.refuse = refuse

    def publish(self, events: Iterable[ChangeEvent]) -> PublishResult:
        batch = list(events)
        refused, taken = batch[: self.refuse], batch[self.refuse :]
        self.published.extend(taken)
        return PublishResult(
            tuple(e.event_id for e in taken),
            tuple(e.event_id for e in refused),
            ("InternalFailure",) * len(refused),
        )


def test_a_repeated_record_is_published_once_and_ses_is_asked_once() -> None:
    old = suppressed("jane@example.com")
    events = derive_changes(old, cleared(old), recorded_at=AT)
    bus, store, ses = MemoryBus(), MemoryStore(), FakeSesList()
    publisher = ChangePublisher(bus, store, ses)
    first = publisher.handle(events)
    second = ChangePublisher(bus, store, ses).handle(events)  # a retried invocation
    assert (first.published, first.unlisted) == (1, True)
    assert (second.published, second.duplicates, second.unlisted) == (0, 1, False)
    assert [e.change for e in bus.published] == ["lifted"]
    assert ses.deletes == ["jane@example.com"]


def test_batch_prefetch_saves_the_per_record_read() -> None:
    events = added("a@example.com")
    store = MemoryStore()
    store.mark([events[0].event_id])
    publisher = ChangePublisher(MemoryBus(), store, FakeSesList())
    publisher.remember_published([events[0].event_id])
    reads = store.reads
    assert publisher.handle(events).duplicates == 1
    assert store.reads == reads


def test_refused_events_fail_the_record_but_accepted_ones_stay_marked() -> None:
    events = added("a@example.com") + added("b@example.com")
    bus, store = MemoryBus(refuse=1), MemoryStore()
    with pytest.raises(ChangesNotPublishedError) as failure:
        ChangePublisher(bus, store, FakeSesList()).handle(events)
    assert failure.value.event_ids == (events[0].event_id,)
    assert "@" not in str(failure.value)  # no address in a text that reaches logs
    assert store.marks == {events[1].event_id}


def test_lifting_a_soft_bounce_escalation_leaves_ses_alone() -> None:
    old = suppressed("soft@example.com", category="mailbox-problem")
    ses = FakeSesList()
    ChangePublisher(MemoryBus(), MemoryStore(), ses).handle(
        derive_changes(old, cleared(old), recorded_at=AT)
    )
    assert ses.deletes == []
    assert exported_to_ses("feedback", "complaint")
    assert not exported_to_ses("suppressed", "ses-suppressed")
    assert not exported_to_ses("manual", "manual")


def test_not_found_on_ses_is_success_through_the_real_adapter() -> None:
    client, stub = stubbed_client("sesv2")
    stub.add_client_error(
        "delete_suppressed_destination",
        service_error_code="NotFoundException",
        http_status_code=404,
        expected_params={"EmailAddress": "jane@example.com"},
    )
    old = suppressed("jane@example.com")
    bus = MemoryBus()
    with stub:
        ses = SesSuppressionList(client, min_interval=0, sleep=lambda _s: None)
        report = ChangePublisher(bus, MemoryStore(), ses).handle(
            derive_changes(old, cleared(old), recorded_at=AT)
        )
    stub.assert_no_pending_responses()
    assert report.unlisted and [e.change for e in bus.published] == ["lifted"]


def test_other_ses_errors_hold_the_event_back() -> None:
    client, stub = stubbed_client("sesv2")
    stub.add_client_error(
        "delete_suppressed_destination", service_error_code="AccessDeniedException"
    )
    old = suppressed("jane@example.com")
    bus = MemoryBus()
    with stub, pytest.raises(Exception, match="AccessDenied"):
        ses = SesSuppressionList(client, min_interval=0, sleep=lambda _s: None)
        ChangePublisher(bus, MemoryStore(), ses).handle(
            derive_changes(old, cleared(old), recorded_at=AT)
        )
    assert bus.published == []


# --- settings ---------------------------------------------------------------------------------


def test_change_events_settings() -> None:
    cfg = load_change_events_settings({"PUBLISHED_EVENTS_TABLE": "marks"})
    assert (cfg.bus_name, cfg.published_table) == ("default", "marks")
    cfg = load_change_events_settings({"PUBLISHED_EVENTS_TABLE": "m", "CHANGE_EVENT_BUS": "b"})
    assert cfg.bus_name == "b"
    with pytest.raises(ConfigurationError, match="PUBLISHED_EVENTS_TABLE"):
        load_change_events_settings({})
