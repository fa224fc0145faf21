"""Every failed recipient of a notice, and receiver rules that depend on the recipient."""

from __future__ import annotations

import json

import pytest

from domain.classify import analyse_message, classify_failure, classify_ses_message
from domain.classify.receivers import apply_receiver_rules, has_receiver_rule
from domain.verdicts import Classification, Verdict

_ARF = """\
From: feedback@fbl.example.net
To: abuse@example.org
Subject: Abuse report
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="B"

--B
Content-Type: text/plain

This is an email abuse report.

--B
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: ExampleFBL/1.0
Version: 1
Original-Mail-From: sender@example.org
{rcpts}
--B
Content-Type: text/rfc822-headers

From: sender@example.org
To: someone-else@example.com
Subject: hello

--B--
"""


def test_arf_report_names_every_complainant_in_order() -> None:
    rcpts = "Original-Rcpt-To: one@example.com\nOriginal-Rcpt-To: two@example.net\n"
    report = analyse_message(_ARF.format(rcpts=rcpts).encode())
    assert report.kind == "complaint"
    assert [r.address for r in report.recipients] == ["one@example.com", "two@example.net"]
    assert {r.classification.verdict for r in report.recipients} == {Verdict.COMPLAINT}


def test_arf_report_repeating_a_complainant_lists_it_once() -> None:
    rcpts = "Original-Rcpt-To: one@example.com\nOriginal-Rcpt-To: <ONE@example.com>\n"
    report = analyse_message(_ARF.format(rcpts=rcpts).encode())
    assert [r.address for r in report.recipients] == ["one@example.com"]


def test_arf_report_without_rcpt_to_falls_back_to_the_returned_headers() -> None:
    report = analyse_message(_ARF.format(rcpts="").encode())
    assert [r.address for r in report.recipients] == ["someone-else@example.com"]


_SENDMAIL_TRANSCRIPT = b"""\
From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.co.jp>
To: sender@example.co.jp
Subject: Returned mail: User unknown

   ----- Transcript of session follows -----
While talking to mx.example.org:
>>> MAIL From:<sender@example.co.jp>
<<< 501 <sender@example.co.jp>... no access from mail server [192.0.2.55] which is an open relay.
554 <first@example.org>... Remote protocol error
554 <second@example.org>... 550 Host unknown (Authoritative answer from name server)
While talking to smtp.example.edu:
>>> RCPT To:<third@example.edu>
<<< 550 <third@example.edu>... User unknown
550 <third@example.edu>... User unknown

   ----- Unsent message follows -----
From: sender@example.co.jp
To: first@example.org

hello
"""


def test_sendmail_transcript_gives_each_recipient_its_own_reply() -> None:
    report = analyse_message(_SENDMAIL_TRANSCRIPT)
    got = [(r.address, r.classification.reason) for r in report.recipients]
    assert got == [
        # the reply to MAIL FROM (our server listed as an open relay) concerns the first
        # recipient's summary line, which only says "Remote protocol error"
        ("first@example.org", "blocked"),
        ("second@example.org", "hostunknown"),
        ("third@example.edu", "userunknown"),
    ]
    assert [r.classification.hard for r in report.recipients] == [False, True, True]


def test_being_told_to_relay_elsewhere_is_still_norelaying() -> None:
    c = classify_failure(None, "550", "550 5.7.1 Relaying denied")
    assert c.reason == "norelaying"


# NTT docomo's answer to a refusal by the recipient's reception settings.
_DOCOMO_POSTFIX = """\
From: MAILER-DAEMON@mail.example.jp (Mail Delivery System)
To: sender@example.jp
Subject: Undelivered Mail Returned to Sender
Content-Type: text/plain

This is the mail system at host mail.example.jp.

<{rcpt}>: host mfsmax.docomo.ne.jp[192.0.2.9] said: 550
    Unknown user {rcpt} (in reply to {command} command)
"""


