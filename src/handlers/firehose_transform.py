"""FirehoseTransformFunction: the Firehose data-transformation Lambda for SES events.

Firehose (Direct PUT from the configuration set's second event destination, and identity
notifications copied from the feedback topic) calls this function synchronously with up to
a few MB of base64 records. For each record, in order:
- `Ok`: one flat analytics line per SES event (domain/analytics.py), with partition keys
  `event_type` and `dt` for the S3 prefix (dynamic partitioning);
- `Dropped`: not an SES event (valid JSON without eventType/notificationType, the SES
  topic-validation text, an empty record);
- `ProcessingFailed`: unreadable (bad base64, not JSON, malformed SES record). Firehose writes
  it to `processing-failed/` in the archive bucket, and `ses-feedback replay` re-applies it.

The transform does not write the suppression table: every event that reaches the stream also
reaches the feedback queue (the configuration set's SNS destination matches the same event
types, and identity notifications come from the topic the queue is subscribed to), where
FeedbackFunction applies it with retries and a DLQ (docs/decisions.md, "the archive path
archives"). The reputation metrics of each batch are emitted here, under `Pipeline=firehose`.
"""

from __future__ import annotations

import binascii
import gc
from collections import Counter
from typing import Any, NamedTuple

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import KinesisFirehoseEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

# What the first request uses, loaded at init though imported lazily where it is used.
import domain.classify  # noqa: F401
from adapters.emf import emit_reputation_metrics
from domain.analytics import DROPPED, FAILED, OK, RecordTransform, transform_record
from domain.metrics_plan import MetricsTally

logger = Logger()
metrics = Metrics()

PIPELINE = "firehose"


def _transform(data: str) -> RecordTransform:
    try:
        raw = binascii.a2b_base64(data, strict_mode=True)
    except (binascii.Error, ValueError, TypeError):
        return RecordTransform(FAILED, reason="record data is not base64")
    return transform_record(raw, PIPELINE)


class Answer(NamedTuple):
    """One record, answered as soon as it is decoded. The analytics row is not kept: holding
    a whole batch of decoded records until the end cost more than decoding them (memory no
    longer reused while hot, and the garbage collector walking it)."""

    record_id: str
    entry: dict[str, Any]
    reason: str  # why the record was dropped or failed (never its content)

    @property
    def result(self) -> str:
        return str(self.entry["result"])


def answer_records(records: list[tuple[str, Any]], tally: MetricsTally) -> list[Answer]:
    """Decode, transform and answer each (recordId, data) in order, counting its events in
    `tally`. The cyclic garbage collector is paused meanwhile (it would walk the growing
    batch again and again): what the transform allocates is freed by reference counting,
    and anything else waits for the collector, which resumes after the batch."""
    answers = []
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for record_id, data in records:
            transform = _transform(data)
            for parsed in transform.events:
                tally.add_event(parsed.event)
            entry = _response_record(record_id, data or "", transform)
            answers.append(Answer(record_id, entry, transform.reason))
    finally:
        if was_enabled:
            gc.enable()
    return answers


def _response_record(record_id: str, data: str, transform: RecordTransform) -> dict[str, Any]:
    """One entry of the response, as a plain dict with exactly the keys and order that
    Powertools' KinesisFirehoseDataTransformationRecord.asdict() gives (a test checks the
    two agree): building its dataclasses per record cost as much as normalising the event."""
    if transform.result != OK:
        # Firehose keeps the original data for ProcessingFailed records (processing-failed/).
        return {
            "recordId": record_id,
            "result": FAILED if transform.result == FAILED else DROPPED,
            "data": data,
        }
    return {
        "recordId": record_id,
        "result": OK,
        "data": binascii.b2a_base64(transform.data(), newline=False).decode("ascii"),
        "metadata": {"partitionKeys": transform.partition_keys()},
    }


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    firehose_event = KinesisFirehoseEvent(event)
    raw_records = list(firehose_event.raw_event.get("records") or [])
    tally = MetricsTally()
    answers = answer_records(
        [(str(r.get("recordId", "")), r.get("data")) for r in raw_records], tally
    )

    results: Counter[str] = Counter()
    for answer in answers:
        results[answer.result] += 1
        if answer.result == FAILED:
            logger.warning(
                "record failed", extra={"record_id": answer.record_id, "reason": answer.reason}
            )

    for result, count in results.items():
        metrics.add_metric(name=f"Records{result}", unit=MetricUnit.Count, value=count)
    try:
        emit_reputation_metrics(tally.as_dict(), PIPELINE)
    except Exception as exc:  # noqa: BLE001 - metrics must never fail a transformed batch
        logger.error("reputation metrics not emitted", extra={"error": exc.__class__.__name__})
    logger.info(
        "batch transformed",
        extra={
            "records": len(answers),
            "ok": results[OK],
            "dropped": results[DROPPED],
            "failed": results[FAILED],
            "invocation_id": firehose_event.invocation_id,
        },
    )
    return {"records": [a.entry for a in answers]}
