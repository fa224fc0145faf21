"""Publishing one stream record's change events, at most once per event id where the
stores allow it (docs/events.md, "Delivery guarantees").

For each record: take the address off SES's account-level list when an exported
suppression ended (before announcing it, so nobody is told "sendable" while SES still
drops the mail), skip events already marked as published, publish the rest, mark what
EventBridge accepted. The ports are implemented in `adapters`; this module is pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from domain.change_events import ChangeEvent, unlist_from_ses
from domain.ses_sync import export_reason

_LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class PublishResult:
    accepted: tuple[str, ...]  # event ids EventBridge took
    refused: tuple[str, ...] = ()  # event ids still refused after every attempt
    codes: tuple[str, ...] = ()  # EventBridge's error codes for those


class EventBusPort(Protocol):
    def publish(self, events: Iterable[ChangeEvent]) -> PublishResult: ...


class PublishedStorePort(Protocol):
    def published(self, event_ids: Iterable[str]) -> set[str]: ...

    def mark(self, event_ids: Iterable[str]) -> None: ...


class SesListDeletePort(Protocol):
    def delete(self, address: str) -> bool: ...


class ChangesNotPublishedError(RuntimeError):
    """Some change events were refused by EventBridge; the record must be retried. Names
    event ids and error codes only (exception texts reach logs, addresses must not)."""

    def __init__(self, result: PublishResult) -> None:
        self.event_ids = result.refused
        super().__init__(
            f"EventBridge refused {len(result.refused)} change event(s): "
            f"{sorted(set(result.codes))}"
        )


def exported_to_ses(reason: str | None, category: str | None) -> bool:
    """Whether a suppression with this reason and category is one `ses-sync` exports."""
    item = {"state": "suppressed", "reason": reason, "category": category}
    return export_reason(item, _LONG_AGO) is not None


@dataclass
class RecordReport:
    events: int = 0
    published: int = 0
    duplicates: int = 0  # already published by an earlier delivery of the record
    unlisted: bool = False  # SES's list was asked to drop the address


class ChangePublisher:
    def __init__(
        self, bus: EventBusPort, store: PublishedStorePort, ses: SesListDeletePort
    ) -> None:
        self._bus = bus
        self._store = store
        self._ses = ses
        self._known: set[str] = set()

    def remember_published(self, event_ids: Sequence[str]) -> None:
        """Read the marks of a whole batch at once (one BatchGetItem instead of one read per
        record). Ids not found are read again per record, so a stale answer costs a read."""
        self._known = self._store.published(event_ids) if event_ids else set()

    def forget(self) -> None:
        self._known = set()

    def handle(self, events: Sequence[ChangeEvent]) -> RecordReport:
        report = RecordReport(events=len(events))
        if not events:
            return report
        ids = [e.event_id for e in events]
        unknown = [i for i in ids if i not in self._known]
        done = set(ids) - set(unknown)
        if unknown:
            done |= self._store.published(unknown)
        fresh = [e for e in events if e.event_id not in done]
        report.duplicates = len(events) - len(fresh)
        if not fresh:
            return report  # every event (and so the SES deletion before it) happened
        address = unlist_from_ses(list(events), exported_to_ses)
        if address is not None:
            self._ses.delete(address)  # False (not listed) is fine: the goal is reached
            report.unlisted = True
        result = self._bus.publish(fresh)
        if result.accepted:
            self._store.mark(result.accepted)
            self._known.update(result.accepted)
        report.published = len(result.accepted)
        if result.refused:
            raise ChangesNotPublishedError(result)
        return report
