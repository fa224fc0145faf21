"""ChangeEventsFunction: SuppressionTable's stream -> change events on EventBridge.

Each stream record's old and new images give zero or more change events
(domain/change_events.py). Before an `expired` or `lifted` of a suppression that was
exported to SES is announced, the address is deleted from SES's account-level list. Events
already marked in PublishedEventsTable (an earlier delivery of the same record) are skipped;
the rest are put on the bus and marked. A record that fails is reported as a batch item
failure: Lambda retries from it (bisecting the batch), then sends the batch's description to
the on-failure queue (docs/events.md). A failed record holds back the later records of the
same item in its batch, so one address's changes are published in table order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
    DynamoDBRecordEventName,
    DynamoDBStreamEvent,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

# What the first request uses, loaded at init though the factory imports it where it builds
# the publisher (EventBridge and SES clients, the marks table).
import adapters.change_event_bus
import adapters.change_events_settings
import adapters.published_events
import adapters.ses_suppression_list  # noqa: F401
from adapters import factory
from domain.change_events import ChangeEvent, derive_changes
from domain.change_publisher import ChangePublisher

logger = Logger()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)

# A REMOVE made by DynamoDB's TTL carries this identity (DynamoDB developer guide, "Time to
# Live: streams").
_TTL_PRINCIPAL = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}


def changes_of(record: DynamoDBRecord) -> list[ChangeEvent]:
    stream = record.dynamodb
    if stream is None:
        return []
    created = stream.approximate_creation_date_time
    recorded_at = datetime.fromtimestamp(created, UTC) if created else datetime.now(UTC)
    identity = record.user_identity
    removed_by_ttl = record.event_name is DynamoDBRecordEventName.REMOVE and all(
        identity.get(k) == v for k, v in _TTL_PRINCIPAL.items()
    )
    return derive_changes(
        stream.old_image or None,
        stream.new_image or None,
        recorded_at=recorded_at,
        removed_by_ttl=removed_by_ttl,
    )


class HeldBackError(RuntimeError):
    """An earlier record of the same item failed in this batch: this one waits for it, so
    one address's changes are published in table order."""


@dataclass
class _Invocation:
    publisher: ChangePublisher
    failed_keys: set[str] = field(default_factory=set)


def record_handler(record: DynamoDBRecord, invocation: _Invocation) -> None:
    sequence = record.dynamodb.sequence_number if record.dynamodb else None
    key = str(record.dynamodb.keys.get("address")) if record.dynamodb else ""
    if key in invocation.failed_keys:
        raise HeldBackError("an earlier change of the same item failed in this batch")
    try:
        events = changes_of(record)
        report = invocation.publisher.handle(events)
    except Exception:
        invocation.failed_keys.add(key)
        raise
    if events:
        metrics.add_metric(
            name="ChangeEventsPublished", unit=MetricUnit.Count, value=report.published
        )
        metrics.add_metric(
            name="ChangeEventsDuplicates", unit=MetricUnit.Count, value=report.duplicates
        )
        if report.unlisted:
            metrics.add_metric(name="SesListDeleted", unit=MetricUnit.Count, value=1)
        # change kinds and counts only: the images hold an address (personal data)
        logger.info(
            "stream record announced",
            extra={
                "sequence_number": sequence,
                "changes": [e.change for e in events],
                "published": report.published,
                "duplicates": report.duplicates,
                "ses_unlisted": report.unlisted,
            },
        )


def _prefetch(event: dict[str, Any], publisher: ChangePublisher) -> None:
    """One read of the batch's published marks. Best effort: a record that cannot be
    derived fails in its own turn, and a failed read leaves each record to read its own."""
    ids: list[str] = []
    for record in DynamoDBStreamEvent(event).records:
        try:
            ids.extend(e.event_id for e in changes_of(record))
        except Exception:  # noqa: BLE001, S112 - reported when the record itself is processed
            continue
    try:
        publisher.remember_published(ids)
    except Exception:
        logger.warning("reading the batch's published marks failed", exc_info=True)
        publisher.forget()


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    publisher = factory.change_publisher()
    _prefetch(event, publisher)
    return process_partial_response(
        event=event,
        record_handler=partial(record_handler, invocation=_Invocation(publisher)),
        processor=processor,
        context=context,
    )
