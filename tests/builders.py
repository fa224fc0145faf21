"""Small builders for domain objects, shared by the unit and property tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.events import DELIVERED, RecipientOutcome
from domain.verdicts import REASON_SES_SUPPRESSED, Classification, Verdict

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)

CLASSIFICATIONS = {
    "hard": Classification(
        "userunknown", Verdict.INVALID_ADDRESS, "5.1.1", "550", "550 5.1.1 user unknown"
    ),
    "soft": Classification("mailboxfull", Verdict.MAILBOX_PROBLEM, "4.2.2", "452", "over quota"),
    "transient": Classification("expired", Verdict.TRANSIENT, "4.4.7", None, "expired"),
    "sender": Classification("blocked", Verdict.SENDER_PROBLEM, "5.7.1", "550", "spamhaus"),
    "complaint": Classification("feedback", Verdict.COMPLAINT),
    "not-spam": Classification("feedback", Verdict.UNDETERMINED),
    "auto-reply": Classification("vacation", Verdict.AUTO_REPLY),
    "ses-suppressed": Classification(REASON_SES_SUPPRESSED, Verdict.UNDETERMINED),
    "delivered": DELIVERED,
}

EVENT_TYPES = {"delivered": "Delivery", "complaint": "Complaint", "not-spam": "Complaint"}


def outcome(
    kind: str,
    at: datetime | float = 0,
    *,
    address: str = "user@example.com",
    event_id: str | None = None,
) -> RecipientOutcome:
    """`at` is a datetime, or days after T0."""
    when = at if isinstance(at, datetime) else T0 + timedelta(days=at)
    event_type = EVENT_TYPES.get(kind, "Bounce")
    return RecipientOutcome(
        address=address,
        event_type=event_type,
        event_id=event_id or f"{event_type}:{kind}:{when.isoformat()}:{address}",
        occurred_at=when,
        classification=CLASSIFICATIONS[kind],
        message_id=f"msg-{kind}-{when.timestamp():.0f}",
        feedback_id=None,
        bounce_type="Permanent" if kind == "hard" else None,
        source="test",
    )


def days(n: float) -> timedelta:
    return timedelta(days=n)


def sns_envelope(message: object) -> str:
    """An SNS notification as SQS receives it (no raw message delivery)."""
    import json

    text = message if isinstance(message, str) else json.dumps(message)
    return json.dumps(
        {
            "Type": "Notification",
            "MessageId": "sns-1",
            "TopicArn": "arn:aws:sns:us-east-1:123456789012:t",
            "Message": text,
        }
    )


def sqs_event(*bodies: str, id_prefix: str = "m-") -> dict:
    """An SQS batch as Lambda's event source mapping delivers it."""
    return {
        "Records": [
            {
                "messageId": f"{id_prefix}{i}",
                "receiptHandle": "r",
                "body": body,
                "attributes": {},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q",
                "awsRegion": "us-east-1",
            }
            for i, body in enumerate(bodies)
        ]
    }


SCOPED_CLASSIFICATIONS = {
    "unsubscribe": Classification("unsubscribe", Verdict.UNDETERMINED),
    "subscribe": Classification("subscribe", Verdict.UNDETERMINED),
}


def scoped_outcome(
    kind: str,
    at: datetime | float = 0,
    scope: str = "global",
    *,
    address: str = "user@example.com",
    event_id: str | None = None,
) -> RecipientOutcome:
    """An unsubscribe or re-subscribe (SES Subscription OptOut / OptIn) in `scope`."""
    when = at if isinstance(at, datetime) else T0 + timedelta(days=at)
    return RecipientOutcome(
        address=address,
        event_type="Subscription",
        event_id=event_id or f"Subscription:{kind}:{scope}:{when.isoformat()}:{address}",
        occurred_at=when,
        classification=SCOPED_CLASSIFICATIONS[kind],
        source="test",
        scope=scope,
    )
