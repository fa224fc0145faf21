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

`replay_archive` is the use case: every object of an archive (the port below; the adapter
is adapters/archive.py), read in order, its outcomes applied in batches.
"""

from __future__ import annotations

import binascii
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal, Protocol, TypeVar

import orjson

from domain.analytics import OK, is_analytics_row, outcomes_from_row, transform_record
from domain.events import MalformedEventError, RecipientOutcome, parse_feedback
from domain.ingest import decode_ses_payload
from domain.service import ApplyResult, SuppressionService

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


# --- the use case -----------------------------------------------------------------------------

APPLY_BATCH = 1000


class ArchivedObject(Protocol):
    @property
    def size(self) -> int: ...


ObjectT = TypeVar("ObjectT", bound=ArchivedObject)


class Archive(Protocol[ObjectT]):
    """Where archived feedback is read from (adapters/archive.py: local files, S3)."""

    def list(self, since: date | None = None) -> Sequence[ObjectT]:
        """The objects to read; with `since`, those dated before it are left out."""

    def read(self, obj: ObjectT, /) -> bytes:
        """The object's bytes, decompressed."""


class ReplayProgress(Protocol):
    def start(self, total_bytes: int, total_objects: int) -> None: ...

    def update(self, done_bytes: int, done_objects: int, events: int) -> None: ...


@dataclass
class ReplaySummary:
    objects: int = 0
    bytes: int = 0
    documents: Counter[str] = field(default_factory=Counter)
    before_since: int = 0
    applied: ApplyResult = field(default_factory=ApplyResult)
    error: str | None = None


def replay_archive(
    archive: Archive[ObjectT],
    service: SuppressionService,
    *,
    since: datetime | None = None,
    progress: ReplayProgress | None = None,
) -> ReplaySummary:
    """Apply every outcome found in `archive` through `service`, `APPLY_BATCH` at a time.
    A failure stops the replay and is reported in the summary with what was done so far
    (re-running is safe: the policy is idempotent)."""
    summary = ReplaySummary()
    objects = archive.list(since.date() if since else None)
    if progress is not None:
        progress.start(sum(o.size for o in objects), len(objects))
    pending: list[RecipientOutcome] = []
    events = 0

    def flush() -> None:
        if pending:
            summary.applied.add(service.apply_outcomes(pending))
            pending.clear()

    try:
        for obj in objects:
            data = archive.read(obj)
            for document in iter_documents(data):
                for item in items_of(document):
                    summary.documents[item.kind] += 1
                    if not item.outcomes and item.kind not in ("analytics", "ses"):
                        continue
                    if since and item.occurred_at and item.occurred_at < since:
                        summary.before_since += 1
                        continue
                    events += 1
                    pending.extend(item.outcomes)
                    if len(pending) >= APPLY_BATCH:
                        flush()
            summary.objects += 1
            summary.bytes += obj.size
            if progress is not None:
                progress.update(summary.bytes, summary.objects, events)
        flush()
    except Exception as exc:  # noqa: BLE001 - report what was done; a re-run is safe
        summary.error = f"{exc.__class__.__name__}: {exc}"
    return summary
