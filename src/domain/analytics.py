"""The analytics archive: one flat JSON line per SES event (docs/analytics.md).

`transform_record` turns the bytes of one Firehose record (SES appends a newline; a record
may also hold several newline-separated objects) into parsed events and their analytics
rows, through the same decoding and normalising code as the SNS path
(`decode_ses_payload` + `parse_feedback`).

Each row keeps, besides the reporting columns, what the suppression policy needs about each
recipient (`recipients[]`), so `outcomes_from_row` rebuilds the exact outcomes and the
archive can be replayed (cli/replay.py) without a second copy of the raw records.

Column names are a contract (Athena tables, dashboards): add columns, never rename or
change the meaning of one; bump `SCHEMA_VERSION` when a change is not purely additive.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final, Literal, NamedTuple

import orjson

from domain.event_types import KNOWN_EVENT_TYPES
from domain.events import (
    SES_VALIDATION_MESSAGE,
    FeedbackEvent,
    MalformedEventError,
    RecipientOutcome,
    parse_feedback,
)
from domain.ingest import decode_ses_payload
from domain.metrics_plan import outcome_metric_name
from domain.policy import DIAGNOSTIC_LIMIT
from domain.scopes import GLOBAL_SCOPE
from domain.times import iso
from domain.verdicts import Classification, Verdict

SCHEMA_VERSION: Final = 1

# Top-level columns, in output order. `recipients` holds RECIPIENT_COLUMNS objects.
COLUMNS: Final = (
    "schema_version",
    "event_type",
    "known_type",
    "event_at",
    "event_date",
    "mail_at",
    "message_id",
    "configuration_set",
    "sending_account_id",
    "from_domain",
    "outgoing_ip",
    "source",
    "feedback_id",
    "bounce_type",
    "bounce_sub_type",
    "complaint_feedback_type",
    "delay_type",
    "reject_reason",
    "recipient_count",
    "skipped_recipients",
    "hard_bounces",
    "soft_bounces",
    "sender_problem_bounces",
    "complaints",
    "tags",
    "recipients",
)
RECIPIENT_COLUMNS: Final = (
    "address",
    "domain",
    "event_id",
    "reason",
    "verdict",
    "status",
    "reply_code",
    "diagnostic",
    "scope",
)

# Firehose dynamic-partitioning keys (template.yaml uses !{partitionKeyFromLambda:<key>}).
PARTITION_EVENT_TYPE: Final = "event_type"
PARTITION_DATE: Final = "dt"
MIXED_PARTITION: Final = "mixed"
UNKNOWN_PARTITION: Final = "unknown"

_PARTITION_SAFE = re.compile(r"[^a-z0-9_-]")
_VALIDATION_BYTES: Final = SES_VALIDATION_MESSAGE.encode()


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


_COUNT_COLUMNS: Final = {
    "HardBounces": "hard_bounces",
    "SoftBounces": "soft_bounces",
    "SenderProblemBounces": "sender_problem_bounces",
    "Complaints": "complaints",
}
# Every row starts as a copy of this (column order, nulls, zero counts), then only the
# columns that apply are set: cheaper than building 25 keys with conditionals each time.
_ROW_TEMPLATE: Final[dict[str, Any]] = {
    **dict.fromkeys(COLUMNS),
    "schema_version": SCHEMA_VERSION,
    **dict.fromkeys(_COUNT_COLUMNS.values(), 0),
}


def analytics_row(event: FeedbackEvent, payload: Mapping[str, Any], source: str) -> dict[str, Any]:
    """The flat row for one parsed event (`payload` is the SES JSON it came from)."""
    mail = payload.get("mail")
    if type(mail) is not dict:
        mail = {}
    detail = event.detail
    event_type = event.event_type
    tags = mail.get("tags")
    occurred = _event_at(event, detail, mail)
    row = _ROW_TEMPLATE.copy()
    row["event_type"] = event_type
    row["known_type"] = event.known
    row["event_at"] = occurred
    row["event_date"] = occurred[:10]
    row["mail_at"] = _str(mail.get("timestamp"))
    row["message_id"] = event.message_id
    row["configuration_set"] = event.configuration_set
    row["sending_account_id"] = _str(mail.get("sendingAccountId"))
    row["from_domain"] = _from_domain(mail, tags)
    row["outgoing_ip"] = _first_tag(tags, "ses:outgoing-ip")
    row["source"] = source
    outcomes = event.outcomes
    row["recipient_count"] = len(outcomes) + event.skipped_recipients
    row["skipped_recipients"] = event.skipped_recipients
    row["tags"] = _custom_tags(tags)
    recipients = []
    for outcome in outcomes:
        name = outcome_metric_name(outcome)
        if name is not None:
            row[_COUNT_COLUMNS[name]] += 1
        c = outcome.classification
        address = outcome.address
        recipients.append(
            {
                "address": address,
                "domain": address.rpartition("@")[2],
                "event_id": outcome.event_id,
                "reason": c.reason,
                "verdict": c.verdict,  # a StrEnum: orjson writes its value
                "status": c.status,
                "reply_code": c.reply_code,
                "diagnostic": c.diagnostic[:DIAGNOSTIC_LIMIT] if c.diagnostic else None,
                # what mail the outcome concerns (global, or a list/topic for Subscription
                # events), so a replay rebuilds a scoped unsubscribe as scoped
                "scope": outcome.scope,
            }
        )
    row["recipients"] = recipients
    if detail:  # Send, Open, Click, ... have nothing more
        row["feedback_id"] = outcomes[0].feedback_id if outcomes else _str(detail.get("feedbackId"))
        if event_type == "Bounce":
            row["bounce_type"] = _str(detail.get("bounceType"))
            row["bounce_sub_type"] = _str(detail.get("bounceSubType"))
        elif event_type == "Complaint":
            row["complaint_feedback_type"] = _str(detail.get("complaintFeedbackType"))
        elif event_type == "DeliveryDelay":
            row["delay_type"] = _str(detail.get("delayType"))
        elif event_type == "Reject":
            row["reject_reason"] = _str(detail.get("reason"))
    return row


def _event_at(event: FeedbackEvent, detail: Mapping[str, Any], mail: Mapping[str, Any]) -> str:
    """`occurred_at` as ISO text. SES writes `2017-08-05T00:41:02.669Z`, which is exactly
    what formatting the parsed time gives, so the source text is reused when it has that
    shape (formatting a datetime costs more than the rest of the row)."""
    raw = detail.get("timestamp") or mail.get("timestamp")
    if type(raw) is str and len(raw) == 24 and raw[23] == "Z" and raw[19] == ".":
        return raw
    return iso(event.occurred_at)


def _first_tag(tags: Any, name: str) -> str | None:
    """The first value of one of SES's tags (each is a list of strings), if present."""
    if isinstance(tags, dict):
        values = tags.get(name)
        if isinstance(values, list) and values and isinstance(values[0], str):
            return values[0]
    return None