@pytest.mark.parametrize(
    ("rcpt", "command", "reason", "verdict"),
    [
        # accepted at RCPT TO, refused after the content: the settings refuse this sender
        ("someone@docomo.ne.jp", "end of DATA", "rejected", Verdict.SENDER_PROBLEM),
        # the same words from any other receiver at RCPT TO mean what they say
        ("someone@example.net", "RCPT TO", "userunknown", Verdict.INVALID_ADDRESS),
        # docomo at RCPT TO: its settings, not proof that the mailbox does not exist
        ("someone@docomo.ne.jp", "RCPT TO", "filtered", Verdict.MAILBOX_PROBLEM),
    ],
)
def test_docomo_unknown_user_depends_on_the_stage(
    rcpt: str, command: str, reason: str, verdict: Verdict
) -> None:
    raw = _DOCOMO_POSTFIX.format(rcpt=rcpt, command=command).encode()
    c = analyse_message(raw).recipients[0].classification
    assert (c.reason, c.verdict) == (reason, verdict)


def test_docomo_rule_applies_to_ses_json_bounces() -> None:
    def event(address: str) -> dict[str, object]:
        return {
            "notificationType": "Bounce",
            "bounce": {
                "bounceType": "Permanent",
                "bounceSubType": "General",
                "bouncedRecipients": [
                    {
                        "emailAddress": address,
                        "action": "failed",
                        "status": "5.0.0",
                        "diagnosticCode": f"smtp; 550 Unknown user {address}",
                    }
                ],
            },
            "mail": {"messageId": "m-1", "destination": [address]},
        }

    docomo = classify_ses_message(json.loads(json.dumps(event("a@docomo.ne.jp"))))
    other = classify_ses_message(event("a@example.com"))
    assert docomo.recipients[0].classification.reason == "filtered"
    assert not docomo.recipients[0].classification.hard
    assert other.recipients[0].classification.reason == "userunknown"
    assert other.recipients[0].classification.hard


def test_receiver_rules_match_domain_labels_not_substrings() -> None:
    assert has_receiver_rule("a@docomo.ne.jp")
    assert has_receiver_rule("a@mail.docomo.ne.jp")
    assert not has_receiver_rule("a@notdocomo.example")
    assert not has_receiver_rule(None)
    assert not has_receiver_rule("no-at-sign")
    c = Classification("userunknown", Verdict.INVALID_ADDRESS, "5.1.1", "550", "x")
    assert apply_receiver_rules("a@notdocomo.example", c) is c
    assert apply_receiver_rules("a@docomo.ne.jp", c).reason == "filtered"
    # only the listed reasons are reinterpreted
    full = Classification("mailboxfull", Verdict.MAILBOX_PROBLEM, "5.2.2", "552", "x")
    assert apply_receiver_rules("a@docomo.ne.jp", full, "DATA") is full


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            "You're sending this from a different address or alias using the 'Send mail as' "
            "feature. The settings for your 'Send mail as' account are misconfigured or out "
            "of date. Learn more here: https://support.google.com/mail/?p=CustomFromDenied",
            "rejected",
        ),
        ("Delivery to the following recipients was aborted after 5.0 hour(s)", "expired"),
        ("Each of the following recipients was rejected by a remote mail server.", "filtered"),
        # the same sentence followed by the remote's reply: the reply decides
        (
            "Each of the following recipients was rejected by a remote mail server. "
            "<<< 550 <a@example.jp>: User unknown",
            "userunknown",
        ),
    ],
)
def test_notice_wording(text: str, reason: str) -> None:
    assert classify_failure(None, None, text).reason == reason


_BOUNCE_OF_A_BOUNCE = b"""\
From: MAILER-DAEMON@mx.example.org
To: sender@example.org
Subject: Returned mail
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="OUTER"

--OUTER
Content-Type: text/plain

The message could not be delivered.

--OUTER
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org

Final-Recipient: rfc822; first@example.com
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <first@example.com>... User unknown

--OUTER
Content-Type: message/rfc822

From: MAILER-DAEMON@other.example.net
To: first@example.com
Subject: an earlier bounce, returned with this one
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="INNER"

--INNER
Content-Type: message/delivery-status

Reporting-MTA: dns; other.example.net

Final-Recipient: rfc822; unrelated@example.net
Action: failed
Status: 5.3.5
Diagnostic-Code: smtp; 553 5.3.5 system config error

--INNER--

--OUTER--
"""


def test_returned_message_that_is_itself_a_bounce_adds_no_recipient() -> None:
    report = analyse_message(_BOUNCE_OF_A_BOUNCE)
    assert [r.address for r in report.recipients] == ["first@example.com"]
    assert report.recipients[0].classification.reason == "userunknown"
