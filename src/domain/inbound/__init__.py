"""Inbound mail: what one message received by SES is, and what it says about whom.

Public API (docs/inbound.md):

- :func:`analyse_inbound`: raw RFC 5322 bytes (+ the receipt's verdicts, the envelope
  recipients, the unsubscribe mailboxes) -> :class:`InboundReport`; never raises.
- :func:`feedback_outcomes`: the suppression outcomes of an authenticated DSN, ARF report or
  unsubscribe request.
- :class:`InboundService`: fetch, analyse, apply outcomes, record; over ports implemented in
  ``adapters``.
"""

from domain.inbound.analysis import (
    FEEDBACK_KINDS,
    KINDS,
    Attachment,
    Feedback,
    InboundReport,
    analyse_inbound,
    feedback_outcomes,
)
from domain.inbound.auth import AuthVerdicts, verdicts_from_headers, verdicts_from_receipt
from domain.inbound.item import inbound_item
from domain.inbound.service import (
    SETUP_NOTIFICATION,
    InboundNotice,
    InboundPolicy,
    InboundRecord,
    InboundRepository,
    InboundResult,
    InboundService,
    Location,
    MailStore,
    MailUnavailableError,
)

__all__ = [
    "FEEDBACK_KINDS",
    "KINDS",
    "SETUP_NOTIFICATION",
    "Attachment",
    "AuthVerdicts",
    "Feedback",
    "InboundNotice",
    "InboundPolicy",
    "InboundRecord",
    "InboundReport",
    "InboundRepository",
    "InboundResult",
    "InboundService",
    "Location",
    "MailStore",
    "MailUnavailableError",
    "analyse_inbound",
    "feedback_outcomes",
    "inbound_item",
    "verdicts_from_headers",
    "verdicts_from_receipt",
]