def _from_domain(mail: Mapping[str, Any], tags: Any) -> str | None:
    if isinstance(tags, dict):
        values = tags.get("ses:from-domain")
        if isinstance(values, list) and values and isinstance(values[0], str):
            return values[0].lower()
    source = mail.get("source")
    if isinstance(source, str) and "@" in source:
        return source.rpartition("@")[2].rstrip(">").strip().lower() or None
    return None


# SES's own tags (reference/ses.md §1); any other `ses:` tag is also left out, more slowly.
_SES_TAGS: Final = frozenset(
    {
        "ses:configuration-set",
        "ses:source-ip",
        "ses:from-domain",
        "ses:caller-identity",
        "ses:outgoing-ip",
        "ses:operation",
        "ses:source-tls-version",
        "ses:outgoing-tls-version",
    }
)


def _custom_tags(tags: Any) -> dict[str, str]:
    """The sender's own message tags (first value each); SES's `ses:*` tags are left out
    (their useful parts have columns; source IPs and caller identities are not analytics)."""
    if type(tags) is not dict:
        return {}
    out: dict[str, str] = {}
    # A C-level set difference (most keys are SES's), sorted: a set's order changes between
    # processes, and the same event must give the same bytes in every container.
    for key in sorted(tags.keys() - _SES_TAGS):
        values = tags[key]
        if type(values) is list and values and type(values[0]) is str and key[:4] != "ses:":
            out[key] = values[0]
    return out


def outcomes_from_row(row: Mapping[str, Any]) -> list[RecipientOutcome]:
    """The outcomes an analytics row was built from (what the policy needs of them)."""
    try:
        event_type = row["event_type"]
        occurred_at = datetime.fromisoformat(row["event_at"].replace("Z", "+00:00"))
        recipients = row["recipients"]
        if not isinstance(event_type, str) or not isinstance(recipients, list):
            raise TypeError("event_type or recipients has the wrong type")
        keeps_feedback = event_type in ("Bounce", "Complaint")
        outcomes = []
        for rec in recipients:
            outcomes.append(
                RecipientOutcome(
                    address=rec["address"],
                    event_type=event_type,
                    event_id=rec["event_id"],
                    occurred_at=occurred_at,
                    classification=Classification(
                        reason=rec["reason"],
                        verdict=Verdict(rec["verdict"]),
                        status=rec.get("status"),
                        reply_code=rec.get("reply_code"),
                        diagnostic=rec.get("diagnostic"),
                    ),
                    message_id=row.get("message_id"),
                    feedback_id=row.get("feedback_id") if keeps_feedback else None,
                    bounce_type=row.get("bounce_type"),
                    bounce_sub_type=row.get("bounce_sub_type"),
                    feedback_type=row.get("complaint_feedback_type"),
                    configuration_set=row.get("configuration_set"),
                    source=str(row.get("source") or "replay"),
                    # rows written before scopes hold only global outcomes
                    scope=str(rec.get("scope") or GLOBAL_SCOPE),
                )
            )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise MalformedEventError(
            f"analytics row is incomplete ({exc.__class__.__name__})"
        ) from exc
    return outcomes


