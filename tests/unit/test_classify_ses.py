"""SES recipient reconciliation, delay types and complaint types."""

from __future__ import annotations

import pytest

from domain.classify import (
    classify_complaint,
    classify_ses_bounce_recipient,
    classify_ses_delay_recipient,
)
from domain.verdicts import REASON_SES_SUPPRESSED, Verdict


def test_transient_general_550_530_user_unknown_is_hard() -> None:
    c = classify_ses_bounce_recipient(
        "Transient",
        "General",
        "failed",
        "5.3.0",
        "smtp; 550 5.3.0 <someone@example.com>... User unknown",
    )
    assert c.reason == "userunknown"
    assert c.hard
    assert c.status == "5.3.0"
    assert c.reply_code == "550"


def test_permanent_bounce_with_delayed_recipient_is_not_hard() -> None:
    c = classify_ses_bounce_recipient("Permanent", "General", "delayed", "4.0.0", None)
    assert not c.hard
    c2 = classify_ses_bounce_recipient(
        "Permanent", "General", "delayed", "4.1.1", "smtp; 450 4.1.1 unverified address"
    )
    assert not c2.hard
    assert c2.verdict is Verdict.TRANSIENT


def test_permanent_failed_recipient_in_mixed_bounce_is_hard() -> None:
    c = classify_ses_bounce_recipient(
        "Permanent", "General", "failed", "5.0.0", "smtp; 550 user unknown"
    )
    assert c.reason == "userunknown"
    assert c.hard


@pytest.mark.parametrize("subtype", ["Suppressed", "OnAccountSuppressionList"])
def test_suppressed_subtypes(subtype: str) -> None:
    c = classify_ses_bounce_recipient(
        "Permanent",
        subtype,
        "failed",
        "5.1.1",
        "Amazon SES has suppressed sending to this address because it has a recent history "
        "of bouncing as an invalid address.",
    )
    assert c.reason == REASON_SES_SUPPRESSED
    assert c.verdict is Verdict.UNDETERMINED
    assert not c.hard


def test_bare_permanent_general_follows_aws_guidance() -> None:
    c = classify_ses_bounce_recipient("Permanent", "General", None, None, None)
    assert c.reason == "userunknown"
    assert c.hard


def test_permanent_general_with_sender_side_text_is_sender_problem() -> None:
    for diag, reason in [
        (
            "smtp; 554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using "
            "zen.spamhaus.org",
            "blocked",
        ),
        ("smtp; 550 5.7.23 SPF validation failed", "authfailure"),
        ("smtp; 550 5.7.1 Message rejected: SPF check failed", "authfailure"),
    ]:
        c = classify_ses_bounce_recipient("Permanent", "General", "failed", None, diag)
        assert c.reason == reason, diag
        assert c.verdict is Verdict.SENDER_PROBLEM
        assert not c.hard


def test_permanent_noemail() -> None:
    c = classify_ses_bounce_recipient("Permanent", "NoEmail", "failed", None, None)
    assert c.reason == "userunknown"
    assert c.hard


def test_transient_general_without_dsn_is_auto_reply() -> None:
    c = classify_ses_bounce_recipient("Transient", "General", None, None, None)
    assert c.reason == "vacation"
    assert c.verdict is Verdict.AUTO_REPLY


def test_transient_general_with_dsn_is_soft() -> None:
    c = classify_ses_bounce_recipient(
        "Transient", "General", "failed", "4.4.7", "smtp; 421 4.4.7 delivery time expired"
    )
    assert c.reason == "expired"
    assert c.verdict is Verdict.TRANSIENT


@pytest.mark.parametrize(
    ("subtype", "diag", "reason", "verdict"),
    [
        ("MailboxFull", None, "mailboxfull", Verdict.MAILBOX_PROBLEM),
        (
            "MailboxFull",
            "smtp; 552 5.2.2 Mailbox quota exceeded",
            "mailboxfull",
            Verdict.MAILBOX_PROBLEM,
        ),
        ("MessageTooLarge", None, "mesgtoobig", Verdict.SENDER_PROBLEM),
        (
            "ContentRejected",
            "smtp; 550 5.7.1 Message rejected as spam",
            "spamdetected",
            Verdict.SENDER_PROBLEM,
        ),
        ("ContentRejected", None, "contenterror", Verdict.SENDER_PROBLEM),
        ("AttachmentRejected", None, "contenterror", Verdict.SENDER_PROBLEM),
        (
            "AttachmentRejected",
            "smtp; 554 5.7.1 Virus found: Eicar-Test-Signature",
            "virusdetected",
            Verdict.SENDER_PROBLEM,
        ),
    ],
)
def test_transient_subtypes(subtype: str, diag: str | None, reason: str, verdict: Verdict) -> None:
    c = classify_ses_bounce_recipient("Transient", subtype, "failed", None, diag)
    assert c.reason == reason
    assert c.verdict is verdict
    assert not c.hard


def test_mailboxfull_subtype_does_not_hide_a_firm_user_unknown() -> None:
    c = classify_ses_bounce_recipient(
        "Transient", "MailboxFull", "failed", "5.1.1", "smtp; 550 5.1.1 user unknown"
    )
    assert c.reason == "userunknown"


def test_delivered_action() -> None:
    c = classify_ses_bounce_recipient("Permanent", "General", "delivered", "2.0.0", None)
    assert c.verdict is Verdict.DELIVERED


def test_garbage_values_do_not_raise() -> None:
    c = classify_ses_bounce_recipient("???", "", "", "x.y.z", "\x00" * 10000)
    assert c.verdict is not None


