"""Bounce classification engine: SES recipients, raw DSN/ARF/auto-reply messages.

Public API (see docs/classification.md):

- :func:`classify_ses_bounce_recipient`, :func:`classify_ses_delay_recipient`,
  :func:`classify_complaint`: one SES recipient -> :class:`~domain.verdicts.Classification`;
  :func:`classify_ses_bounce_entry`, :func:`classify_ses_delay_entry` read those fields
  from a ``bouncedRecipients[]`` / ``delayedRecipients[]`` object.
- :func:`classify_ses_message`: an SES notification/event object -> :class:`MessageReport`.
- :func:`analyse_message`: raw RFC 5322 bytes -> :class:`MessageReport` (never raises).
"""

from typing import TYPE_CHECKING, Any

from domain.classify.core import classify_failure
from domain.classify.report import KINDS, MessageReport, RecipientReport
from domain.classify.ses import (
    classify_complaint,
    classify_ses_bounce_entry,
    classify_ses_bounce_recipient,
    classify_ses_delay_entry,
    classify_ses_delay_recipient,
    classify_ses_message,
)

if TYPE_CHECKING:
    from domain.classify.message import analyse_message


def __getattr__(name: str) -> Any:
    """`analyse_message` (the MIME parser for DSN/ARF/auto-reply messages) is imported on
    first use: the SES paths classify JSON fields and never need it, and it is a large part
    of a cold start."""
    if name == "analyse_message":
        from domain.classify.message import analyse_message

        return analyse_message
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "KINDS",
    "MessageReport",
    "RecipientReport",
    "analyse_message",
    "classify_complaint",
    "classify_failure",
    "classify_ses_bounce_entry",
    "classify_ses_bounce_recipient",
    "classify_ses_delay_entry",
    "classify_ses_delay_recipient",
    "classify_ses_message",
]
