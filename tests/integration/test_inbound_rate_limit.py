"""The DynamoDB rate-limit counter (InboundTable of template.yaml, on the emulator)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from adapters.inbound_rate_limit import MAILBOX, DynamoRateLimiter

pytestmark = pytest.mark.integration
EXPIRES = datetime(2026, 11, 30, 14, tzinfo=UTC)


def test_grants_up_to_the_limit_and_then_nothing(inbound_env):
    limiter = DynamoRateLimiter(inbound_env.table)
    assert limiter.take("example.net#2026-11-30T12", 3, 5, EXPIRES) == 3
    assert limiter.take("example.net#2026-11-30T12", 3, 5, EXPIRES) == 2
    assert limiter.take("example.net#2026-11-30T12", 1, 5, EXPIRES) == 0
    assert limiter.take("example.org#2026-11-30T12", 5, 5, EXPIRES) == 5  # its own budget
    (item,) = inbound_env.items("rate-limit#example.net#2026-11-30T12")
    assert (item["mailbox"], int(item["count"])) == (MAILBOX, 5)
    assert int(item["expires_at"]) == int(EXPIRES.timestamp())
    assert "received_at" not in item  # so the by-mailbox index never lists it


def test_parallel_takers_never_exceed_the_limit(inbound_env):
    limiter = DynamoRateLimiter(inbound_env.table)
    granted: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(5):
            got = limiter.take("busy.example#2026-11-30T12", 2, 25, EXPIRES)
            with lock:
                granted.append(got)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(granted) <= 25
    assert sum(granted) >= 20  # contention may cost a few grants, never most of them
