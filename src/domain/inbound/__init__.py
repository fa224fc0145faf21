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

__all__ = [
    "FEEDBACK_KINDS",
    "KINDS",
    "Attachment",
    "AuthVerdicts",
    "Feedback",
    "InboundReport",
    "analyse_inbound",
    "feedback_outcomes",
    "verdicts_from_headers",
    "verdicts_from_receipt",
]
