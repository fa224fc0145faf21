from __future__ import annotations

import pytest

from domain.policy import ManualKind, State
from domain.service import RetriesExhaustedError, SuppressionService
from tests.builders import T0, days, outcome


def test_noop_outcomes_cost_no_read_and_no_write(memory_service, memory_repo):
    result = memory_service.apply_outcomes([outcome("sender", 0), outcome("auto-reply", 0)])
    assert result.relevant == 0
    assert (memory_repo.batch_reads, memory_repo.reads, memory_repo.writes) == (0, 0, 0)


def test_delivery_to_unknown_address_reads_once_and_writes_nothing(memory_service, memory_repo):
    memory_service.apply_outcomes(
        [outcome("delivered", 0, address=f"u{i}@example.com") for i in range(50)]
    )
    assert memory_repo.batch_reads == 1
    assert memory_repo.writes == 0


def test_one_write_per_changed_address_per_batch(memory_service, memory_repo):
    batch = [outcome("soft", n, address="a@example.com") for n in range(3)]
    batch += [outcome("hard", 0, address="b@example.com")]
    result = memory_service.apply_outcomes(batch)
    assert memory_repo.writes == 2
    assert sorted(result.newly_suppressed) == ["a@example.com", "b@example.com"]


def test_redelivered_batch_changes_nothing(memory_service, memory_repo):
    batch = [outcome("hard", 0), outcome("complaint", 1)]
    memory_service.apply_outcomes(batch)
    before = dict(memory_repo.records)
    result = memory_service.apply_outcomes(batch)
    assert result.written == 0 and memory_repo.records == before


def test_conflicts_are_retried_with_a_fresh_read(memory_service, memory_repo):
    memory_repo.interfere = 3
    result = memory_service.apply_outcomes([outcome("hard", 0)])
    assert result.conflicts == 3 and result.written == 1
    assert memory_repo.records["user@example.com"].decision.state is State.SUPPRESSED


def test_retries_are_bounded(memory_repo, policy):
    service = SuppressionService(memory_repo, policy, max_attempts=2)
    memory_repo.interfere = 5
    with pytest.raises(RetriesExhaustedError):
        service.apply_outcomes([outcome("hard", 0)])


def test_manual_actions_go_through_the_same_write_path(memory_service, memory_repo):
    record = memory_service.apply_manual(
        "user@example.com",
        ManualKind.SUPPRESS,
        at=T0,
        actor="ops",
        note="request",
        until=T0 + days(3),
    )
    assert record.decision.state is State.SUPPRESSED
    assert record.version == 1


def test_batch_scope_reads_once_for_many_records(memory_service, memory_repo):
    addresses = [f"u{i}@example.com" for i in range(10)]
    memory_service.apply_outcomes([outcome("soft", 0, address=a) for a in addresses[:5]])
    memory_repo.batch_reads = memory_repo.reads = 0
    with memory_service.batch_scope(addresses):
        for i, a in enumerate(addresses):  # one record at a time, as the SQS handler does
            memory_service.apply_outcomes([outcome("soft", 1, address=a)])
            memory_service.apply_outcomes([outcome("delivered", 2 + i, address=a)])
    assert (memory_repo.batch_reads, memory_repo.reads) == (1, 0)
    assert all(memory_repo.records[a].decision.soft_bounce_count == 0 for a in addresses[:5])
    assert all(memory_repo.records[a].version == 3 for a in addresses[:5])


def test_stale_read_ahead_is_corrected_by_the_conditional_write(memory_service, memory_repo):
    with memory_service.batch_scope(["user@example.com"]):
        other = SuppressionService(memory_repo, memory_service.settings)
        other.apply_outcomes([outcome("complaint", 0)])  # another Lambda writes meanwhile
        result = memory_service.apply_outcomes([outcome("hard", 1)])
    assert result.conflicts == 1 and result.written == 1
    record = memory_repo.records["user@example.com"]
    assert record.ledger.complaint is not None and record.ledger.hard is not None


def test_a_batch_is_applied_in_event_time_order(memory_service, memory_repo):
    # the delivery is newer than the soft bounce but arrives first in the batch
    memory_service.apply_outcomes([outcome("delivered", 2), outcome("soft", 1)])
    record = memory_repo.records["user@example.com"]
    assert record.decision.state.value == "clear"  # the delivery reset the older soft bounce
    assert record.ledger.last_delivery is not None
