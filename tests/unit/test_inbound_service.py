"""InboundService over in-memory ports: idempotency, failed fetches, records."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.inbound import (
    InboundNotice,
    InboundPolicy,
    InboundRecord,
    InboundService,
    Location,
    MailUnavailableError,
    inbound_item,
)
from domain.inbound.proof import ReturnPathSigner
from domain.policy import State
from tests.conftest import INBOUND_FIXTURES, SAMPLE_RETURN_PATH_KEY

NOW = datetime(2025, 3, 4, 10, 0, tzinfo=UTC)


class FakeStore:
    def __init__(self, objects: dict[str, bytes]) -> None:
        self.objects = objects
        self.fetches = 0
        self.error: MailUnavailableError | None = None

    def fetch(self, location: Location, max_bytes: int) -> bytes:
        self.fetches += 1
        if self.error is not None:
            raise self.error
        if location.key not in self.objects:
            raise MailUnavailableError(f"no {location.key}")
        return self.objects[location.key]


class FakeInboundRepo:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], InboundRecord] = {}

    def status(self, message_id: str) -> str | None:
        found = [r for (m, _), r in self.items.items() if m == message_id]
        if not found:
            return None
        return "fetch-failed" if all(r.fetch_failed for r in found) else "recorded"

    def discard_failed(self, message_id: str) -> None:
        for key in [k for k, r in self.items.items() if k[0] == message_id and r.fetch_failed]:
            del self.items[key]

    def put(self, record: InboundRecord) -> bool:
        key = (record.message_id, record.mailbox)
        current = self.items.get(key)
        if current is not None and not current.fetch_failed:
            return False
        self.items[key] = record
        return True


RECEIPT_TIME = datetime(2025, 3, 4, 9, 15, 2, tzinfo=UTC)


def notice(message_id: str) -> InboundNotice:
    """What the SES Lambda action gives: the receipt's timestamp dates the message."""
    location = Location("bucket", f"inbound/{message_id}")
    return InboundNotice(message_id, location, "ses", timestamp=RECEIPT_TIME)


@pytest.fixture
def parts(memory_service):
    store = FakeStore({f"inbound/{p.stem}": p.read_bytes() for p in INBOUND_FIXTURES.glob("*.eml")})
    repo = FakeInboundRepo()
    policy = InboundPolicy(
        frozenset({"unsubscribe@mail.example.com"}),
        retention_days=30,
        signer=ReturnPathSigner([SAMPLE_RETURN_PATH_KEY.encode()]),
    )
    return store, repo, InboundService(store, repo, memory_service, policy)


def test_dsn_suppresses_and_is_recorded(parts, memory_repo):
    _store, repo, service = parts
    result = service.process(notice("dsn+0001"), NOW)
    assert (result.status, result.kind, result.outcomes) == ("recorded", "dsn", 1)
    assert result.newly_suppressed == ["no-such-user@example.net"]
    record = repo.items[("dsn+0001", "bounces@mail.example.com")]
    assert record.suppressions_applied == 1
    assert record.received_at == datetime(2025, 3, 4, 9, 15, 2, tzinfo=UTC)
    assert (record.expires_at - record.received_at).days == 30
    stored = memory_repo.records["no-such-user@example.net"]
    assert stored.decision.state is State.SUPPRESSED
    assert stored.decision.evidence.source == "inbound"


def test_redelivery_is_skipped_without_reading_the_object(parts, memory_repo):
    store, _repo, service = parts
    service.process(notice("arf-0001"), NOW)
    writes = memory_repo.writes
    again = service.process(notice("arf-0001"), NOW)
    assert again.status == "duplicate"
    assert store.fetches == 1
    assert memory_repo.writes == writes


def test_redelivery_after_a_lost_record_reapplies_nothing_new(parts, memory_repo):
    _store, repo, service = parts
    service.process(notice("unsubscribe-0001"), NOW)
    writes = memory_repo.writes
    repo.items.clear()  # e.g. the put failed after the suppression was applied
    again = service.process(notice("unsubscribe-0001"), NOW)
    assert again.status == "recorded"
    assert memory_repo.writes == writes  # same event ids: the ledger did not change
    assert memory_repo.records["reader@example.org"].decision.reason == "unsubscribe"


def test_forged_bounce_is_recorded_without_suppression(parts, memory_repo):
    _, repo, service = parts
    result = service.process(notice("forged-dsn-0001"), NOW)
    assert (result.kind, result.outcomes) == ("dsn", 0)
    assert memory_repo.records == {}
    record = next(iter(repo.items.values()))
    assert "DMARC failed" in (record.report.note or "")


def test_missing_object_is_recorded_then_raised_and_replaced_later(parts):
    store, repo, service = parts
    with pytest.raises(MailUnavailableError):
        service.process(notice("late-0001"), NOW)
    (failed,) = repo.items.values()
    assert failed.fetch_failed and failed.report.kind == "unparseable"
    assert "message not readable" in (failed.report.error or "")
    assert failed.mailbox == "(unknown)"
    store.objects["inbound/late-0001"] = (INBOUND_FIXTURES / "human-0001.eml").read_bytes()
    result = service.process(notice("late-0001"), NOW)
    assert result.kind == "human"
    (record,) = repo.items.values()
    assert (record.report.kind, record.fetch_failed) == ("human", False)


