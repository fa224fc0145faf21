"""RFC 3463 enhanced status codes and SMTP reply codes."""

from __future__ import annotations

import pytest

from domain.classify.core import classify_failure
from domain.classify.status_codes import (
    find_reply_code,
    find_status,
    normalise_status,
    permanence,
    reason_from_status,
)
from domain.classify.taxonomy import REASON_VERDICTS, verdict_for
from domain.verdicts import Verdict


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("5.1.1", "userunknown"),
        ("5.1.2", "hostunknown"),
        ("5.1.6", "hasmoved"),
        ("5.1.10", "notaccept"),
        ("5.2.2", "mailboxfull"),
        ("4.2.2", "mailboxfull"),
        ("5.2.3", "exceedlimit"),
        ("5.3.4", "mesgtoobig"),
        ("4.4.7", "expired"),
        ("5.4.4", "hostunknown"),
        ("4.4.4", "networkerror"),
        ("5.7.23", "authfailure"),
        ("5.7.25", "requireptr"),
        ("5.7.13", "suspend"),
        ("2.0.0", "delivered"),
        ("5.0.0", None),
        ("5.7.1", None),
        ("5.2.0", None),
    ],
)
def test_reason_from_status(code: str, reason: str | None) -> None:
    assert reason_from_status(code) == reason


def test_find_status_prefers_specific_code() -> None:
    assert find_status("550 5.0.0 rejected (5.1.1 unknown)") == "5.1.1"
    assert find_status("550 5.0.0 rejected") == "5.0.0"
    assert find_status("version 1.2.3.4 and 10.5.1.1") is None
    assert find_status("nothing here") is None


def test_find_reply_code() -> None:
    assert find_reply_code("550-5.1.1 The email account") == "550"
    assert find_reply_code("host said: 452 4.2.2 over quota") == "452"
    assert find_reply_code("id 1550 and 5501") is None


def test_normalise_status() -> None:
    assert normalise_status(" 5.01.001 ") == "5.1.1"
    assert normalise_status("bogus") is None
    assert normalise_status(None) is None


def test_permanence() -> None:
    assert permanence("5.1.1", None) is True
    assert permanence(None, "450") is False
    assert permanence(None, None) is None


def test_verdict_of_invalid_address_reason_depends_on_class() -> None:
    assert verdict_for("userunknown", True) is Verdict.INVALID_ADDRESS
    assert verdict_for("notaccept", True) is Verdict.INVALID_ADDRESS
    assert verdict_for("notaccept", False) is Verdict.TRANSIENT
    assert verdict_for("mailboxfull", True) is Verdict.MAILBOX_PROBLEM
    assert verdict_for("no-such-reason", True) is Verdict.UNDETERMINED


def test_taxonomy_covers_every_verdict_sensibly() -> None:
    assert REASON_VERDICTS["blocked"] is Verdict.SENDER_PROBLEM
    assert REASON_VERDICTS["expired"] is Verdict.TRANSIENT
    assert REASON_VERDICTS["feedback"] is Verdict.COMPLAINT


@pytest.mark.parametrize(
    ("status", "reply", "diag", "reason"),
    [
        (
            None,
            None,
            "smtp; 550 5.1.1 <x@example.com>: Recipient address rejected: User "
            "unknown in virtual mailbox table",
            "userunknown",
        ),
        ("5.2.1", None, "smtp; 550 5.2.1 <x@example.jp>... User Unknown", "userunknown"),
        ("5.0.0", None, "smtp; 550 5.2.2 STOREDRV.Deliver: mailbox full", "mailboxfull"),
        (
            "5.7.1",
            None,
            "554 5.7.1 Client host rejected: blocked using zen.spamhaus.org",
            "blocked",
        ),
        (
            "5.7.1",
            None,
            "550 5.7.1 Connections not accepted from servers without a valid "
            "sender domain. Fix reverse DNS for 192.0.2.2",
            "requireptr",
        ),
        ("5.7.26", None, "550 5.7.26 Unauthenticated email is not accepted", "authfailure"),
        ("4.4.7", None, "554 4.4.7 Message expired: unable to deliver in 840 minutes", "expired"),
        (None, None, "Host or domain name not found. Name service error", "hostunknown"),
        ("5.1.8", None, "501 5.1.8 Sender address rejected", "rejected"),
        ("5.7.1", None, "550 5.7.1 Relaying denied", "norelaying"),
        ("5.3.4", None, "552 5.3.4 Message size exceeds fixed limit", "mesgtoobig"),
        (None, "421", "421 Too many concurrent SMTP connections", "toomanyconn"),
    ],
)
def test_classify_failure_examples(
    status: str | None, reply: str | None, diag: str, reason: str
) -> None:
    assert classify_failure(status, reply, diag).reason == reason


def test_classify_failure_without_anything_is_undetermined() -> None:
    c = classify_failure(None, None, None)
    assert c.reason == "undetermined"
    assert c.verdict is Verdict.UNDETERMINED
