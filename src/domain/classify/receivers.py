"""Receiver rules: what a well-known receiver's refusal means when its words say otherwise.

Data plus one small function.  Most receivers' wording is read by the phrase table
(phrases.py), which sees diagnostic text with addresses masked.  A few large receivers,
though, answer a refusal by the recipient's own settings with the words of a non-existent
mailbox, and only the recipient's domain tells them apart.  Each rule names the receiver by
a label of the recipient's domain (so ``docomo.ne.jp`` and its subdomains match), the reason
the generic rules gave, the SMTP stage that answered (``None``: any stage, including an
unknown one), and the reason to use instead.  The first matching rule wins.
"""

from __future__ import annotations

from typing import Final, NamedTuple

from domain.classify.taxonomy import verdict_for
from domain.verdicts import Classification
from domain.vocabulary import Reason


class ReceiverRule(NamedTuple):
    domain_label: str  # a label of the recipient's domain: "docomo" matches "docomo.ne.jp"
    reason: Reason  # the reason the generic rules gave
    stage: str | None  # the SMTP command answered ("DATA"), or None for any
    becomes: Reason  # the reason this receiver means


RECEIVER_RULES: Final[tuple[ReceiverRule, ...]] = (
    # NTT docomo (docomo.ne.jp) answers "550 Unknown user <address>" when the recipient's
    # reception settings refuse the sender (specified-sender or domain filters).  Answered at
    # the end of DATA, the mailbox was accepted at RCPT TO, so it exists: it is this
    # sender that the settings refuse.  At an unknown stage the answer still cannot be taken
    # as proof that the mailbox does not exist: the recipient's settings refused it.
    ReceiverRule("docomo", Reason.USERUNKNOWN, "DATA", Reason.REJECTED),
    ReceiverRule("docomo", Reason.USERUNKNOWN, None, Reason.FILTERED),
    ReceiverRule("docomo", Reason.FILTERED, "DATA", Reason.REJECTED),
)

_LABELS: Final = frozenset(rule.domain_label for rule in RECEIVER_RULES)


def has_receiver_rule(address: str | None) -> bool:
    """True when a rule may apply to *address* (cheap; spares callers the stage lookup)."""
    if not address:
        return False
    low = address.lower()
    for label in _LABELS:
        if label in low:
            break
    else:
        return False  # the common case: a substring test per label, nothing split
    return "@" in low and not _LABELS.isdisjoint(low.rpartition("@")[2].split("."))


def apply_receiver_rules(
    address: str | None, c: Classification, stage: str | None = None
) -> Classification:
    """*c*, or what the recipient's receiver means by it (see RECEIVER_RULES)."""
    if not has_receiver_rule(address):
        return c  # the common case: no receiver with rules, nothing to scan
    labels = str(address).rpartition("@")[2].lower().split(".")
    for rule in RECEIVER_RULES:
        if (
            rule.reason == c.reason
            and rule.domain_label in labels
            and (rule.stage is None or rule.stage == stage)
        ):
            permanent = True if c.status is None else c.status.startswith("5")
            return c._replace(reason=rule.becomes, verdict=verdict_for(rule.becomes, permanent))
    return c
