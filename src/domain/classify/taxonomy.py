"""The reason taxonomy and what each reason means for the sender (its verdict).

The table follows docs/classification.md and tests/fixtures/corpus/bounces/README.md.
"""

from __future__ import annotations

from typing import Final

from domain.verdicts import Verdict
from domain.vocabulary import Reason

V = Verdict

#: Keyed by Reason; typed by str so that stored (plain string) reasons can be looked up.
REASON_VERDICTS: Final[dict[str, Verdict]] = {
    # the address itself cannot receive mail
    Reason.USERUNKNOWN: V.INVALID_ADDRESS,
    Reason.HOSTUNKNOWN: V.INVALID_ADDRESS,
    Reason.HASMOVED: V.INVALID_ADDRESS,
    Reason.NOTACCEPT: V.INVALID_ADDRESS,  # only when answered 5xx, see verdict_for()
    # the mailbox exists but refuses for now
    Reason.MAILBOXFULL: V.MAILBOX_PROBLEM,
    Reason.SUSPEND: V.MAILBOX_PROBLEM,
    Reason.EXCEEDLIMIT: V.MAILBOX_PROBLEM,
    Reason.SYSTEMFULL: V.MAILBOX_PROBLEM,
    Reason.FILTERED: V.MAILBOX_PROBLEM,
    # the receiver refuses us
    Reason.MESGTOOBIG: V.SENDER_PROBLEM,
    Reason.REJECTED: V.SENDER_PROBLEM,
    Reason.BLOCKED: V.SENDER_PROBLEM,
    Reason.BADREPUTATION: V.SENDER_PROBLEM,
    Reason.REQUIREPTR: V.SENDER_PROBLEM,
    Reason.AUTHFAILURE: V.SENDER_PROBLEM,
    Reason.POLICYVIOLATION: V.SENDER_PROBLEM,
    Reason.SPAMDETECTED: V.SENDER_PROBLEM,
    Reason.VIRUSDETECTED: V.SENDER_PROBLEM,
    Reason.CONTENTERROR: V.SENDER_PROBLEM,
    Reason.NOTCOMPLIANTRFC: V.SENDER_PROBLEM,
    Reason.SECURITYERROR: V.SENDER_PROBLEM,
    Reason.FAILEDSTARTTLS: V.SENDER_PROBLEM,
    Reason.NORELAYING: V.SENDER_PROBLEM,
    Reason.SYNTAXERROR: V.SENDER_PROBLEM,
    Reason.TOOMANYCONN: V.SENDER_PROBLEM,
    Reason.SPEEDING: V.SENDER_PROBLEM,
    # infrastructure trouble
    Reason.EXPIRED: V.TRANSIENT,
    Reason.NETWORKERROR: V.TRANSIENT,
    Reason.SYSTEMERROR: V.TRANSIENT,
    Reason.MAILERERROR: V.TRANSIENT,
    # not bounces
    Reason.FEEDBACK: V.COMPLAINT,
    Reason.VACATION: V.AUTO_REPLY,
    # a challenge/response sender-verification request: an automatic reply that holds the
    # message until a person confirms; says nothing against the address
    Reason.CHALLENGE: V.AUTO_REPLY,
    Reason.DELIVERED: V.DELIVERED,
    Reason.SUPPRESSED: V.UNDETERMINED,
    Reason.UNDETERMINED: V.UNDETERMINED,
}


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
