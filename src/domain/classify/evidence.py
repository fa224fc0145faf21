"""How much a "user unknown" answer proves about the address.

The wording alone is weak evidence: filtering gateways and some large receivers answer a
refusal by their filters with the words of a non-existent mailbox.  What makes it proof is
what surrounds it:

- the SMTP stage: a refusal of RCPT TO is about the recipient; at DATA the recipient was
  already accepted, so only an address status code (X.1.1) still says it does not exist;
- the enhanced status code (RFC 3463): X.2.x is *mailbox* status (the mailbox exists but is
  disabled, full, ...), which contradicts "unknown" when no RCPT TO refusal backs the words;
- a bare reply code with no enhanced status and no stage: every current MTA sends X.1.1 with
  its own unknown-user refusals, so "550 No such user" alone is the typical answer of an
  older filtering appliance; kept as ``filtered`` (mailbox-problem, counted towards
  soft-bounce escalation) rather than suppressing the address outright;
- no SMTP reply at all: the receiving system's own report (Domino, Notes, Exchange text),
  taken at its word;
- wording that says the *mailbox or address* does not exist ("mailbox does not exist",
  "no such mailbox", "recipient not found", "no mailbox here by that name", "not an active
  address", a lookup-table miss): filtering gateways answer with the short user-table words
  ("User unknown", "No such user (here)", "unknown user", "User not exist"), so a bare
  reply code with the longer mailbox statement is taken as proof.  Before RCPT TO and at
  DATA the stage rules still apply.

Unproven "user unknown" becomes ``filtered``.
"""

from __future__ import annotations

from typing import Final

from domain.classify.core import states_mailbox_gone, subject_of
from domain.verdicts import Classification, Verdict
from domain.vocabulary import Reason

#: Status codes that name a non-existent mailbox explicitly, at any SMTP stage.
FIRM_USERUNKNOWN: Final = frozenset({"5.1.1", "5.1.10"})


def unknown_user_is_proven(
    status: str | None, reply_code: str | None, stage: str | None, text: str | None = None
) -> bool:
    """True when a "user unknown" answer is proof that the mailbox does not exist."""
    if stage == "RCPT":
        return True
    if stage == "DATA":
        return status in FIRM_USERUNKNOWN
    if reply_code is None:
        return True
    if status is None:
        return states_mailbox_gone(text)
    return subject_of(status) != "2"


def weigh_user_unknown(c: Classification, stage: str | None) -> Classification:
    """*c*, with an unproven ``userunknown`` turned into ``filtered``."""
    if c.reason != Reason.USERUNKNOWN or unknown_user_is_proven(
        c.status, c.reply_code, stage, c.diagnostic
    ):
        return c
    return c._replace(reason=Reason.FILTERED, verdict=Verdict.MAILBOX_PROBLEM)
