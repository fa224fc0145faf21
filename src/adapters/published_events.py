"""PublishedEventsTable: the change events already put on EventBridge (pynamodb).

The change-events function checks it before publishing and marks each event once EventBridge
accepted it, so a retried stream batch does not publish the same change twice
(docs/events.md, "Delivery guarantees"). Markers expire through DynamoDB's TTL well after the
stream's 24-hour retention, the longest a record can be retried. The model must match
template.yaml (tests/unit/test_template_model_match.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from pynamodb.attributes import TTLAttribute, UnicodeAttribute
from pynamodb.models import Model

TTL_ATTRIBUTE = "expires_at"
#: Longer than the stream's retention (24 h), the longest a stream record is retried.
DEFAULT_MARKER_DAYS = 7


class PublishedEventModel(Model):
    class Meta:
        table_name = "PublishedEventsTable"  # replaced by bind_published_event_model()
        connect_timeout_seconds = 2
        read_timeout_seconds = 5
        max_retry_attempts = 3

    event_id = UnicodeAttribute(hash_key=True)
    published_at = UnicodeAttribute()
    expires_at = TTLAttribute()


def bind_published_event_model(table_name: str) -> type[PublishedEventModel]:
    class BoundMeta(PublishedEventModel.Meta):
        pass

    BoundMeta.table_name = table_name
    name = "PublishedEventModel_" + table_name.replace("-", "_")
    return type(name, (PublishedEventModel,), {"Meta": BoundMeta})


class PublishedEventStore:
    def __init__(
        self,
        table_name: str,
        *,
        marker_days: int = DEFAULT_MARKER_DAYS,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.model = bind_published_event_model(table_name)
        self._marker_days = marker_days
        self._clock = clock

    def published(self, event_ids: Iterable[str]) -> set[str]:
        """Which of these ids are marked (BatchGetItem, 100 keys a request; pynamodb retries
        unprocessed keys). Consistent reads: a mark written a moment ago counts."""
        keys = sorted(set(event_ids))
        if not keys:
            return set()
        return {m.event_id for m in self.model.batch_get(keys, consistent_read=True)}

    def mark(self, event_ids: Iterable[str]) -> None:
        """Mark ids as published (BatchWriteItem, 25 a request, unprocessed items retried)."""
        now = self._clock()
        expires = now + timedelta(days=self._marker_days)
        stamp = now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        with self.model.batch_write() as batch:
            for event_id in sorted(set(event_ids)):
                batch.save(self.model(event_id, published_at=stamp, expires_at=expires))
