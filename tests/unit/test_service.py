from __future__ import annotations

import pytest

from domain.policy import ManualKind, PolicySettings, State
from domain.service import RetriesExhaustedError, SuppressionService
from tests.builders import T0, days, outcome
from tests.fakes import InMemoryRepository


def test_noop_outcomes_cost_no_read_and_no_write(memory_service, memory_repo):
    result = memory_service.apply_outcomes([outcome("sender", 0), outcome("auto-reply", 0)])
    assert result.relevant == 0
    assert (memory_repo.batch_reads, memory_repo.reads, memory_repo.writes) == (0, 0, 0)


def test_delivery_to_unknown_address_reads_once_and_writes_nothing_without_markers(memory_repo):
    service = SuppressionService(memory_repo, PolicySettings(delivery_markers=False))
    service.apply_outcomes(
        [outcome("delivered", 0, address=f"u{i}@example.com") for i in range(50)]
    )
    assert memory_repo.batch_reads == 1
    assert memory_repo.writes == 0


def test_delivery_markers_are_written_only_when_newer(memory_service, memory_repo):
    memory_service.apply_outcomes([outcome("delivered", 2, address="u@example.com")])
    assert memory_repo.writes == 1
    memory_service.apply_outcomes([outcome("delivered", 1, address="u@example.com")])
    memory_service.apply_outcomes([outcome("delivered", 2, address="u@example.com")])
    assert memory_repo.writes == 1  # older or the same: nothing to write
    memory_service.apply_outcomes([outcome("delivered", 3, address="u@example.com")])
    assert memory_repo.writes == 2


class FlakyRepository(InMemoryRepository):
    """Fails chosen calls the way DynamoDB does under faults: a refused read, or a write that
    was applied but whose reply was lost."""

    def __init__(self) -> None:
        super().__init__()
        self.fail_batch_read = False
        self.lose_next_reply = False

    def get_many(self, addresses):
        if self.fail_batch_read:
            self.fail_batch_read = False
            raise TimeoutError("read timed out")
        return super().get_many(addresses)

    def save(self, record, expected_version):
        super().save(record, expected_version)
        if self.lose_next_reply:
            self.lose_next_reply = False
            raise TimeoutError("reply lost")


def test_a_lost_reply_does_not_leave_a_stale_read_ahead_behind():
    repo = FlakyRepository()
    service = SuppressionService(repo, PolicySettings(delivery_markers=False))
    address = "x@example.com"
    with service.batch_scope([address]):
        repo.lose_next_reply = True
        with pytest.raises(TimeoutError):  # the soft bounce was written, its reply lost
            service.apply_outcomes([outcome("soft", 1, address=address)])
        # a later delivery in the same batch must see the written record and reset it
        service.apply_outcomes([outcome("delivered", 2, address=address)])
    stored = repo.records[address]
    assert stored.ledger.last_delivery is not None
    assert stored.decision.soft_bounce_count == 0


def test_a_failed_read_ahead_falls_back_to_reading_per_record():
    repo = FlakyRepository()
    service = SuppressionService(repo, PolicySettings())
    told: list[Exception] = []
    repo.fail_batch_read = True
    with service.batch_scope(["a@example.com", "b@example.com"], told.append):
        service.apply_outcomes([outcome("hard", 0, address="a@example.com")])
        service.apply_outcomes([outcome("hard", 0, address="b@example.com")])
    assert [type(e) for e in told] == [TimeoutError]
    assert set(repo.records) == {"a@example.com", "b@example.com"}


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
