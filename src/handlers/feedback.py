"""FeedbackFunction: SES feedback from SQS (SNS-wrapped or raw) or directly from SNS.

SQS batches go through Powertools' BatchProcessor, so one bad record becomes a batch item
failure (retried, then redriven to the DLQ) while the rest of the batch is applied.
Direct SNS invocations are asynchronous: a failure is raised so Lambda retries and then
hands the event to the function's on-failure destination.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes import SNSEvent
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

# What the first request uses, loaded at init though imported lazily where it is used.
import adapters.suppression_repository  # noqa: F401
import domain.classify  # noqa: F401
from adapters import factory
from adapters.emf import emit_reputation_metrics
from domain.events import MalformedEventError
from domain.ingest import IngestResult, ingest_text, relevant_addresses
from domain.metrics_plan import MetricsTally

logger = Logger()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS)


class UnsupportedEventError(ValueError):
    """The invocation is neither an SQS batch nor an SNS event."""


def _ingest(body: str, source: str, record_id: str) -> IngestResult:
    try:
        result = ingest_text(body, factory.suppression_service(), source)
    except MalformedEventError as exc:
        # The record goes to the DLQ / on-failure destination; say why, without its content.
        logger.warning("record rejected", extra={"record_id": record_id, "reason": str(exc)})
        metrics.add_metric(name="RecordsRejected", unit=MetricUnit.Count, value=1)
        raise
    _record_metrics(result, source)
    logger.info(
        "record processed",
        extra={
            "record_id": record_id,
            "status": result.status,
            "detail": result.detail,
            "written": result.applied.written if result.applied else 0,
        },
    )
    return result


def _record_metrics(result: IngestResult, source: str) -> None:
    """Reputation metrics per configuration set (domain/metrics_plan.py, shared with the
    Firehose path; dimension Pipeline tells the paths apart, see template.yaml alarms)."""
    if result.status != "applied" or result.event is None:
        metrics.add_metric(name="RecordsSkipped", unit=MetricUnit.Count, value=1)
        return
    metrics.add_metric(name="RecordsApplied", unit=MetricUnit.Count, value=1)
    tally = MetricsTally()
    tally.add_event(result.event)
    if result.applied and result.applied.newly_suppressed:
        tally.add_suppressions(result.applied.newly_suppressed, result.event.outcomes)
    emit_reputation_metrics(tally.as_dict(), source)


def sqs_record_handler(record: SQSRecord) -> None:
    try:
        _ingest(record.body, "sqs", record.message_id)
    except MalformedEventError:
        raise  # logged by _ingest
    except Exception as exc:
        # DynamoDB refused or timed out: the record becomes a batch item failure and SQS
        # delivers it again (then to the DLQ); BatchProcessor itself logs nothing.
        logger.warning(
            "record failed, will be retried",
            extra={"record_id": record.message_id, "reason": _reason(exc)},
        )
        metrics.add_metric(name="RecordsFailed", unit=MetricUnit.Count, value=1)
        raise


def _reason(exc: BaseException) -> str:
    """The error's type and text, short; texts of our own errors mask addresses."""
    return f"{type(exc).__name__}: {exc}"[:300]


def _read_ahead_failed(exc: Exception) -> None:
    logger.warning(
        "batch read-ahead failed; each record reads on its own", extra={"reason": _reason(exc)}
    )


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Mapping[str, object]:
    records = event.get("Records") or []
    first = records[0] if records and isinstance(records[0], dict) else {}
    if first.get("eventSource") == "aws:sqs":
        bodies = [r.get("body") or "" for r in records if isinstance(r, dict)]
        service = factory.suppression_service()
        with service.batch_scope(relevant_addresses(bodies), _read_ahead_failed):
            return process_partial_response(
                event=event,
                record_handler=sqs_record_handler,
                processor=processor,
                context=context,
            )
    if first.get("EventSource") == "aws:sns":
        return _handle_sns(SNSEvent(event))
    raise UnsupportedEventError("expected an SQS batch or an SNS event")


def _handle_sns(event: SNSEvent) -> dict[str, Any]:
    failures: list[str] = []
    processed = 0
    for record in event.records:
        try:
            _ingest(record.sns.message, "sns", record.sns.message_id)
            processed += 1
        except MalformedEventError:
            failures.append(record.sns.message_id)
    if failures:
        # Raising makes Lambda retry the async invocation and then send it to the
        # on-failure destination, where it can be inspected and replayed.
        raise MalformedEventError(f"{len(failures)} SNS record(s) could not be processed")
    return {"processed": processed}
