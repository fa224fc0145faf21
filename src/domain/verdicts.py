"""The vocabulary every classifier and the suppression policy share.

A *reason* is the cause of one failed delivery, from the fixed taxonomy documented in
docs/classification.md; a *verdict* is what that reason means for the sender.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final, NamedTuple

from domain.vocabulary import Reason


class Verdict(StrEnum):
    INVALID_ADDRESS = "invalid-address"
    MAILBOX_PROBLEM = "mailbox-problem"
    TRANSIENT = "transient"
    SENDER_PROBLEM = "sender-problem"
    COMPLAINT = "complaint"
    AUTO_REPLY = "auto-reply"
    DELIVERED = "delivered"
    UNDETERMINED = "undetermined"


#: Verdicts of a soft bounce: the address may work later.  Counted towards escalation by the
#: policy and as SoftBounces by the metrics.
SOFT_VERDICTS: Final = frozenset({Verdict.MAILBOX_PROBLEM, Verdict.TRANSIENT})

# Reason given to SES's own "already suppressed" bounces (Permanent/Suppressed and
# Permanent/OnAccountSuppressionList): SES refused to send, so they carry no new evidence.
REASON_SES_SUPPRESSED = Reason.SUPPRESSED
REASON_UNDETERMINED = Reason.UNDETERMINED


class Classification(NamedTuple):
    """What one failed (or delivered) recipient tells us, with the evidence used.

    A NamedTuple rather than a frozen dataclass: just as immutable (classifications are
    memoised and shared), and built in less than half the time, which matters on the paths
    that classify every recipient of every event."""

    reason: str
    verdict: Verdict
    status: str | None = None  # RFC 3463 enhanced status code, e.g. "5.1.1"
    reply_code: str | None = None  # SMTP reply code, e.g. "550"
    diagnostic: str | None = None  # the text the decision was based on
    # the SMTP command the refusal answered ("RCPT", "DATA", "MAIL FROM", ...), when the
    # notice names it and a decision depended on it; kept with the evidence so that a later
    # classifier can weigh the stored diagnostic the same way (domain/reclassify.py)
    stage: str | None = None

    @property
    def hard(self) -> bool:
        """True only when the address itself cannot receive mail."""
        return self.verdict is Verdict.INVALID_ADDRESS
