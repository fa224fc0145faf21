"""The reasons every classifier, receiver rule and policy table may name.

A *reason* is the cause of one failed (or delivered) recipient.  ``Reason`` is a
``StrEnum``: its members are ``str``, so items stored in DynamoDB, JSON output and
comparisons with stored strings are unchanged; what it adds is one list that every table is
checked against (tests/unit/test_vocabulary.py), so a misspelt reason fails a test instead of
silently falling through to ``undetermined``.

The bounce reasons follow the taxonomy in tests/fixtures/corpus/bounces/README.md and
docs/classification.md; the last group are reasons this project adds.
"""

from __future__ import annotations

from enum import StrEnum, unique


@unique
class Reason(StrEnum):
    # the address itself cannot receive mail
    USERUNKNOWN = "userunknown"
    HOSTUNKNOWN = "hostunknown"
    HASMOVED = "hasmoved"
    NOTACCEPT = "notaccept"
    # the mailbox exists but refuses for now
    MAILBOXFULL = "mailboxfull"
    SUSPEND = "suspend"
    EXCEEDLIMIT = "exceedlimit"
    SYSTEMFULL = "systemfull"
    FILTERED = "filtered"
    # the receiver refuses us
    MESGTOOBIG = "mesgtoobig"
    REJECTED = "rejected"
    BLOCKED = "blocked"
    BADREPUTATION = "badreputation"
    REQUIREPTR = "requireptr"
    AUTHFAILURE = "authfailure"
    POLICYVIOLATION = "policyviolation"
    SPAMDETECTED = "spamdetected"
    VIRUSDETECTED = "virusdetected"
    CONTENTERROR = "contenterror"
    NOTCOMPLIANTRFC = "notcompliantrfc"
    SECURITYERROR = "securityerror"
    FAILEDSTARTTLS = "failedstarttls"
    NORELAYING = "norelaying"
    SYNTAXERROR = "syntaxerror"
    TOOMANYCONN = "toomanyconn"
    SPEEDING = "speeding"
    # infrastructure trouble
    EXPIRED = "expired"
    NETWORKERROR = "networkerror"
    SYSTEMERROR = "systemerror"
    MAILERERROR = "mailererror"
    # not bounces
    FEEDBACK = "feedback"
    VACATION = "vacation"
    DELIVERED = "delivered"
    # added by this project
    CHALLENGE = "challenge"  # a challenge/response sender-verification request
    SUPPRESSED = "suppressed"  # SES refused to send: the address is on a suppression list
    UNSUBSCRIBE = "unsubscribe"  # the recipient asked to be removed (inbound mail)
    SUBSCRIBE = "subscribe"  # the recipient opted back in to a list or topic (SES OptIn)
    # an operator's decision (policy.merge_manual): suppress, lift a suppression, allow
    MANUAL = "manual"
    MANUAL_UNSUPPRESS = "manual-unsuppress"
    MANUAL_ALLOW = "manual-allow"
    UNDETERMINED = "undetermined"  # nothing to go on
