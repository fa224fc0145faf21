"""FirehoseTransformFunction: the Firehose data-transformation Lambda for SES events.

Firehose (Direct PUT from the configuration set's second event destination) calls this
function synchronously with up to a few MB of base64 records. For each record, in order:
- `Ok`: one flat analytics line per SES event (domain/analytics.py), with partition keys
  `event_type` and `dt` for the S3 prefix (dynamic partitioning);
- `Dropped`: not an SES event (valid JSON without eventType/notificationType, the SES
  topic-validation text, an empty record);
- `ProcessingFailed`: unreadable (bad base64, not JSON, malformed SES record), or its
  suppression changes could not be stored. Firehose writes it to `processing-failed/` in the
  archive bucket, and `ses-feedback replay` re-applies it from there.
All outcomes of the batch are applied in one `SuppressionService.apply_outcomes` call.
"""

from __future__ import annotations

import base64
import binascii
from collections import Counter
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import (
    KinesisFirehoseDataTransformationRecord,
    KinesisFirehoseDataTransformationRecordMetadata,
    KinesisFirehoseDataTransformationResponse,
    KinesisFirehoseEvent,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from adapters import factory
from adapters.emf import emit_reputation_metrics
from domain.analytics import DROPPED, FAILED, OK, RecordTransform, transform_record
from domain.metrics_plan import MetricsTally
from domain.policy import is_relevant

logger = Logger()
metrics = Metrics()

PIPELINE = "firehose"


def _transform(data: str) -> RecordTransform:
    try:
        raw = binascii.a2b_base64(data, strict_mode=True)
    except (binascii.Error, ValueError, TypeError):
        return RecordTransform(FAILED, reason="record data is not base64")
    return transform_record(raw, PIPELINE)


def _apply(transforms: list[RecordTransform], tally: MetricsTally) -> list[RecordTransform]:
    """Apply every outcome of the batch at once. If the store fails, the records that carry
    suppression-relevant outcomes become ProcessingFailed (replayable from
    processing-failed/); the others stay Ok (docs/decisions.md)."""
    outcomes = [o for t in transforms if t.result == OK for p in t.events for o in p.event.outcomes]
    if not outcomes:
        return transforms
    try:
        applied = factory.suppression_service().apply_outcomes(outcomes)
    except Exception as exc:  # noqa: BLE001 - any store failure: fail the affected records only
        reason = f"suppression store failed: {exc.__class__.__name__}"
        logger.error("suppression changes not stored", extra={"error": exc.__class__.__name__})
        metrics.add_metric(name="SuppressionApplyFailures", unit=MetricUnit.Count, value=1)
        return [
            RecordTransform(FAILED, reason=reason)
            if t.result == OK and any(is_relevant(o) for p in t.events for o in p.event.outcomes)
            else t
            for t in transforms
        ]
    tally.add_suppressions(applied.newly_suppressed, outcomes)
    logger.info(
        "suppression changes applied",
        extra={
            "outcomes": applied.outcomes,
            "relevant": applied.relevant,
            "written": applied.written,
            "conflicts": applied.conflicts,
            "newly_suppressed": len(applied.newly_suppressed),
        },
    )
    return transforms


def _response_record(
    record_id: str, data: str, transform: RecordTransform
) -> KinesisFirehoseDataTransformationRecord:
    if transform.result != OK:
        # Firehose keeps the original data for ProcessingFailed records (processing-failed/).
        return KinesisFirehoseDataTransformationRecord(
            record_id=record_id,
            result=FAILED if transform.result == FAILED else DROPPED,
            data=data,
        )
    return KinesisFirehoseDataTransformationRecord(
        record_id=record_id,
        result=OK,
        data=base64.b64encode(transform.data()).decode("ascii"),
        metadata=KinesisFirehoseDataTransformationRecordMetadata(
            partition_keys=transform.partition_keys()
        ),
    )


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    firehose_event = KinesisFirehoseEvent(event)
    raw_records = list(firehose_event.raw_event.get("records") or [])
    ids_and_data = [(str(r.get("recordId", "")), r.get("data")) for r in raw_records]
    transforms = [_transform(data) for _, data in ids_and_data]

    tally = MetricsTally()
    for t in transforms:
        if t.result == OK:
            for parsed in t.events:
                tally.add_event(parsed.event)
    transforms = _apply(transforms, tally)

    response = KinesisFirehoseDataTransformationResponse()
    results: Counter[str] = Counter()
    for (record_id, data), transform in zip(ids_and_data, transforms, strict=True):
        results[transform.result] += 1
        if transform.result == FAILED:
            logger.warning(
                "record failed", extra={"record_id": record_id, "reason": transform.reason}
            )
        response.add_record(_response_record(record_id, data or "", transform))

    for result, count in results.items():
        metrics.add_metric(name=f"Records{result}", unit=MetricUnit.Count, value=count)
    try:
        emit_reputation_metrics(tally.as_dict(), PIPELINE)
    except Exception as exc:  # noqa: BLE001 - metrics must never fail a batch already applied
        logger.error("reputation metrics not emitted", extra={"error": exc.__class__.__name__})
    logger.info(
        "batch transformed",
        extra={
            "records": len(transforms),
            "ok": results[OK],
            "dropped": results[DROPPED],
            "failed": results[FAILED],
            "invocation_id": firehose_event.invocation_id,
        },
    )
    if not raw_records:
        return {"records": []}
    return response.asdict()
