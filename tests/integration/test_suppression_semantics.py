"""Storage semantics against the embedded emulator: concurrency, TTL with a controlled clock,
the read client, and the sparse indexes."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, timedelta

import pytest

from adapters.suppression_client import SuppressionClient
from adapters.suppression_repository import DynamoSuppressionRepository
from domain.policy import PolicySettings, State
from domain.service import SuppressionService
from tests.builders import T0, outcome

pytestmark = pytest.mark.integration


@pytest.mark.slow
def test_eight_threads_2000_events_20_hot_addresses(suppression_table):
    """No lost update: exact soft-bounce counts and every hard bounce ends suppressed."""
    settings = PolicySettings(
        soft_bounce_threshold=1000, soft_memory_limit=1000, soft_bounce_window_days=14
    )
    addresses = [f"hot{i}@example.com" for i in range(20)]
    events = []
    for n in range(2000):
        address = addresses[n % 20]
        kind = "hard" if n % 20 < 5 and n // 20 == 50 else "soft"
        events.append(outcome(kind, (n // 20) * 0.001, address=address, event_id=f"e{n}"))
    expected_softs = {
        a: sum(1 for e in events if e.address == a and e.classification.reason == "mailboxfull")
        for a in addresses
    }
    expected_hard = {e.address for e in events if e.classification.hard}
    rng = random.Random(5)
    rng.shuffle(events)
    chunks = [events[i::8] for i in range(8)]
    errors = []

    def worker(chunk):
        repo = DynamoSuppressionRepository(suppression_table, settings)
        service = SuppressionService(repo, settings, max_attempts=50)
        try:
            for start in range(0, len(chunk), 5):
                service.apply_outcomes(chunk[start : start + 5])
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(c,)) for c in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    repo = DynamoSuppressionRepository(suppression_table, settings)
    for address in addresses:
        record = repo.get(address)
        assert record is not None
        assert len(record.ledger.softs) == expected_softs[address], address
        if address in expected_hard:
            assert record.decision.state is State.SUPPRESSED, address
        else:
            assert record.decision.state is State.WATCHING
            assert record.decision.soft_bounce_count == expected_softs[address]


def test_ttl_with_a_controlled_clock(suppression_table):
    settings = PolicySettings(
        hard_bounce_ttl_days=1,
        soft_bounce_threshold=2,
        soft_bounce_ttl_days=1,
        soft_bounce_max_ttl_days=8,
    )
    service = SuppressionService(DynamoSuppressionRepository(suppression_table, settings), settings)
    service.apply_outcomes([outcome("hard", 0, address="hard@example.com")])
    # soft escalations: 1 day, then 2 days (the second burst follows within the window)
    service.apply_outcomes(
        [
            outcome("soft", 0, address="soft@example.com"),
            outcome("soft", 0.1, address="soft@example.com"),
        ]
    )
    first_end = T0 + timedelta(days=0.1 + 1)
    service.apply_outcomes(
        [
            outcome("soft", 3, address="soft@example.com"),
            outcome("soft", 3.1, address="soft@example.com"),
        ]
    )
    second_end = T0 + timedelta(days=3.1 + 2)

    def client_at(now):
        return SuppressionClient(suppression_table, clock=lambda: now)

    assert client_at(T0 + timedelta(hours=23)).is_suppressed("hard@example.com")
    assert not client_at(T0 + timedelta(days=1)).is_suppressed("hard@example.com")
    status = client_at(T0 + timedelta(days=3.2)).check("soft@example.com")
    assert status.suppressed and status.expires_at == second_end
    assert second_end - (T0 + timedelta(days=3.1)) == 2 * (first_end - (T0 + timedelta(days=0.1)))
    assert not client_at(second_end).is_suppressed("soft@example.com")


def test_client_queries_use_the_sparse_indexes(suppression_table):
    settings = PolicySettings()
    service = SuppressionService(DynamoSuppressionRepository(suppression_table, settings), settings)
    service.apply_outcomes(
        [
            outcome("hard", 0, address="a@example.com"),
            outcome("complaint", 1, address="b@example.com"),
            outcome("soft", 2, address="c@example.com"),  # watching: not in the indexes
            outcome("hard", 3, address="d@example.org"),
        ]
    )
    now = T0 + timedelta(days=5)
    client = SuppressionClient(suppression_table, clock=lambda: now)
    assert sorted(s.address for s in client.list_by_domain("EXAMPLE.com")) == [
        "a@example.com",
        "b@example.com",
    ]
    since = (T0 + timedelta(days=2)).isoformat().replace("+00:00", "Z")
    assert [s.address for s in client.list_since("userunknown", since)] == ["d@example.org"]
    assert client.check_many(["a@example.com", "c@example.com", "zz@example.com"]) == {
        "a@example.com": client.check("a@example.com"),
        "c@example.com": client.check("c@example.com"),
        "zz@example.com": client.check("zz@example.com"),
    }
    assert [
        client.is_suppressed(a) for a in ("a@example.com", "c@example.com", "zz@example.com")
    ] == [True, False, False]
    later = SuppressionClient(suppression_table, clock=lambda: datetime(2030, 1, 1, tzinfo=UTC))
    assert list(later.list_by_domain("example.com")) == [
        s for s in later.list_by_domain("example.com")
    ]  # complaint never expires
    assert [s.address for s in later.list_by_domain("example.com")] == ["b@example.com"]
