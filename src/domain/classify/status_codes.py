"""Semantics of RFC 3463 enhanced status codes and RFC 5321 reply codes.

Sources: RFC 3463 (classes and subject/detail codes), RFC 3886/4468/4865/4954/5248 (IANA
"Enumerated Status Codes" registry), RFC 7372 (email authentication codes X.7.20-X.7.26),
RFC 7505 (null MX, X.1.10 and X.7.27), RFC 8689 (X.7.30), RFC 5321 section 4.2 (reply codes).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

# Both patterns start with the digit class and check the preceding character with a
# lookbehind placed after it: a leading lookbehind stops the regex engine from skipping ahead
# to candidate digits, which made every scan about three times slower (same matches).
#: An enhanced status code anywhere in a text: class.subject.detail
STATUS_RE: Final = re.compile(r"([245])(?<![\d.][245])\.(\d{1,3})\.(\d{1,3})(?![\d]|\.\d)")
#: A three-digit SMTP reply code, as it begins a reply line ("550 ", "550-", "550:")
REPLY_RE: Final = re.compile(r"([245](?<![\d.\w-][245])[0-5]\d)(?:[ \-:;,]|$)")

# Specific codes -> reason.  Codes missing here (X.0.0, X.2.0, X.7.0, X.7.1, ...) say too
# little on their own: the diagnostic text decides, else the class does.
_SUBJECT_DETAIL: Final[dict[str, str]] = {
    # X.1 addressing
    # X.1.0 "other address status": something about an address.  A sender address is named
    # as such in the text (phrases win over non-strong codes), so unexplained it is the
    # recipient's: "550 #5.1.0 Address rejected", the answer of recipient-validating
    # gateways to an address their directory lacks
    "1.0": "userunknown",
    "1.1": "userunknown",  # bad destination mailbox address
    "1.2": "hostunknown",  # bad destination system address
    "1.3": "userunknown",  # bad destination mailbox address syntax
    "1.4": "userunknown",  # destination mailbox address ambiguous
    "1.6": "hasmoved",  # destination mailbox has moved, no forwarding address
    "1.7": "rejected",  # bad sender's mailbox address syntax
    "1.8": "rejected",  # bad sender's system address
    "1.10": "notaccept",  # recipient address has null MX (RFC 7505)
    # X.2 mailbox
    "2.1": "suspend",  # mailbox disabled, not accepting messages
    "2.2": "mailboxfull",  # mailbox full
    "2.3": "exceedlimit",  # message length exceeds administrative limit
    "2.4": "systemerror",  # mailing list expansion problem
    # X.3 mail system
    "3.1": "systemfull",  # mail system full
    "3.2": "notaccept",  # system not accepting network messages
    "3.3": "contenterror",  # system not capable of selected features
    "3.4": "mesgtoobig",  # message too big for system
    "3.5": "systemerror",  # system incorrectly configured
    # X.4 network and routing
    "4.0": "networkerror",
    "4.1": "networkerror",  # no answer from host
    "4.2": "networkerror",  # bad connection
    "4.3": "systemerror",  # directory server failure
    "4.4": "hostunknown",  # unable to route (5.4.4); transient form handled below
    "4.5": "toomanyconn",  # mail system congestion
    "4.6": "networkerror",  # routing loop detected
    "4.7": "expired",  # delivery time expired
    # X.5 mail delivery protocol
    "5.0": "syntaxerror",
    "5.1": "syntaxerror",  # invalid command
    "5.2": "syntaxerror",  # syntax error
    "5.3": "toomanyconn",  # too many recipients
    "5.4": "syntaxerror",  # invalid command arguments
    "5.5": "syntaxerror",  # wrong protocol version
    "5.6": "syntaxerror",  # authentication exchange line too long
    # X.6 message content or media
    "6.0": "contenterror",
    "6.1": "contenterror",  # media not supported
    "6.2": "contenterror",  # conversion required and prohibited
    "6.3": "contenterror",  # conversion required but not supported
    "6.4": "contenterror",  # conversion with loss performed
    "6.5": "contenterror",  # conversion failed
    "6.6": "contenterror",  # message content not available
    "6.7": "contenterror",  # non-ASCII addresses not permitted
    "6.8": "contenterror",
    "6.9": "contenterror",
    "6.10": "contenterror",
    # X.7 security or policy
    "7.2": "policyviolation",  # mailing list expansion prohibited
    "7.3": "securityerror",  # security conversion required but not possible
    "7.4": "securityerror",  # security features not supported
    "7.5": "securityerror",  # cryptographic failure
    "7.6": "securityerror",  # cryptographic algorithm not supported
    "7.7": "securityerror",  # message integrity failure
    "7.8": "securityerror",  # authentication credentials invalid
    "7.9": "securityerror",  # authentication mechanism too weak
    "7.10": "securityerror",  # encryption needed
    "7.11": "securityerror",  # encryption required for requested authentication mechanism
    "7.12": "securityerror",  # a password transition is needed
    "7.13": "suspend",  # user account disabled
    "7.14": "securityerror",  # trust relationship required
    "7.15": "policyviolation",  # priority level is too low
    "7.16": "mesgtoobig",  # message is too big for the specified priority
    "7.17": "hasmoved",  # mailbox owner has changed (RFC 7293)
    "7.18": "hasmoved",  # domain owner has changed (RFC 7293)
    "7.19": "securityerror",  # RRVS test cannot be completed
    "7.20": "authfailure",  # no passing DKIM signature found (RFC 7372)
    "7.21": "authfailure",  # no acceptable DKIM signature found
    "7.22": "authfailure",  # no valid author-matched DKIM signature found
    "7.23": "authfailure",  # SPF validation failed
    "7.24": "authfailure",  # SPF validation error
    "7.25": "requireptr",  # reverse DNS validation failed
    "7.26": "authfailure",  # multiple authentication checks failed
    "7.27": "rejected",  # sender address has null MX (RFC 7505)
    "7.28": "speeding",  # mail flood detected (RFC 8689 registry)
    "7.29": "authfailure",  # ARC validation failure (RFC 8617)
    "7.30": "securityerror",  # REQUIRETLS support required (RFC 8689)
}

#: subject.detail codes whose meaning is firm enough to win over a generic phrase match.
STRONG_CODES: Final = frozenset(
    {"1.1", "1.2", "1.6", "1.7", "1.8", "1.10", "2.2", "2.3", "3.4", "4.7", "7.13", "7.17", "7.18"}
    | {f"7.{n}" for n in range(20, 30)}
)

# Reply codes (RFC 5321 4.2.3) with a meaning of their own.
_REPLY_REASONS: Final[dict[str, str]] = {
    "421": "systemerror",  # service not available, closing transmission channel
    "450": "systemerror",  # mailbox unavailable (busy, or blocked for policy reasons)
    "451": "systemerror",  # local error in processing
    "452": "systemfull",  # insufficient system storage
    "500": "syntaxerror",
    "501": "syntaxerror",
    "502": "syntaxerror",
    "503": "syntaxerror",
    "504": "syntaxerror",
    "521": "notaccept",  # host does not accept mail (RFC 7504)
    "552": "exceedlimit",  # exceeded storage allocation
    "553": "userunknown",  # mailbox name not allowed
    "556": "notaccept",  # domain does not accept mail (RFC 7504)
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
        return "delivered"
    reason = _SUBJECT_DETAIL.get(subject_detail)
    if reason == "hostunknown" and klass == "4":
        return "networkerror"  # 4.4.4: unable to route, will retry
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
