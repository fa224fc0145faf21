"""Applying outcomes to stored records: the use case behind every feedback path.

The storage port is a Protocol defined here and implemented in `adapters`, so the
read-merge-write loop (with its retry on concurrent updates) is tested without AWS.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Protocol

from domain.events import FeedbackEvent, RecipientOutcome
from domain.policy import (
    ManualKind,
    State,
    SuppressionRecord,
    apply_manual,
    apply_outcome,
    is_relevant,
    materialise_at,
)
from domain.policy_settings import PolicySettings
from domain.scopes import GLOBAL_SCOPE


class ConcurrentUpdateError(Exception):
    """Someone else wrote the record between our read and our conditional write."""


class RetriesExhaustedError(Exception):
    """The record kept changing under us; the caller should let the event be retried."""


class SuppressionRepository(Protocol):
    def get_many(self, addresses: Iterable[str]) -> Mapping[str, SuppressionRecord]: ...

    def get(self, address: str) -> SuppressionRecord | None: ...

    def save(self, record: SuppressionRecord, expected_version: int | None) -> None:
        """Write `record`. `expected_version` None means "must not exist yet".
        Raises ConcurrentUpdateError when the stored version differs."""


@dataclass
class ApplyResult:
    outcomes: int = 0
    relevant: int = 0
    written: int = 0
    unchanged: int = 0
    conflicts: int = 0
    newly_suppressed: list[str] = field(default_factory=list)

    def add(self, other: ApplyResult) -> None:
        self.outcomes += other.outcomes
        self.relevant += other.relevant
        self.written += other.written
        self.unchanged += other.unchanged
        self.conflicts += other.conflicts
        self.newly_suppressed.extend(other.newly_suppressed)


class SuppressionService:
    def __init__(
        self,
        repository: SuppressionRepository,
        settings: PolicySettings,
        max_attempts: int = 10,
    ) -> None:
        self._repo = repository
        self._settings = settings
        self._max_attempts = max_attempts
        # Records read ahead for the current batch (see batch_scope); None outside one.
        self._cache: dict[str, SuppressionRecord | None] | None = None

    @property
    def settings(self) -> PolicySettings:
        return self._settings

    @contextmanager
    def batch_scope(
        self,
        addresses: Iterable[str],
        on_read_error: Callable[[Exception], None] | None = None,
    ) -> Iterator[None]:
        """Read every address of a batch with one BatchGetItem up front, so processing the
        batch's records one by one (for per-record failure reporting) costs no more reads.
        A stale read-ahead is harmless: the conditional write fails and we re-read.

        If the read-ahead itself fails, nothing is remembered and each record reads its own
        addresses, so one failed read fails only the records it concerns (``on_read_error``
        is told, for the log)."""
        wanted = set(addresses)
        try:
            found = self._repo.get_many(wanted) if wanted else {}
        except Exception as exc:  # noqa: BLE001 - any storage failure: fall back per record
            if on_read_error is not None:
                on_read_error(exc)
            found, wanted = {}, set()
        self._cache = {address: found.get(address) for address in wanted}
        try:
            yield
        finally:
            self._cache = None

    def apply_event(self, event: FeedbackEvent) -> ApplyResult:
        return self.apply_outcomes(event.outcomes)

    def apply_outcomes(self, outcomes: Iterable[RecipientOutcome]) -> ApplyResult:
        """Apply outcomes of one or many events: one batched read, at most one write per
        address whose state changes, none for outcomes that change nothing."""
        result = ApplyResult()
        by_address: dict[str, list[RecipientOutcome]] = defaultdict(list)
        for outcome in outcomes:
            result.outcomes += 1
            if is_relevant(outcome):
                result.relevant += 1
                by_address[outcome.address].append(outcome)
        if not by_address:
            return result
        prefetched = self._read(by_address)
        for address, items in by_address.items():
            # In event-time order, so a batch gives what timestamp order gives (a delivery
            # older than an address's first bounce is then dropped, exactly as it would be).
            items.sort(key=lambda o: (o.occurred_at, o.event_id))
            fold = partial(self._fold, address=address, outcomes=items)
            self._update(address, prefetched.get(address), result, fold)
        return result

    def _read(self, addresses: Iterable[str]) -> dict[str, SuppressionRecord | None]:
        cache = self._cache if self._cache is not None else {}
        missing = [a for a in addresses if a not in cache]
        records = dict(cache)
        if missing:
            found = self._repo.get_many(missing)
            records.update({a: found.get(a) for a in missing})
        return records

    def apply_manual(
        self,
        address: str,
        kind: ManualKind,
        *,
        at: datetime,
        actor: str,
        note: str = "",
        until: datetime | None = None,
        force: bool = False,
        scope: str = GLOBAL_SCOPE,
    ) -> SuppressionRecord:
        """Raises policy.ForceRequiredError (nothing written) when lifting a complaint or
        an unsubscribe without `force` and a note. A named `scope` acts on that scope only
        (domain.scopes.InvalidScopeError, nothing written, when it is not a scope name)."""
        result = ApplyResult()

        def change(rec: SuppressionRecord | None) -> SuppressionRecord | None:
            return apply_manual(
                rec,
                address,
                kind,
                at=at,
                actor=actor,
                note=note,
                until=until,
                settings=self._settings,
                force=force,
                scope=scope,
            )

        self._update(address, self._repo.get(address), result, change)
        record = self._repo.get(address)
        assert record is not None
        return record

    def materialise_expiry(self, address: str, now: datetime) -> bool:
        """Store the state `address` has at `now` when a suppression has lapsed by then
        (the expiry sweep). True when the item was rewritten; False when nothing had lapsed
        or the address is unknown. Retried on concurrent updates like every write."""
        result = ApplyResult()

        def change(rec: SuppressionRecord | None) -> SuppressionRecord | None:
            return None if rec is None else materialise_at(rec, now, self._settings)

        self._update(address, self._repo.get(address), result, change)
        return result.written > 0

    def _fold(
        self,
        record: SuppressionRecord | None,
        *,
        address: str,
        outcomes: list[RecipientOutcome],
    ) -> SuppressionRecord | None:
        current = record
        for outcome in outcomes:
            current = apply_outcome(current, address, outcome, self._settings)
        return current

    def _update(
        self,
        address: str,
        record: SuppressionRecord | None,
        result: ApplyResult,
        change: Callable[[SuppressionRecord | None], SuppressionRecord | None],
    ) -> None:
        for attempt in range(self._max_attempts):
            if attempt:
                record = self._repo.get(address)
                self._remember(address, record)
            updated = change(record)
            if updated is None or updated is record:
                result.unchanged += 1
                return
            expected = record.version if record is not None else None
            try:
                self._repo.save(updated, expected)
            except ConcurrentUpdateError:
                result.conflicts += 1
                continue
            except BaseException:
                # The write may or may not have been applied (a lost reply): what the batch
                # remembered about this address is no longer known to be true.
                self._forget(address)
                raise
            result.written += 1
            if self._cache is not None:
                # with the stored version (built directly: dataclasses.replace is several
                # times slower, and this runs once per write)
                self._cache[address] = SuppressionRecord(
                    updated.address, updated.ledger, updated.decision, (expected or 0) + 1
                )
            was = record is not None and record.decision.state is State.SUPPRESSED
            if updated.decision.state is State.SUPPRESSED and not was:
                result.newly_suppressed.append(address)
            return
        self._forget(address)
        raise RetriesExhaustedError(f"record kept changing after {self._max_attempts} attempts")

    def _remember(self, address: str, record: SuppressionRecord | None) -> None:
        if self._cache is not None:
            self._cache[address] = record

    def _forget(self, address: str) -> None:
        if self._cache is not None:
            self._cache.pop(address, None)