@pytest.mark.parametrize(
    ("delay_type", "status", "diag", "reason", "verdict"),
    [
        ("InternalFailure", None, None, "systemerror", Verdict.TRANSIENT),
        ("General", None, None, "systemerror", Verdict.TRANSIENT),
        (
            "General",
            "4.2.2",
            "smtp; 452 4.2.2 Mailbox full",
            "mailboxfull",
            Verdict.MAILBOX_PROBLEM,
        ),
        ("MailboxFull", "4.2.2", None, "mailboxfull", Verdict.MAILBOX_PROBLEM),
        ("SpamDetected", None, None, "spamdetected", Verdict.SENDER_PROBLEM),
        (
            "RecipientServerError",
            "4.3.0",
            "smtp; 451 4.3.0 Temporary server error",
            "systemerror",
            Verdict.TRANSIENT,
        ),
        (
            "IPFailure",
            "4.7.1",
            "smtp; 421 4.7.1 IP temporarily blocked",
            "blocked",
            Verdict.SENDER_PROBLEM,
        ),
        (
            "TransientCommunicationFailure",
            "4.4.1",
            "smtp; 421 4.4.1 Unable to connect to remote host",
            "networkerror",
            Verdict.TRANSIENT,
        ),
        ("BYOIPHostNameLookupUnavailable", None, None, "requireptr", Verdict.SENDER_PROBLEM),
        ("Undetermined", None, None, "undetermined", Verdict.UNDETERMINED),
        ("SendingDeferral", None, None, "speeding", Verdict.SENDER_PROBLEM),
        (None, None, None, "undetermined", Verdict.UNDETERMINED),
    ],
)
def test_delay_types(
    delay_type: str | None, status: str | None, diag: str | None, reason: str, verdict: Verdict
) -> None:
    c = classify_ses_delay_recipient(delay_type, status, diag)
    assert c.reason == reason
    assert c.verdict is verdict
    assert not c.hard


def test_delay_with_user_unknown_text_is_never_hard() -> None:
    c = classify_ses_delay_recipient("General", "4.1.1", "smtp; 450 4.1.1 user unknown")
    assert not c.hard


@pytest.mark.parametrize(
    ("feedback_type", "sub_type", "reason", "verdict"),
    [
        ("abuse", None, "feedback", Verdict.COMPLAINT),
        (None, None, "feedback", Verdict.COMPLAINT),
        ("auth-failure", None, "feedback", Verdict.COMPLAINT),
        ("fraud", None, "feedback", Verdict.COMPLAINT),
        ("virus", None, "feedback", Verdict.COMPLAINT),
        ("other", None, "feedback", Verdict.COMPLAINT),
        ("not-spam", None, "feedback", Verdict.UNDETERMINED),
        ("Not-Spam", None, "feedback", Verdict.UNDETERMINED),
        (None, "OnAccountSuppressionList", REASON_SES_SUPPRESSED, Verdict.UNDETERMINED),
        ("abuse", "OnAccountSuppressionList", REASON_SES_SUPPRESSED, Verdict.UNDETERMINED),
    ],
)
def test_complaints(
    feedback_type: str | None, sub_type: str | None, reason: str, verdict: Verdict
) -> None:
    c = classify_complaint(feedback_type, sub_type)
    assert c.reason == reason
    assert c.verdict is verdict


@pytest.mark.parametrize(
    ("status", "diagnostic", "reason"),
    [
        # Gmail's authentication refusal says "blocked" too: the auth code and wording win
        (
            "5.7.26",
            "smtp; 550-5.7.26 This mail is unauthenticated, which poses a security risk to the "
            "sender and Gmail users, and has been blocked.",
            "authfailure",
        ),
        # Gmail's spam-rate deferral names SPF, but the cause is the sender's reputation
        (
            "4.7.28",
            "smtp; 421-4.7.28 Gmail has detected an unusual rate of unsolicited mail "
            "originating from your SPF domain.",
            "badreputation",
        ),
        # Gmail's per-recipient rate limit under 5.2.1 is not a disabled mailbox
        (
            "5.2.1",
            "smtp; 550-5.2.1 The user you are trying to contact is receiving mail at a rate "
            "that prevents additional messages from being delivered.",
            "toomanyconn",
        ),
        # Outlook.com's block list, written as two words
        (
            "5.7.1",
            "smtp; 550 5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent. Please "
            "contact your Internet service provider since part of their network is on our "
            "block list (S3150).",
            "blocked",
        ),
        (
            "5.7.708",
            "smtp; 550 5.7.708 Service unavailable. Access denied, traffic not accepted from "
            "this IP.",
            "blocked",
        ),
        # unrecognised text under a security/policy code is never "remove the address"
        ("5.7.1", "smtp; 550 5.7.1 Something never seen before", "policyviolation"),
        ("5.6.0", "smtp; 554 5.6.0 Something never seen before", "contenterror"),
    ],
)
def test_permanent_general_wording_of_large_receivers(
    status: str, diagnostic: str, reason: str
) -> None:
    bounce_type = "Permanent" if status.startswith("5") else "Transient"
    c = classify_ses_bounce_recipient(bounce_type, "General", "failed", status, diagnostic)
    assert c.reason == reason
    assert not c.hard


def test_unrecognised_text_under_a_neutral_code_keeps_the_aws_default() -> None:
    c = classify_ses_bounce_recipient(
        "Permanent", "General", "failed", "5.0.0", "smtp; 550 Something never seen before"
    )
    assert (c.reason, c.hard) == ("userunknown", True)
