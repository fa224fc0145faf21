"""Semantics of RFC 3463 enhanced status codes and RFC 5321 reply codes.

Sources: RFC 3463 (classes and subject/detail codes), RFC 3886/4468/4865/4954/5248 (IANA
"Enumerated Status Codes" registry), RFC 7372 (email authentication codes X.7.20-X.7.26),
RFC 7505 (null MX, X.1.10 and X.7.27), RFC 8689 (X.7.30), RFC 5321 section 4.2 (reply codes).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

from domain.vocabulary import Reason

# Both patterns start with the digit class and check the preceding character with a
# lookbehind placed after it: a leading lookbehind stops the regex engine from skipping ahead
# to candidate digits, which made every scan about three times slower (same matches).
#: An enhanced status code anywhere in a text: class.subject.detail
STATUS_RE: Final = re.compile(r"([245])(?<![\d.][245])\.(\d{1,3})\.(\d{1,3})(?![\d]|\.\d)")
#: A three-digit SMTP reply code, as it begins a reply line ("550 ", "550-", "550:")
REPLY_RE: Final = re.compile(r"([245](?<![\d.\w-][245])[0-5]\d)(?:[ \-:;,]|$)")

# Specific codes -> reason.  Codes missing here (X.0.0, X.2.0, X.7.0, X.7.1, ...) say too
# little on their own: the diagnostic text decides, else the class does.
_SUBJECT_DETAIL: Final[dict[str, Reason]] = {
    # X.1 addressing
    # X.1.0 "other address status": something about an address.  A sender address is named
    # as such in the text (phrases win over non-strong codes), so unexplained it is the
    # recipient's: "550 #5.1.0 Address rejected", the answer of recipient-validating
    # gateways to an address their directory lacks
    "1.0": Reason.USERUNKNOWN,
    "1.1": Reason.USERUNKNOWN,  # bad destination mailbox address
    "1.2": Reason.HOSTUNKNOWN,  # bad destination system address
    "1.3": Reason.USERUNKNOWN,  # bad destination mailbox address syntax
    "1.4": Reason.USERUNKNOWN,  # destination mailbox address ambiguous
    "1.6": Reason.HASMOVED,  # destination mailbox has moved, no forwarding address
    "1.7": Reason.REJECTED,  # bad sender's mailbox address syntax
    "1.8": Reason.REJECTED,  # bad sender's system address
    "1.10": Reason.NOTACCEPT,  # recipient address has null MX (RFC 7505)
    # X.2 mailbox
    "2.1": Reason.SUSPEND,  # mailbox disabled, not accepting messages
    "2.2": Reason.MAILBOXFULL,  # mailbox full
    "2.3": Reason.EXCEEDLIMIT,  # message length exceeds administrative limit
    "2.4": Reason.SYSTEMERROR,  # mailing list expansion problem
    # X.3 mail system
    "3.1": Reason.SYSTEMFULL,  # mail system full
    "3.2": Reason.NOTACCEPT,  # system not accepting network messages
    "3.3": Reason.CONTENTERROR,  # system not capable of selected features
    "3.4": Reason.MESGTOOBIG,  # message too big for system
    "3.5": Reason.SYSTEMERROR,  # system incorrectly configured
    # X.4 network and routing
    "4.0": Reason.NETWORKERROR,
    "4.1": Reason.NETWORKERROR,  # no answer from host
    "4.2": Reason.NETWORKERROR,  # bad connection
    "4.3": Reason.SYSTEMERROR,  # directory server failure
    "4.4": Reason.HOSTUNKNOWN,  # unable to route (5.4.4); transient form handled below
    "4.5": Reason.TOOMANYCONN,  # mail system congestion
    "4.6": Reason.NETWORKERROR,  # routing loop detected
    "4.7": Reason.EXPIRED,  # delivery time expired
    # X.5 mail delivery protocol
    "5.0": Reason.SYNTAXERROR,
    "5.1": Reason.SYNTAXERROR,  # invalid command
    "5.2": Reason.SYNTAXERROR,  # syntax error
    "5.3": Reason.TOOMANYCONN,  # too many recipients
    "5.4": Reason.SYNTAXERROR,  # invalid command arguments
    "5.5": Reason.SYNTAXERROR,  # wrong protocol version
    "5.6": Reason.SYNTAXERROR,  # authentication exchange line too long
    # X.6 message content or media
    "6.0": Reason.CONTENTERROR,
    "6.1": Reason.CONTENTERROR,  # media not supported
    "6.2": Reason.CONTENTERROR,  # conversion required and prohibited
    "6.3": Reason.CONTENTERROR,  # conversion required but not supported
    "6.4": Reason.CONTENTERROR,  # conversion with loss performed
    "6.5": Reason.CONTENTERROR,  # conversion failed
    "6.6": Reason.CONTENTERROR,  # message content not available
    "6.7": Reason.CONTENTERROR,  # non-ASCII addresses not permitted
    "6.8": Reason.CONTENTERROR,
    "6.9": Reason.CONTENTERROR,
    "6.10": Reason.CONTENTERROR,
    # X.7 security or policy
    "7.2": Reason.POLICYVIOLATION,  # mailing list expansion prohibited
    "7.3": Reason.SECURITYERROR,  # security conversion required but not possible
    "7.4": Reason.SECURITYERROR,  # security features not supported
    "7.5": Reason.SECURITYERROR,  # cryptographic failure
    "7.6": Reason.SECURITYERROR,  # cryptographic algorithm not supported
    "7.7": Reason.SECURITYERROR,  # message integrity failure
    "7.8": Reason.SECURITYERROR,  # authentication credentials invalid
    "7.9": Reason.SECURITYERROR,  # authentication mechanism too weak
    "7.10": Reason.SECURITYERROR,  # encryption needed
    "7.11": Reason.SECURITYERROR,  # encryption required for requested authentication mechanism
    "7.12": Reason.SECURITYERROR,  # a password transition is needed
    "7.13": Reason.SUSPEND,  # user account disabled
    "7.14": Reason.SECURITYERROR,  # trust relationship required
    "7.15": Reason.POLICYVIOLATION,  # priority level is too low
    "7.16": Reason.MESGTOOBIG,  # message is too big for the specified priority
    "7.17": Reason.HASMOVED,  # mailbox owner has changed (RFC 7293)
    "7.18": Reason.HASMOVED,  # domain owner has changed (RFC 7293)
    "7.19": Reason.SECURITYERROR,  # RRVS test cannot be completed
    "7.20": Reason.AUTHFAILURE,  # no passing DKIM signature found (RFC 7372)
    "7.21": Reason.AUTHFAILURE,  # no acceptable DKIM signature found
    "7.22": Reason.AUTHFAILURE,  # no valid author-matched DKIM signature found
    "7.23": Reason.AUTHFAILURE,  # SPF validation failed
    "7.24": Reason.AUTHFAILURE,  # SPF validation error
    "7.25": Reason.REQUIREPTR,  # reverse DNS validation failed
    "7.26": Reason.AUTHFAILURE,  # multiple authentication checks failed
    "7.27": Reason.REJECTED,  # sender address has null MX (RFC 7505)
    "7.28": Reason.SPEEDING,  # mail flood detected (RFC 8689 registry)
    "7.29": Reason.AUTHFAILURE,  # ARC validation failure (RFC 8617)
    "7.30": Reason.SECURITYERROR,  # REQUIRETLS support required (RFC 8689)
}

#: subject.detail codes whose meaning is firm enough to win over a generic phrase match.
STRONG_CODES: Final = frozenset(
    {"1.1", "1.2", "1.6", "1.7", "1.8", "1.10", "2.2", "2.3", "3.4", "4.7", "7.13", "7.17", "7.18"}
    | {f"7.{n}" for n in range(20, 30)}
)

# Reply codes (RFC 5321 4.2.3) with a meaning of their own.
_REPLY_REASONS: Final[dict[str, Reason]] = {
    "421": Reason.SYSTEMERROR,  # service not available, closing transmission channel
    "450": Reason.SYSTEMERROR,  # mailbox unavailable (busy, or blocked for policy reasons)
    "451": Reason.SYSTEMERROR,  # local error in processing
    "452": Reason.SYSTEMFULL,  # insufficient system storage
    "500": Reason.SYNTAXERROR,
    "501": Reason.SYNTAXERROR,
    "502": Reason.SYNTAXERROR,
    "503": Reason.SYNTAXERROR,
    "504": Reason.SYNTAXERROR,
    "521": Reason.NOTACCEPT,  # host does not accept mail (RFC 7504)
    "552": Reason.EXCEEDLIMIT,  # exceeded storage allocation
    "553": Reason.USERUNKNOWN,  # mailbox name not allowed
    "556": Reason.NOTACCEPT,  # domain does not accept mail (RFC 7504)
}


@lru_cache(maxsize=1024)
def split_status(status: str) -> tuple[str, str] | None:
    """``"5.1.1"`` -> ``("5", "1.1")``; None when it is not an enhanced status code."""
    m = STATUS_RE.fullmatch(status.strip())
    if m is None:
        return None
    return m.group(1), f"{int(m.group(2))}.{int(m.group(3))}"


def normalise_status(status: str | None) -> str | None:
    """A clean ``C.S.D`` string, or None."""
    if not status:
        return None
    return _normalise_status(status[:64])


@lru_cache(maxsize=1024)
def _normalise_status(status: str) -> str | None:
    # memoised: real status fields take few distinct values
    m = STATUS_RE.search(status)
    if m is None:
        return None
    return f"{m.group(1)}.{int(m.group(2))}.{int(m.group(3))}"


def is_generic(status: str | None) -> bool:
    """True for codes that carry only a class (X.0.0) or nothing usable."""
    if status is None:
        return True
    parts = split_status(status)
    return parts is None or parts[1] not in _SUBJECT_DETAIL


def reason_from_status(status: str | None) -> str | None:
    """The reason a specific enhanced status code implies, or None when it is generic."""
    if status is None:
        return None
    parts = split_status(status)
    if parts is None:
        return None
    klass, subject_detail = parts
    if klass == "2":
        return Reason.DELIVERED
    reason = _SUBJECT_DETAIL.get(subject_detail)
    if reason == Reason.HOSTUNKNOWN and klass == "4":
        return Reason.NETWORKERROR  # 4.4.4: unable to route, will retry
    return reason


def is_strong(status: str | None) -> bool:
    """True when the code's subject/detail is precise enough to outweigh loose phrasing."""
    if status is None:
        return False
    parts = split_status(status)
    return parts is not None and parts[1] in STRONG_CODES


def reason_from_reply_code(reply_code: str | None) -> str | None:
    """The reason a bare SMTP reply code implies (few codes have one), or None."""
    if reply_code is None:
        return None
    return _REPLY_REASONS.get(reply_code)


def find_status(text: str) -> str | None:
    """The most specific enhanced status code in *text* (first non-generic, else first)."""
    first: str | None = None
    for m in STATUS_RE.finditer(text):
        code = f"{m.group(1)}.{int(m.group(2))}.{int(m.group(3))}"
        if m.group(1) == "2":
            continue
        if first is None:
            first = code
        if not is_generic(code):
            return code
    return first


def find_reply_code(text: str) -> str | None:
    """The first SMTP reply code (4xx/5xx) in *text*."""
    for m in REPLY_RE.finditer(text):
        return m.group(1)
    return None


def permanence(status: str | None, reply_code: str | None) -> bool | None:
    """True for a permanent (5) class, False for transient (4), None when unknown."""
    for code in (status, reply_code):
        if code:
            if code[0] == "5":
                return True
            if code[0] == "4":
                return False
    return None
