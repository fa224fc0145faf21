"""The reason taxonomy and what each reason means for the sender (its verdict).

The table follows docs/classification.md and tests/fixtures/corpus/bounces/README.md.
"""

from __future__ import annotations

from typing import Final

from domain.verdicts import REASON_SES_SUPPRESSED, REASON_UNDETERMINED, Verdict

V = Verdict

REASON_VERDICTS: Final[dict[str, Verdict]] = {
    # the address itself cannot receive mail
    "userunknown": V.INVALID_ADDRESS,
    "hostunknown": V.INVALID_ADDRESS,
    "hasmoved": V.INVALID_ADDRESS,
    "notaccept": V.INVALID_ADDRESS,  # only when answered 5xx, see verdict_for()
    # the mailbox exists but refuses for now
    "mailboxfull": V.MAILBOX_PROBLEM,
    "suspend": V.MAILBOX_PROBLEM,
    "exceedlimit": V.MAILBOX_PROBLEM,
    "systemfull": V.MAILBOX_PROBLEM,
    "filtered": V.MAILBOX_PROBLEM,
    # the receiver refuses us
    "mesgtoobig": V.SENDER_PROBLEM,
    "rejected": V.SENDER_PROBLEM,
    "blocked": V.SENDER_PROBLEM,
    "badreputation": V.SENDER_PROBLEM,
    "requireptr": V.SENDER_PROBLEM,
    "authfailure": V.SENDER_PROBLEM,
    "policyviolation": V.SENDER_PROBLEM,
    "spamdetected": V.SENDER_PROBLEM,
    "virusdetected": V.SENDER_PROBLEM,
    "contenterror": V.SENDER_PROBLEM,
    "notcompliantrfc": V.SENDER_PROBLEM,
    "securityerror": V.SENDER_PROBLEM,
    "failedstarttls": V.SENDER_PROBLEM,
    "norelaying": V.SENDER_PROBLEM,
    "syntaxerror": V.SENDER_PROBLEM,
    "toomanyconn": V.SENDER_PROBLEM,
    "speeding": V.SENDER_PROBLEM,
    # infrastructure trouble
    "expired": V.TRANSIENT,
    "networkerror": V.TRANSIENT,
    "systemerror": V.TRANSIENT,
    "mailererror": V.TRANSIENT,
    # not bounces
    "feedback": V.COMPLAINT,
    "vacation": V.AUTO_REPLY,
    # a challenge/response sender-verification request: an automatic reply that holds the
    # message until a person confirms; says nothing against the address
    "challenge": V.AUTO_REPLY,
    "delivered": V.DELIVERED,
    REASON_SES_SUPPRESSED: V.UNDETERMINED,
    REASON_UNDETERMINED: V.UNDETERMINED,
}

#: Reasons that make the address itself invalid (when the failure is permanent).
INVALID_ADDRESS_REASONS: Final = frozenset(
    r for r, v in REASON_VERDICTS.items() if v is V.INVALID_ADDRESS
)


def verdict_for(reason: str, permanent: bool | None) -> Verdict:
    """The verdict of *reason*; ``permanent`` is the failure class (5xx True, 4xx False).

    An invalid-address reason only proves the address invalid when the failure is
    permanent: a ``450 4.1.1`` (unverified recipient, greylisting) is retried, so it is
    ``transient``.  ``notaccept`` follows the same rule (the taxonomy says so explicitly).
    """
    verdict = REASON_VERDICTS.get(reason, V.UNDETERMINED)
    if verdict is V.INVALID_ADDRESS and permanent is False:
        return V.TRANSIENT
    return verdict
