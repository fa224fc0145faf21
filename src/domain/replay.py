"""What an archived document says: the outcomes `ses-feedback replay` re-applies.

A replayed file holds JSON documents (one per file, a JSON array, or one per line, possibly
gzip-compressed by Firehose; the adapter decompresses). Each document is one of:
- an analytics row (the Firehose output, domain/analytics.py): its outcomes are rebuilt
  from `recipients[]`, exactly as they were first applied;
- a Firehose error record from `processing-failed/` (`rawData` is the base64 of the original
  record): decoded and normalised like a live Firehose record;
- SES JSON (either format), or an SNS envelope of it;
- a Lambda SQS/SNS event (`Records[]`), e.g. messages saved from the dead-letter queue.
Anything else is counted as skipped; unreadable documents are counted as malformed. The
suppression policy is idempotent and order-safe, so replaying twice changes nothing.
"""

from __future__ import annotations

import binascii
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import orjson

from domain.analytics import OK, is_analytics_row, outcomes_from_row, transform_record
from domain.events import MalformedEventError, RecipientOutcome, parse_feedback
from domain.ingest import decode_ses_payload

REPLAY_SOURCE = "replay"


ReplayKind = Literal["analytics", "processing-failed", "ses", "skipped", "malformed"]


@dataclass(frozen=True, slots=True)
class ReplayItem:
    kind: ReplayKind
    occurred_at: datetime | None = None
    outcomes: tuple[RecipientOutcome, ...] = ()
    reason: str = ""


class _Malformed:
    def __init__(self, reason: str) -> None:
        self.reason = reason


def iter_documents(data: bytes) -> Iterator[Any]:
    """JSON documents in a file: a single document (an array counts as its items), or one
    per line. An unreadable line yields a marker the caller counts as malformed."""
    try:
        whole = orjson.loads(data)
    except orjson.JSONDecodeError:
        pass
    else:
        if isinstance(whole, list):
            yield from whole
        else:
            yield whole
        return
    for line in data.split(b"\n"):
        if not line.strip():
            continue
        try:
            yield orjson.loads(line)
        except orjson.JSONDecodeError:
            yield _Malformed("line is not JSON")


def items_of(document: Any) -> Iterator[ReplayItem]:
    """The replay items in one decoded document (a Lambda event holds several)."""
    if isinstance(document, _Malformed):
        yield ReplayItem("malformed", reason=document.reason)
        return
    if not isinstance(document, dict):
        yield ReplayItem("skipped", reason="not a JSON object")
        return
    if is_analytics_row(document):
        try:
            outcomes = outcomes_from_row(document)
            at = datetime.fromisoformat(str(document["event_at"]).replace("Z", "+00:00"))
        except (MalformedEventError, ValueError) as exc:
            yield ReplayItem("malformed", reason=str(exc))
            return
        yield ReplayItem("analytics", at, tuple(outcomes))
        return
    if "rawData" in document and "errorCode" in document:
        yield from _processing_failed(document)
        return
    records = document.get("Records")
    if isinstance(records, list):
        for record in records:
            body = _lambda_record_body(record)
            if body is None:
                yield ReplayItem("skipped", reason="Lambda record without a body")
            else:
                yield _from_text(body.encode())
        return
    yield _from_payload(document)


def _processing_failed(document: Mapping[str, Any]) -> Iterator[ReplayItem]:
    try:
        raw = binascii.a2b_base64(str(document["rawData"]), strict_mode=True)
    except (binascii.Error, ValueError):
        yield ReplayItem("malformed", reason="rawData is not base64")
        return
    transform = transform_record(raw, REPLAY_SOURCE)
    if transform.result != OK:
        kind: ReplayKind = "skipped" if transform.result == "Dropped" else "malformed"
        yield ReplayItem(kind, reason=transform.reason)
        return
    for parsed in transform.events:
        yield ReplayItem("processing-failed", parsed.event.occurred_at, parsed.event.outcomes)


def _lambda_record_body(record: Any) -> str | None:
    if not isinstance(record, dict):
        return None
    body = record.get("body")  # SQS
    if isinstance(body, str):
        return body
    sns = record.get("Sns")  # direct SNS
    if isinstance(sns, dict) and isinstance(sns.get("Message"), str):
        return str(sns["Message"])
    return None


def _from_text(text: bytes) -> ReplayItem:
    try:
        payload = decode_ses_payload(text)
    except MalformedEventError as exc:
        return ReplayItem("malformed", reason=str(exc))
    if isinstance(payload, str):
        return ReplayItem("skipped", reason="SNS message is not JSON")
    return _from_payload(payload)


def _from_payload(payload: Mapping[str, Any]) -> ReplayItem:
    if "Type" in payload and "Message" in payload:  # an SNS envelope (HTTP or SQS body)
        return _from_text(orjson.dumps(payload))
    if "eventType" not in payload and "notificationType" not in payload:
        return ReplayItem("skipped", reason="not an SES event")
    try:
        event = parse_feedback(payload, source=REPLAY_SOURCE)
    except MalformedEventError as exc:
        return ReplayItem("malformed", reason=str(exc))
    if not event.known:
        return ReplayItem("skipped", event.occurred_at, reason="unknown event type")
    return ReplayItem("ses", event.occurred_at, event.outcomes)