def test_a_message_too_large_is_recorded_not_retried(parts):
    store, repo, service = parts
    store.error = MailUnavailableError("object is 99 bytes, over the limit", retryable=False)
    result = service.process(notice("big-0001"), NOW)
    assert result.status == "unreadable"
    (record,) = repo.items.values()
    assert not record.fetch_failed  # final: a redelivery is a duplicate
    assert service.process(notice("big-0001"), NOW).status == "duplicate"


def test_item_format(parts):
    _, repo, service = parts
    service.process(notice("human-0001"), NOW)
    (record,) = repo.items.values()
    item = inbound_item(record, NOW)
    assert item["message_id"] == "human-0001"
    assert item["mailbox"] == "support@mail.example.com"
    assert item["received_at"] == "2025-03-04T09:15:02.000Z"
    assert item["kind"] == "human"
    assert item["s3_uri"] == "s3://bucket/inbound/human-0001"
    assert item["attachments"][0] == {
        "name": "invoice-2025-03.pdf",
        "type": "application/pdf",
        "size": 2094,
        "sha256": "d27bfde3118ef9974c738cc46338646630488993c708d91b3cc7865059fd811b",
    }
    assert item["expires_at"] == int(datetime(2025, 4, 3, 9, 15, 2, tzinfo=UTC).timestamp())
    assert "error" not in item and "feedback" not in item


class FakeLimiter:
    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def take(self, key: str, wanted: int, limit: int, expires_at: datetime) -> int:
        granted = max(0, min(wanted, limit - self.counts.get(key, 0)))
        self.counts[key] = self.counts.get(key, 0) + granted
        return granted


def test_proven_suppressions_beyond_the_domain_rate_limit_are_held_back(memory_service):
    signer = ReturnPathSigner([SAMPLE_RETURN_PATH_KEY.encode()])
    raw = (INBOUND_FIXTURES / "dsn+0001.eml").read_bytes()
    store = FakeStore({})
    for i in range(3):  # three proven bounces from mx.example.net in one hour
        victim = f"gone{i}@example.net"
        path = signer.return_path(victim, "mail.example.com", NOW)
        store.objects[f"inbound/m{i}"] = raw.replace(
            b"no-such-user@example.net", victim.encode()
        ).replace(b"bounces+4eb7x77w6a3vbz24fa2h@mail.example.com", path.encode())
    repo, limiter = FakeInboundRepo(), FakeLimiter()
    policy = InboundPolicy(retention_days=30, signer=signer, max_suppressions_per_domain_hour=2)
    service = InboundService(store, repo, memory_service, policy, limiter)
    results = [service.process(notice(f"m{i}"), NOW) for i in range(3)]
    assert [r.outcomes for r in results] == [1, 1, 0]
    assert [r.rate_limited for r in results] == [0, 0, 1]
    assert limiter.counts == {"example.net#2025-03-04T09": 2}  # the receipt's hour
    held = repo.items[("m2", "bounces@mail.example.com")]
    assert held.suppressions_applied == 0
    assert "rate limit: 1 of 1 not applied" in (held.report.note or "")


def test_messages_are_dated_by_the_envelope_never_by_their_headers(memory_service, memory_repo):
    # A message stored without SES's trace header, whose only Received line says 2010
    signer = ReturnPathSigner([SAMPLE_RETURN_PATH_KEY.encode()])
    raw = (INBOUND_FIXTURES / "dsn+0001.eml").read_bytes()
    body = raw[raw.index(b"From: Mail Delivery") :]
    path = signer.return_path("no-such-user@example.net", "mail.example.com", NOW)
    old = (
        b"Received: from mx.example.org by mx.example.net; Fri, 01 Jan 2010 00:00:00 +0000\r\n"
        + body.replace(b"bounces+4eb7x77w6a3vbz24fa2h@mail.example.com", path.encode())
    )
    store, repo = FakeStore({"inbound/old": old, "inbound/old2": old}), FakeInboundRepo()
    policy = InboundPolicy(retention_days=30, signer=signer)
    service = InboundService(store, repo, memory_service, policy)
    s3_time = datetime(2025, 3, 4, 9, 30, tzinfo=UTC)
    s3_notice = InboundNotice("old", Location("bucket", "inbound/old"), "s3", timestamp=s3_time)
    assert service.process(s3_notice, NOW).outcomes == 1
    (record,) = [r for (m, _), r in repo.items.items() if m == "old"]
    assert (record.received_at, record.received_at_source) == (s3_time, "s3-event")
    stored = memory_repo.records["no-such-user@example.net"]
    assert stored.decision.suppressed_at == s3_time  # not 2010: not expired on arrival
    untimed = InboundNotice("old2", Location("bucket", "inbound/old2"), "s3")
    service.process(untimed, NOW)  # no time in the envelope: the processing time
    (record2,) = [r for (m, _), r in repo.items.items() if m == "old2"]
    assert (record2.received_at, record2.received_at_source) == (NOW, "processing")
