"""InboundFunction: mail received by SES, stored in S3 by the receipt rule's S3 action.

Three envelopes name the stored message (docs/inbound.md):

- the SES Lambda action (``eventSource: aws:ses``), run after the S3 action: the object key
  is the configured prefix + ``mail.messageId``;
- S3 ``ObjectCreated`` notifications (keys are URL-encoded);
- the SNS notification of the S3 action (``notificationType: Received``, action type S3).

The object SES writes when a rule is created (``AMAZON_SES_SETUP_NOTIFICATION``) is ignored.
All three invoke asynchronously: a record that cannot be processed is recorded, the others go
on, and the invocation then raises so Lambda retries it and finally hands it to the
on-failure destination (the inbound DLQ). Re-processing is idempotent.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import unquote_plus

import orjson
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

# What the first request uses, loaded at init though imported lazily where it is used.
import adapters.inbound_rate_limit
import adapters.inbound_repository
import adapters.mail_store
import adapters.return_path_keys
import adapters.suppression_repository  # noqa: F401
from adapters import factory
from adapters.inbound_settings import InboundSettings
from domain.addresses import normalise_all
from domain.events import parse_timestamp
from domain.inbound import (
    SETUP_NOTIFICATION,
    InboundNotice,
    Location,
    MailUnavailableError,
    verdicts_from_receipt,
)

logger = Logger()
metrics = Metrics()


class UnsupportedEventError(ValueError):
    """The invocation is not an SES, S3 or SNS event."""


class InboundProcessingError(RuntimeError):
    """Some records could not be processed (the others were); Lambda retries the event."""

    def __init__(self, failed_records: list[str]) -> None:
        super().__init__(f"{len(failed_records)} inbound record(s) could not be processed")
        self.failed_records = failed_records


class _BadRecord(ValueError):
    pass


# One entry per record: (identifier for logs/failures, notice or None when ignored, or the
# reason the record is unusable).
_Entry = tuple[str, InboundNotice | None, str | None]


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Mapping[str, object]:
    cfg = factory.inbound_settings()
    service = factory.inbound_service()
    counts: Counter[str] = Counter()
    failures: list[str] = []
    for record_id, notice, problem in _entries(event, cfg):
        if problem is not None:
            logger.warning(
                "inbound record rejected", extra={"record": record_id, "reason": problem}
            )
            failures.append(record_id)
            continue
        if notice is None:
            counts["ignored"] += 1
            metrics.add_metric(name="InboundIgnored", unit=MetricUnit.Count, value=1)
            logger.info("setup notification ignored", extra={"record": record_id})
            continue
        try:
            result = service.process(notice)
        except MailUnavailableError as exc:
            logger.warning(
                "stored message not readable",
                extra={"message_id": notice.message_id, "reason": exc.reason},
            )
            metrics.add_metric(name="InboundUnreadable", unit=MetricUnit.Count, value=1)
            failures.append(record_id)
            continue
        counts[result.status] += 1
        _record_metrics(result.status, result.kind, len(result.newly_suppressed))
        if result.rate_limited:
            metrics.add_metric(
                name="InboundRateLimited", unit=MetricUnit.Count, value=result.rate_limited
            )
        logger.info(
            "inbound message processed",
            extra={
                "message_id": result.message_id,
                "source": notice.source,
                "status": result.status,
                "kind": result.kind,
                "outcomes": result.outcomes,
                "newly_suppressed": len(result.newly_suppressed),
                "rate_limited": result.rate_limited,
                "note": result.note,
                "error": result.error,
            },
        )
    if failures:
        raise InboundProcessingError(failures)
    return dict(counts)


def _record_metrics(status: str, kind: str | None, suppressed: int) -> None:
    if status != "recorded" or kind is None:
        metrics.add_metric(name="InboundDuplicates", unit=MetricUnit.Count, value=1)
        return
    name = "Inbound" + "".join(w.capitalize() for w in kind.split("-"))
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
    if suppressed:
        metrics.add_metric(name="SuppressionsAdded", unit=MetricUnit.Count, value=suppressed)


def _entries(event: Mapping[str, Any], cfg: InboundSettings) -> Iterator[_Entry]:
    records = event.get("Records") if isinstance(event, Mapping) else None
    if not isinstance(records, list) or not records or not isinstance(records[0], dict):
        raise UnsupportedEventError("expected an SES, S3 or SNS event with Records")
    first = records[0]
    if first.get("eventSource") == "aws:ses":
        for record in records:
            yield _guard("ses", record, lambda r: _from_ses(r, cfg))
    elif first.get("eventSource") == "aws:s3":
        for record in records:
            yield _guard("s3", record, lambda r: _from_s3(r, cfg))
    elif first.get("EventSource") == "aws:sns":
        for record in records:
            yield _guard("sns", record, _from_sns)
    else:
        raise UnsupportedEventError("expected an SES, S3 or SNS event")


def _guard(source: str, raw: Mapping[str, Any], read: Any) -> _Entry:
    try:
        record_id, notice = read(raw)
    except (_BadRecord, KeyError, TypeError, ValueError, AttributeError) as exc:
        return _record_id(source, raw), None, f"{type(exc).__name__}: {exc}"[:300]
    return record_id, notice, None


def _record_id(source: str, raw: Mapping[str, Any]) -> str:
    try:
        if source == "ses":
            return str(raw["ses"]["mail"]["messageId"])
        if source == "s3":
            return str(raw["s3"]["object"]["key"])
        return str(raw["Sns"]["MessageId"])
    except (KeyError, TypeError):
        return f"{source}:unidentified"


def _from_ses(raw: Mapping[str, Any], cfg: InboundSettings) -> tuple[str, InboundNotice | None]:
    ses = raw["ses"]
    message_id = _message_id(ses["mail"].get("messageId"))
    if message_id == SETUP_NOTIFICATION:
        return message_id, None
    receipt = ses.get("receipt") or {}
    return message_id, InboundNotice(
        message_id=message_id,
        location=Location(cfg.bucket, cfg.object_prefix + message_id),
        source="ses",
        recipients=normalise_all(receipt.get("recipients")),
        timestamp=parse_timestamp(receipt.get("timestamp") or ses["mail"].get("timestamp")),
        verdicts=verdicts_from_receipt(receipt),
    )


def _from_s3(raw: Mapping[str, Any], cfg: InboundSettings) -> tuple[str, InboundNotice | None]:
    key = unquote_plus(str(raw["s3"]["object"]["key"]))
    bucket = str(raw["s3"]["bucket"]["name"])
    name = key[len(cfg.object_prefix) :] if key.startswith(cfg.object_prefix) else key
    message_id = name.rsplit("/", 1)[-1]
    if message_id == SETUP_NOTIFICATION or not str(raw.get("eventName", "")).startswith(
        "ObjectCreated"
    ):
        return key, None
    return key, InboundNotice(
        message_id=_message_id(message_id),
        location=Location(bucket, key),
        source="s3",
        timestamp=parse_timestamp(raw.get("eventTime")),
    )


def _from_sns(raw: Mapping[str, Any]) -> tuple[str, InboundNotice | None]:
    record_id = str(raw["Sns"]["MessageId"])
    payload = orjson.loads(raw["Sns"]["Message"])
    if not isinstance(payload, dict) or payload.get("notificationType") != "Received":
        raise _BadRecord("not an SES Received notification")
    mail = payload.get("mail") or {}
    receipt = payload.get("receipt") or {}
    action = receipt.get("action") or {}
    message_id = _message_id(mail.get("messageId"))
    if message_id == SETUP_NOTIFICATION:
        return record_id, None
    if action.get("type") != "S3":
        raise _BadRecord(f"receipt action {action.get('type')!r} does not store the message in S3")
    return record_id, InboundNotice(
        message_id=message_id,
        location=Location(str(action["bucketName"]), str(action["objectKey"])),
        source="sns",
        recipients=normalise_all(receipt.get("recipients")),
        timestamp=parse_timestamp(receipt.get("timestamp") or mail.get("timestamp")),
        verdicts=verdicts_from_receipt(receipt),
    )


def _message_id(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 500:
        raise _BadRecord("no usable message id")
    return value.strip()