def is_analytics_row(obj: Mapping[str, Any]) -> bool:
    return "schema_version" in obj and "recipients" in obj and "event_at" in obj


def partition_value(event_type: str, known: bool) -> str:
    if not known:
        return UNKNOWN_PARTITION
    value = _PARTITION_VALUES.get(event_type)
    return value if value is not None else _PARTITION_SAFE.sub("_", event_type.lower())


_PARTITION_VALUES: Final = {
    name: _PARTITION_SAFE.sub("_", name.lower()) for name in KNOWN_EVENT_TYPES
}


# --- Firehose records ---------------------------------------------------------------------


class ParsedEvent(NamedTuple):  # NamedTuples: built once per record, the cheapest to build
    event: FeedbackEvent
    row: dict[str, Any]


class RecordTransform(NamedTuple):
    """What to answer for one Firehose record."""

    result: Literal["Ok", "Dropped", "ProcessingFailed"]
    events: tuple[ParsedEvent, ...] = ()
    reason: str = ""  # why a record was dropped or failed (never its content)

    def data(self) -> bytes:
        """The transformed payload: one JSON line per event."""
        if len(self.events) == 1:
            return orjson.dumps(self.events[0].row, option=orjson.OPT_APPEND_NEWLINE)
        return b"".join(orjson.dumps(p.row, option=orjson.OPT_APPEND_NEWLINE) for p in self.events)

    def partition_keys(self) -> dict[str, str]:
        first = self.events[0]
        kind = partition_value(first.event.event_type, first.event.known)
        for other in self.events[1:]:
            if partition_value(other.event.event_type, other.event.known) != kind:
                kind = MIXED_PARTITION
                break
        return {PARTITION_EVENT_TYPE: kind, PARTITION_DATE: first.row["event_date"]}


OK: Final = "Ok"
DROPPED: Final = "Dropped"
FAILED: Final = "ProcessingFailed"


def transform_record(data: bytes, source: str = "firehose") -> RecordTransform:
    """Decode and normalise one Firehose record. Never raises for bad content."""
    # The common record is one JSON object plus SES's newline: parse it as it is (JSON
    # allows the trailing whitespace), without copying it to strip or split.
    if data.find(b"\n", 0, len(data) - 1) == -1:
        return _one_document(data, source)
    events: list[ParsedEvent] = []
    for line in data.split(b"\n"):
        if not line.strip():
            continue
        part = _one_document(line, source)
        if part.result == FAILED:
            # The record goes whole to processing-failed/; a replay re-applies all its
            # events, which is harmless since the policy is idempotent.
            return part
        events.extend(part.events)
    if not events:
        return RecordTransform(DROPPED, reason="no SES event in record")
    return RecordTransform(OK, tuple(events))


def _one_document(body: bytes, source: str) -> RecordTransform:
    if body[:1] != b"{":  # rare: decide here so the common path parses once
        body = body.strip()
        if not body:
            return RecordTransform(DROPPED, reason="empty record")
        if body == _VALIDATION_BYTES:
            return RecordTransform(DROPPED, reason="ses-topic-validation")
        try:
            value = orjson.loads(body)
        except orjson.JSONDecodeError:
            return RecordTransform(FAILED, reason="record is not JSON")
        if not isinstance(value, dict):
            return RecordTransform(DROPPED, reason="not an SES event (JSON but not an object)")
    try:
        payload = decode_ses_payload(body)
    except MalformedEventError as exc:
        return RecordTransform(FAILED, reason=str(exc))
    if isinstance(payload, str):
        if payload.strip() == SES_VALIDATION_MESSAGE:
            return RecordTransform(DROPPED, reason="ses-topic-validation")
        return RecordTransform(FAILED, reason="SNS Message is not JSON")
    if "eventType" not in payload and "notificationType" not in payload:
        return RecordTransform(DROPPED, reason="not an SES event (no eventType/notificationType)")
    try:
        event = parse_feedback(payload, source=source)
    except MalformedEventError as exc:
        return RecordTransform(FAILED, reason=str(exc))
    return RecordTransform(OK, (ParsedEvent(event, analytics_row(event, payload, source)),))
