"""When "user unknown" proves that an address does not exist (domain/classify/evidence.py)."""

from __future__ import annotations

import pytest

from domain.classify import analyse_message, classify_ses_bounce_recipient
from domain.classify.evidence import unknown_user_is_proven
from domain.verdicts import Verdict


@pytest.mark.parametrize(
    ("status", "reply", "stage", "proven"),
    [
        ("5.1.1", "550", None, True),  # address status code
        ("5.2.1", "550", "RCPT", True),  # RCPT TO refused: about the recipient
        (None, "550", "RCPT", True),
        ("5.1.1", "550", "DATA", True),  # accepted at RCPT, but the code names the address
        ("5.0.0", "550", "DATA", False),  # accepted at RCPT TO, refused after the content
        (None, "550", None, False),  # bare reply, no code, no stage
        ("5.2.1", "550", None, False),  # mailbox status: the mailbox exists
        ("5.3.0", "553", None, True),  # neither confirms nor contradicts: the words stand
        (None, None, None, True),  # the receiving system's own report, no SMTP reply
    ],
)
def test_unknown_user_is_proven(
    status: str | None, reply: str | None, stage: str | None, proven: bool
) -> None:
    assert unknown_user_is_proven(status, reply, stage) is proven


def _notice(line: str) -> bytes:
    return f"""\
From: MAILER-DAEMON@gw.example.net
To: sender@example.org
Subject: Undeliverable mail

Unable to deliver message to: <rcpt@example.com>
{line}

This has been a permanent failure.  No further delivery attempts will be made.
""".encode()


@pytest.mark.parametrize(
    ("line", "reason", "verdict"),
    [
        (
            "Server failed with: 550 <rcpt@example.com> No such user here",
            "filtered",
            Verdict.MAILBOX_PROBLEM,
        ),
        (
            "Server failed with: 550 5.1.1 <rcpt@example.com> No such user here",
            "userunknown",
            Verdict.INVALID_ADDRESS,
        ),
        # Postfix's RCPT TO restriction wording is stage evidence by itself
        (
            "said: 550 5.2.1 <rcpt@example.com>: Recipient address rejected: User unknown",
            "userunknown",
            Verdict.INVALID_ADDRESS,
        ),
        # qmail's own words for a refused RCPT TO
        (
            "192.0.2.153 does not like recipient.\n"
            "Remote host said: 550 5.2.1 <rcpt@example.com>... User Unknown",
            "userunknown",
            Verdict.INVALID_ADDRESS,
        ),
        # qmail names the furthest stage it reached
        (
            "Sorry, no SMTP connection got far enough; most progress was RCPT TO response; "
            "remote host 192.0.2.1 said: 550 Unknown user rcpt@example.com",
            "userunknown",
            Verdict.INVALID_ADDRESS,
        ),
        (
            "SMTP:RCPT host 192.0.2.8: 553 5.3.0 <rcpt@example.com>... No such user here",
            "userunknown",
            Verdict.INVALID_ADDRESS,
        ),
        ("said: 550 5.2.1 <rcpt@example.com>... User Unknown", "filtered", Verdict.MAILBOX_PROBLEM),
    ],
)
def test_raw_notice(line: str, reason: str, verdict: Verdict) -> None:
    c = analyse_message(_notice(line)).recipients[0].classification
    assert (c.reason, c.verdict) == (reason, verdict)


def test_ses_json_path_weighs_the_same_evidence() -> None:
    disabled = classify_ses_bounce_recipient(
        "Permanent", "General", "failed", "5.2.1", "smtp; 550 5.2.1 <a@example.com>... User Unknown"
    )
    unknown = classify_ses_bounce_recipient(
        "Permanent", "General", "failed", "5.1.1", "smtp; 550 5.1.1 <a@example.com>... User Unknown"
    )
    assert (disabled.reason, disabled.hard) == ("filtered", False)
    assert (unknown.reason, unknown.hard) == ("userunknown", True)


def test_sender_stage_refusal_stays_about_the_sender() -> None:
    raw = b"""\
From: MAILER-DAEMON@mail.example.com (Mail Delivery System)
To: sender@example.com
Subject: Undelivered Mail Returned to Sender

<rcpt@example.org>: host mx.example.org[192.0.2.2] said: 550 No such user
    (in reply to MAIL FROM command)
"""
    c = analyse_message(raw).recipients[0].classification
    assert c.reason == "rejected"


@pytest.mark.parametrize(
    ("text", "proven"),
    [
        # the mailbox or address itself is said not to exist: proof even from a bare reply
        ("550 <rcpt@example.com>: mailbox does not exist", True),
        ("550 sorry, no mailbox here by that name", True),
        ("550 Recipient not found", True),
        ("550 no mailbox found", True),
        ("550 This is not an active address", True),
        ("550 <rcpt@example.com>: Recipient address rejected: User unknown in local table", True),
        # the short user-table words filtering gateways also use stay weak
        ("550 No such user here", False),
        ("550 User unknown", False),
        ("550 unknown user <rcpt@example.com>", False),
        ("550 rcpt@example.com... User not exist", False),
    ],
)
def test_bare_reply_is_proof_only_when_the_mailbox_is_said_not_to_exist(
    text: str, proven: bool
) -> None:
    assert unknown_user_is_proven(None, "550", None, text) is proven
    # at DATA only an address status code proves it, whatever the words
    assert unknown_user_is_proven(None, "550", "DATA", text) is False


def test_mailbox_wording_from_an_unfamiliar_gateway_suppresses() -> None:
    report = analyse_message(
        _notice("Server failed with: 550 <rcpt@example.com> mailbox not found")
    )
    [recipient] = report.recipients
    assert recipient.classification.reason == "userunknown"
    assert recipient.classification.verdict is Verdict.INVALID_ADDRESS


def test_a_filters_user_unknown_escalates_only_on_repeat() -> None:
    """End to end: the weak outcome counts towards soft-bounce escalation (domain.policy),
    so one ambiguous notice never suppresses a live mailbox, repeated ones still do."""
    from datetime import timedelta

    from domain.events import RecipientOutcome
    from domain.policy import PolicySettings, State, apply_outcome
    from tests.builders import T0

    [recipient] = analyse_message(
        _notice("Server failed with: 550 <rcpt@example.com> No such user here")
    ).recipients
    assert recipient.classification.verdict is Verdict.MAILBOX_PROBLEM
    settings = PolicySettings()
    record = None
    states = []
    for n in range(settings.soft_bounce_threshold):
        at = T0 + timedelta(days=n)
        record = apply_outcome(
            record,
            "rcpt@example.com",
            RecipientOutcome(
                address="rcpt@example.com",
                event_type="Bounce",
                event_id=f"e{n}",
                occurred_at=at,
                classification=recipient.classification,
                source="test",
            ),
            settings,
        )
        assert record is not None
        states.append(record.is_suppressed(at))
    assert states == [False] * (settings.soft_bounce_threshold - 1) + [True]
    assert record is not None and record.decision.state is State.SUPPRESSED
