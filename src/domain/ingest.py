"""From one queued message body to applied suppression changes.

A body is either an SNS envelope (SQS subscribed to SNS without raw delivery), or the SES
JSON itself (raw message delivery, Firehose records, replayed archives). Outcomes:
- applied: an SES record we understood (it may have changed nothing);
- skipped: acknowledged on purpose (SES's topic-validation text, event types we do not know);
- MalformedEventError: the record cannot be processed and must go somewhere replayable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import orjson

from domain.events import (
    SES_VALIDATION_MESSAGE,
    FeedbackEvent,
    MalformedEventError,
    parse_feedback,
)
from domain.policy import is_relevant
from domain.service import ApplyResult, SuppressionService


@dataclass(frozen=True, slots=True)
class IngestResult:
    status: Literal["applied", "skipped"]
    detail: str  # event type, or why it was skipped
    event: FeedbackEvent | None = None
    applied: ApplyResult | None = None


def decode_ses_payload(text: str | bytes) -> Mapping[str, Any] | str:
    """Return the SES JSON object inside `text`, or the plain-text SNS message when the
    message is not JSON (the caller decides whether that text is expected)."""
    outer = _loads(text, "message body")
    if not isinstance(outer, Mapping):
        raise MalformedEventError("message body is not a JSON object")
    if _is_sns_envelope(outer):
        message = outer.get("Message")
        if not isinstance(message, str):
            raise MalformedEventError("SNS envelope has no Message string")
        try:
            inner = orjson.loads(message)
        except orjson.JSONDecodeError:
            return message
        if not isinstance(inner, Mapping):
            raise MalformedEventError("SNS Message is JSON but not an object")
        return inner
    return outer


def ingest_text(text: str | bytes, service: SuppressionService, source: str) -> IngestResult:
    if _is_validation_text(text):  # raw message delivery passes the text as the body
        return IngestResult("skipped", "ses-topic-validation")
    payload = decode_ses_payload(text)
    if isinstance(payload, str):
        if _is_validation_text(payload):
            return IngestResult("skipped", "ses-topic-validation")
        raise MalformedEventError("SNS Message is not JSON")
    return ingest_payload(payload, service, source)


def ingest_payload(
    payload: Mapping[str, Any], service: SuppressionService, source: str
) -> IngestResult:
    event = parse_feedback(payload, source=source)
    if not event.known:
        return IngestResult("skipped", f"unknown-event-type:{event.event_type[:40]}", event)
    return IngestResult("applied", event.event_type, event, service.apply_event(event))


def _is_validation_text(text: str | bytes) -> bool:
    if text[:1] in (b"{", "{"):  # JSON: the common case, decided without decoding
        return False
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return text.strip() == SES_VALIDATION_MESSAGE


def _is_sns_envelope(obj: Mapping[str, Any]) -> bool:
    return obj.get("Type") == "Notification" and "Message" in obj and "TopicArn" in obj


def _loads(text: str | bytes, what: str) -> Any:
    try:
        return orjson.loads(text)
    except (orjson.JSONDecodeError, TypeError) as exc:
        raise MalformedEventError(f"{what} is not JSON ({exc.__class__.__name__})") from exc


def relevant_addresses(texts: Iterable[str | bytes]) -> set[str]:
    """Addresses whose records a batch of bodies may change (for one read-ahead). Bodies that
    cannot be read are skipped here; processing reports them."""
    addresses: set[str] = set()
    for text in texts:
        try:
            payload = decode_ses_payload(text)
            if isinstance(payload, str):
                continue
            event = parse_feedback(payload)
        except MalformedEventError:
            continue
        addresses.update(o.address for o in event.outcomes if is_relevant(o))
    return addresses
