"""The InboundTable item: a public contract (docs/inbound.md). Pure mapping, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

from domain.inbound.service import InboundRecord
from domain.scopes import GLOBAL_SCOPE

ITEM_FORMAT: Final = 1
DIAGNOSTIC_CHARS: Final = 300


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _compact(values: dict[str, Any]) -> dict[str, Any]:
    """DynamoDB items carry no empty strings in maps or null attributes worth storing."""
    return {k: v for k, v in values.items() if v is not None and v != ""}


def inbound_item(record: InboundRecord, recorded_at: datetime) -> dict[str, Any]:
    """The item as a plain dict; `expires_at` is epoch seconds (the TTL attribute)."""
    r = record.report
    item: dict[str, Any] = {
        "message_id": record.message_id,
        "mailbox": record.mailbox,
        "received_at": _iso(record.received_at),
        "received_at_source": record.received_at_source,
        "kind": r.kind,
        "sender": r.sender,
        "return_path": r.return_path,
        "recipients": list(r.recipients) or None,
        "subject": r.subject,
        "date": _iso(r.date) if r.date else None,
        "header_message_id": r.header_message_id,
        "verdicts": r.verdicts.as_dict(),
        "authenticated": r.authenticated,
        "preview": r.preview,
        "attachments": [
            _compact(
                {
                    "name": a.name,
                    "type": a.content_type,
                    "size": a.size,
                    "sha256": a.sha256,
                    "defect": a.defect,
                }
            )
            for a in r.attachments
        ]
        or None,
        "attachment_count": r.attachment_count,
        "feedback": [
            _compact(
                {
                    "address": f.address,
                    "reason": str(f.classification.reason),  # plain str for storage
                    "verdict": f.classification.verdict.value,
                    "status": f.classification.status,
                    "diagnostic": (f.classification.diagnostic or "")[:DIAGNOSTIC_CHARS],
                    "proof": f.proof,
                    # unsubscribes through a subaddressed mailbox only: the list it names
                    "scope": f.scope if f.scope != GLOBAL_SCOPE else None,
                }
            )
            for f in r.feedback
        ]
        or None,
        "feedback_type": r.feedback_type,
        "report_kind": r.report_kind,
        "suppressions_applied": record.suppressions_applied,
        "note": r.note,
        "error": r.error,
        "defects": list(r.defects) or None,
        "size": r.size,
        "s3_bucket": record.location.bucket,
        "s3_key": record.location.key,
        "s3_uri": record.location.uri,
        "source": record.source,
        "fetch_failed": record.fetch_failed,
        "recorded_at": _iso(recorded_at),
        "expires_at": int(record.expires_at.timestamp()),
        "format": ITEM_FORMAT,
    }
    return _compact(item)
