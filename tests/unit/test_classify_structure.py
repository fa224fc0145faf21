"""Structure before wording (docs/classification.md, "Structure before wording").

Every message here is written for this test from the RFCs (3464, 3834, 5965, 6533) and the
published formats of SES/SNS notifications and common MTAs; none comes from a corpus.
"""

from __future__ import annotations

import base64
import json
import quopri

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.classify import analyse_message
from domain.classify.autoreply import REASON_CHALLENGE, auto_reply_subject
from domain.classify.dsn import address_field
from domain.classify.sesmail import find_notification
from domain.classify.taxonomy import verdict_for
from domain.verdicts import Verdict

# --------------------------------------------------------------------------------------
# a. an RFC 5965 feedback report or an RFC 3464 DSN wins over every auto-reply hint

_AUTO_HEADERS = (
    "Auto-Submitted: auto-replied\n"
    "X-Autoreply: yes\n"
    "Precedence: auto_reply\n"
    "X-Auto-Response-Suppress: All\n"
)

_ARF = """\
From: Feedback Loop <fbl@isp.example.net>
To: fbl-reports@example.com
Subject: {subject}
{headers}MIME-Version: 1.0
Content-Type: multipart/report; {report_type}; boundary="arf"

--arf
Content-Type: text/plain

This is an email abuse report for an email message received from IP 192.0.2.1.

--arf
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: ExampleFBL/2.1
Version: 1
Original-Mail-From: <bounces@example.com>
Original-Rcpt-To: <complainer@isp.example.net>
Arrival-Date: Mon, 30 Nov 2026 01:02:03 +0000

--arf
Content-Type: message/rfc822

From: news@example.com
To: complainer@isp.example.net
Subject: Our November news

Hello.
--arf--
"""


@pytest.mark.parametrize(
    "report_type",
    [
        "report-type=feedback-report",
        'report-type="feedback-report"',
        "report-type = feedback-report",
        "report-type=delivery-status",  # mislabelled: the feedback-report part decides
    ],
)
@pytest.mark.parametrize("subject", ["Automatic reply: Our November news", "Out of Office"])
def test_feedback_report_wins_over_auto_reply_hints(report_type: str, subject: str) -> None:
    raw = _ARF.format(subject=subject, headers=_AUTO_HEADERS, report_type=report_type)
    report = analyse_message(raw.encode())
    assert report.kind == "complaint"
    assert report.feedback_type == "abuse"
    assert [r.address for r in report.recipients] == ["complainer@isp.example.net"]
    assert report.recipients[0].classification.verdict is Verdict.COMPLAINT


def test_feedback_report_fields_inline_in_a_text_body_are_a_complaint() -> None:
    # a provider whose report lost its multipart structure: the fields are in the text
    raw = (
        "From: abuse@isp.example.net\n"
        "To: fbl@example.com\n"
        "Subject: Auto-Reply: spam report\n"
        "Auto-Submitted: auto-replied\n"
        "Content-Type: text/plain\n\n"
        "A user of ours marked your message as spam.\n\n"
        "Feedback-Type: abuse\n"
        "User-Agent: SomeFBL/1.0\n"
        "Version: 1\n"
        "Original-Rcpt-To: victim@isp.example.net\n\n"
        "From: news@example.com\n"
        "To: victim@isp.example.net\n"
    )
    report = analyse_message(raw.encode())
    assert report.kind == "complaint"
    assert [r.address for r in report.recipients] == ["victim@isp.example.net"]


def test_feedback_type_word_alone_in_prose_is_not_a_report() -> None:
    # an auto-reply that happens to quote one field name stays an auto-reply
    raw = (
        "From: someone@example.org\n"
        "To: news@example.com\n"
        "Subject: Automatic reply: hello\n\n"
        "I am away. Feedback-Type: abuse is what our form calls it.\n"
    )
    assert analyse_message(raw.encode()).kind == "auto-reply"


_DSN = """\
From: {sender}
To: bounces@example.com
Subject: {subject}
{headers}MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="dsn"

--dsn
Content-Type: text/plain

Your message could not be delivered.

--dsn
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org

Final-Recipient: rfc822; gone@example.org
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <gone@example.org>: Recipient address rejected: User unknown

--dsn--
"""


@pytest.mark.parametrize(
    ("sender", "subject"),
    [
        ("Mail Delivery System <MAILER-DAEMON@mx.example.org>", "Automatic reply: hello"),
        ("helpdesk@example.org", "Out of Office: hello"),
        ("helpdesk@example.org", "Abwesenheitsnotiz: hello"),
    ],
)
def test_delivery_status_wins_over_auto_reply_hints(sender: str, subject: str) -> None:
    raw = _DSN.format(sender=sender, subject=subject, headers=_AUTO_HEADERS)
    report = analyse_message(raw.encode())
    assert report.kind == "bounce"
    assert report.recipients[0].address == "gone@example.org"
    assert report.recipients[0].classification.hard


def test_delivery_status_fields_inline_in_a_text_part_are_read_as_a_dsn() -> None:
    # a gateway that writes the RFC 3464 fields into its plain-text notice
    raw = (
        "From: postmaster@gw.example.org\n"
        "To: bounces@example.com\n"
        "Subject: Automatic notification\n"
        "Auto-Submitted: auto-replied\n"
        "Content-Type: text/plain\n\n"
        "Delivery to the following recipient failed permanently.\n\n"
        "Final-Recipient: rfc822; nobody@example.org\n"
        "Action: failed\n"
        "Status: 5.1.1\n"
        "Diagnostic-Code: smtp; 550 5.1.1 No such user\n"
    )
    report = analyse_message(raw.encode())
    assert report.kind == "bounce"
    assert report.recipients[0].address == "nobody@example.org"
    assert report.recipients[0].classification.reason == "userunknown"


def test_x_failed_recipients_wins_over_auto_submitted() -> None:
    # Exim's bounce: RFC 3834's Auto-Submitted and X-Failed-Recipients together
    raw = (
        "From: Mail Delivery System <Mailer-Daemon@mx.example.net>\n"
        "To: bounces@example.com\n"
        "Subject: Automatic reply\n"
        "X-Failed-Recipients: lost@example.org\n"
        "Auto-Submitted: auto-replied\n\n"
        "This message was created automatically by mail delivery software.\n\n"
        "A message that you sent could not be delivered to one or more of its\n"
        "recipients. This is a permanent error. The following address(es) failed:\n\n"
        "  lost@example.org\n"
        "    SMTP error from remote mail server after RCPT TO:<lost@example.org>:\n"
        "    550 5.1.1 <lost@example.org>: Recipient address rejected: User unknown\n"
    )
    report = analyse_message(raw.encode())
    assert report.kind == "bounce"
    assert [r.address for r in report.recipients] == ["lost@example.org"]
    assert report.recipients[0].classification.hard


# --------------------------------------------------------------------------------------
# b. SES notifications delivered by mail

_SES_BOUNCE = {
    "notificationType": "Bounce",
    "bounce": {
        "bounceType": "Permanent",
        "bounceSubType": "General",
        "bouncedRecipients": [
            {
                "emailAddress": "gone@example.org",
                "action": "failed",
                "status": "5.1.1",
                "diagnosticCode": "smtp; 550 5.1.1 user unknown",
            }
        ],
        "timestamp": "2026-11-30T01:00:00.000Z",
        "feedbackId": "0100000000000000-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee-000000",
        "reportingMTA": "dsn; a1-2.smtp-out.eu-west-1.amazonses.com",
    },
    "mail": {
        "timestamp": "2026-11-30T00:59:59.000Z",
        "source": "news@example.com",
        "messageId": "0100000000000000-11111111-2222-3333-4444-555555555555-000000",
        "destination": ["gone@example.org"],
        "headersTruncated": False,
        "headers": [
            {"name": "From", "value": "news@example.com"},
            {"name": "To", "value": "gone@example.org"},
            {"name": "Content-Transfer-Encoding", "value": "7bit"},
        ],
        "commonHeaders": {"from": ["news@example.com"], "to": ["gone@example.org"]},
    },
}
_SES_COMPLAINT = {
    "notificationType": "Complaint",
    "complaint": {
        "complainedRecipients": [{"emailAddress": "annoyed@example.net"}],
        "timestamp": "2026-11-30T01:00:00.000Z",
        "feedbackId": "0100000000000000-ffffffff-0000-1111-2222-333333333333-000000",
        "complaintFeedbackType": "abuse",
    },
    "mail": {"source": "news@example.com", "destination": ["annoyed@example.net"]},
}
_SES_DELIVERY = {
    "eventType": "Delivery",
    "delivery": {
        "timestamp": "2026-11-30T01:00:00.000Z",
        "recipients": ["fine@example.org"],
        "smtpResponse": "250 2.6.0 Message received",
    },
    "mail": {"source": "news@example.com"},
}
_SNS_FOOTER = (
    "\n\n--\nIf you wish to stop receiving notifications from this topic, please click or "
    "visit the link below to unsubscribe:\nhttps://sns.eu-west-1.amazonaws.com/unsubscribe.html"
    "?SubscriptionArn=arn:aws:sns:eu-west-1:123456789012:ses-feedback:0000\n\nPlease do not "
    "reply directly to this email.\n"
)


def _ses_mail(body: str, *, sender: str = "no-reply@sns.amazonaws.com", headers: str = "") -> bytes:
    return (
        f"From: SES feedback <{sender}>\n"
        "To: ops@example.com\n"
        "Subject: AWS Notification Message\n"
        f"{headers}"
        "Content-Type: text/plain; charset=UTF-8\n\n" + body
    ).encode()


def _split_long_lines(text: str, width: int = 200) -> str:
    """What sendmail does to a line longer than it may send: ``!``, newline, space."""
    return "!\n ".join(text[i : i + width] for i in range(0, len(text), width))


def _expect_bounce(raw: bytes) -> None:
    report = analyse_message(raw)
    assert report.kind == "bounce", report
    assert [r.address for r in report.recipients] == ["gone@example.org"]
    assert report.recipients[0].classification.reason == "userunknown"
    assert report.recipients[0].classification.hard


def test_ses_notification_by_email_subscription() -> None:
    _expect_bounce(_ses_mail(json.dumps(_SES_BOUNCE) + _SNS_FOOTER))


def test_ses_notification_split_by_a_relay() -> None:
    _expect_bounce(_ses_mail(_split_long_lines(json.dumps(_SES_BOUNCE)) + _SNS_FOOTER))


def test_ses_notification_quoted_printable() -> None:
    body = quopri.encodestring(json.dumps(_SES_BOUNCE, indent=1).encode()).decode()
    _expect_bounce(_ses_mail(body, headers="Content-Transfer-Encoding: quoted-printable\n"))


def test_ses_notification_quoted_printable_without_the_header() -> None:
    body = quopri.encodestring(json.dumps(_SES_BOUNCE).encode()).decode()
    assert "=\n" in body  # soft line breaks are there to be undone
    _expect_bounce(_ses_mail(body, sender="no-reply@amazonses.com"))


def test_ses_notification_in_an_email_json_envelope() -> None:
    envelope = {
        "Type": "Notification",
        "MessageId": "22222222-3333-4444-5555-666666666666",
        "TopicArn": "arn:aws:sns:eu-west-1:123456789012:ses-feedback",
        "Message": json.dumps(_SES_BOUNCE),
        "Timestamp": "2026-11-30T01:00:01.000Z",
        "SignatureVersion": "1",
    }
    _expect_bounce(_ses_mail(json.dumps(envelope, indent=2) + _SNS_FOOTER))


def test_ses_notification_in_the_text_part_of_a_multipart_mail() -> None:
    raw = (
        "From: MAILER-DAEMON@amazonses.com\n"
        "To: ops@example.com\n"
        "Subject: Notification\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/alternative; boundary="alt"\n\n'
        "--alt\nContent-Type: text/plain; charset=UTF-8\n\n"
        + json.dumps(_SES_BOUNCE)
        + "\n--alt\nContent-Type: text/html\n\n<p>see the text part</p>\n--alt--\n"
    )
    _expect_bounce(raw.encode())


def test_long_ses_notification_is_read_whole() -> None:
    many = dict(_SES_BOUNCE)
    mail = dict(_SES_BOUNCE["mail"])  # type: ignore[arg-type]
    mail["headers"] = [{"name": f"X-Filler-{i}", "value": "x" * 200} for i in range(200)]
    many["mail"] = mail
    body = json.dumps(many)
    assert len(body) > 30_000  # longer than the text the wording rules read
    _expect_bounce(_ses_mail(body))


def test_ses_complaint_and_delivery_by_mail() -> None:
    complaint = analyse_message(_ses_mail(json.dumps(_SES_COMPLAINT) + _SNS_FOOTER))
    assert complaint.kind == "complaint"
    assert complaint.feedback_type == "abuse"
    assert [r.address for r in complaint.recipients] == ["annoyed@example.net"]
    delivery = analyse_message(_ses_mail(json.dumps(_SES_DELIVERY)))
    assert delivery.kind == "delivery"
    assert [r.address for r in delivery.recipients] == ["fine@example.org"]


def test_ses_notification_wins_over_auto_reply_headers() -> None:
    raw = _ses_mail(json.dumps(_SES_BOUNCE), headers="Auto-Submitted: auto-replied\n")
    _expect_bounce(raw)


def test_unreadable_ses_json_from_aws_names_nobody() -> None:
    body = json.dumps(_SES_BOUNCE)[:-40]  # cut inside the mail object, after "source"
    assert find_notification(body) is None
    report = analyse_message(_ses_mail(body))
    assert report.kind == "other"
    assert report.error is not None
    assert report.recipients == ()


def test_find_notification_ignores_unrelated_json() -> None:
    assert find_notification('{"Type": "Notification", "Message": "hello"}') is None
    assert find_notification('{"eventType": "Open"}') == {"eventType": "Open"}


# --------------------------------------------------------------------------------------
# c. automatic replies in many languages and by their headers

_AUTO_SUBJECTS = [
    "Automatic reply: Our November news",
    "RE: Out of Office",
    "[Auto-Reply] Our November news",
    "Abwesenheitsnotiz: Our November news",
    "Automatische Antwort: Our November news",
    "Réponse automatique : Our November news",
    "Absent du bureau",
    "Respuesta automática: Our November news",
    "Fuera de la oficina",
    "Risposta automatica: Our November news",
    "Fuori sede",
    "Resposta automática: Our November news",
    "Ausente",
    "Automatisch antwoord: Our November news",
    "Afwezig",
    "自動応答: Our November news",
    "【自動返信】お問い合わせありがとうございます",
    "不在のお知らせ",
    "自动回复: Our November news",
    "Automatyczna odpowiedź: Our November news",
    "Autosvar: Our November news",
    "Automaattinen vastaus: Our November news",
    "Автоответ: Our November news",
    "Автоматический ответ: Our November news",
    "Automatická odpověď: Our November news",
    "Otomatik yan\u0131t: Our November news",
    "자동 응답: Our November news",
]


@pytest.mark.parametrize("subject", _AUTO_SUBJECTS)
def test_auto_reply_subjects_in_many_languages(subject: str) -> None:
    assert auto_reply_subject(subject)
    raw = (
        "From: Someone <someone@example.org>\n"
        "To: news@example.com\n"
        f"Subject: {subject}\n"
        "Content-Type: text/plain; charset=UTF-8\n\n"
        "Thank you for your message.\n"
    )
    report = analyse_message(raw.encode())
    assert report.kind == "auto-reply"
    assert report.recipients[0].classification.reason == "vacation"
    assert report.recipients[0].classification.verdict is Verdict.AUTO_REPLY
    assert report.recipients[0].address == "someone@example.org"


def test_encoded_word_subject_is_decoded_first() -> None:
    # "Abwesenheitsnotiz" and "自動応答" as RFC 2047 encoded-words
    for encoded in ("=?ISO-8859-1?Q?Abwesenheitsnotiz?=", "=?UTF-8?B?6Ieq5YuV5b+c562U?="):
        raw = f"From: a@example.org\nTo: b@example.com\nSubject: {encoded}\n\nhi\n"
        assert analyse_message(raw.encode()).kind == "auto-reply"


@pytest.mark.parametrize(
    "subject",
    [
        "Undeliverable: Our November news",
        "Unzustellbar: Our November news",
        "Mail delivery failed: returning message to sender",
        "Our November news",
        "Autumn offers",
        "Automobile club newsletter",
        "Delivery Status Notification (Failure)",
        "Returned mail: see transcript for details",
    ],
)
def test_other_subjects_are_not_auto_replies(subject: str) -> None:
    assert not auto_reply_subject(subject)


@pytest.mark.parametrize(
    "header",
    [
        "X-Autoreply: yes",
        "X-Autorespond: vacation",
        "Precedence: auto_reply",
        "X-Autogenerated: Reply",
        "X-AG-AUTOREPLY: yes",
        "X-POST-MessageClass: 9; Autoresponder",
        "Delivered-To: Autoresponder",
        "Auto-Submitted: auto-replied (vacation)",
        "X-MS-Exchange-Inbox-Rules-Loop: someone@example.org",
        "X-Auto-Response-Suppress: All",
    ],
)
def test_auto_reply_headers(header: str) -> None:
    raw = (
        "From: someone@example.org\nTo: news@example.com\nSubject: Re: hello\n"
        f"{header}\n\nI will read your message when I am back.\n"
    )
    report = analyse_message(raw.encode())
    assert report.kind == "auto-reply"
    assert report.recipients[0].classification.reason == "vacation"


@pytest.mark.parametrize(
    "header", ["Auto-Submitted: auto-replied", "X-Auto-Response-Suppress: All"]
)
def test_weak_auto_reply_headers_on_a_bounce_body_stay_a_bounce(header: str) -> None:
    raw = (
        "From: gateway@example.org\nTo: news@example.com\nSubject: Notice\n"
        f"{header}\n\n"
        "<gone@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1\n"
        "    <gone@example.org>: Recipient address rejected: User unknown (in reply to\n"
        "    RCPT TO command)\n"
    )
    report = analyse_message(raw.encode())
    assert report.kind == "bounce"
    assert report.recipients[0].classification.hard


@pytest.mark.parametrize(
    "body",
    [
        "Thank you for your email. I am currently out of the office until Monday.",
        "Vielen Dank für Ihre Nachricht. Ich bin bis zum 5. Januar nicht im Büro.",
        "Merci pour votre message. Je suis absente du bureau jusqu'au 3 mars.",
        "Gracias por su mensaje. Estoy fuera de la oficina hasta el lunes.",
        "Grazie per il messaggio. Sono fuori ufficio fino a lunedì.",
        "Obrigado pela mensagem. Estou de férias até dia 10.",
        "Bedankt voor uw bericht. Ik ben met vakantie tot en met 4 januari.",
        "Спасибо за письмо. Я в отпуске до понедельника.",
        "メールありがとうございます。ただいま休暇中のため、返信が遅れます。",
    ],
)
def test_out_of_office_wording_without_headers_is_an_auto_reply(body: str) -> None:
    raw = (
        "From: someone@example.org\nTo: news@example.com\nSubject: Re: Our November news\n"
        "Content-Type: text/plain; charset=UTF-8\n\n" + body + "\n"
    )
    report = analyse_message(raw.encode())
    assert report.kind == "auto-reply"
    assert report.recipients[0].classification.reason == "vacation"


def test_out_of_office_words_in_a_bounce_do_not_make_it_an_auto_reply() -> None:
    raw = (
        "From: gateway@example.org\nTo: news@example.com\nSubject: Re: Our November news\n\n"
        "I am sorry, your message could not be delivered while I am out of the office:\n"
        "<gone@example.org>: 550 5.1.1 User unknown\n"
    )
    report = analyse_message(raw.encode())
    assert report.kind == "bounce"
    assert report.recipients[0].classification.hard


# --------------------------------------------------------------------------------------
# d. challenge/response sender verification is an automatic reply, never a bounce

_CHALLENGES = [
    (
        "Please confirm your message",
        "Hello, I use a challenge-response system to keep spam out. Your message to "
        "friend@example.org is being held. Click the link below to confirm you are a human "
        "and it will be delivered:\nhttps://verify.example.net/c/abc\n",
    ),
    (
        "Re: Our November news",
        "Your message has been quarantined pending sender verification. To have it "
        "delivered, please verify your email address at https://mail.example.net/v/1\n",
    ),
    (
        "Action required: verify your email to deliver your message",
        "We hold messages from senders who are not on the approved senders list of "
        "friend@example.org.\n",
    ),
    (
        "Boxbe Notification",
        "friend@example.org is using Boxbe to manage incoming email. Your message was placed "
        "in their Guest List. Please add yourself to their Guest List.\n",
    ),
    (
        "Auto-reply: sender verification request",
        "This mailbox is protected by SpamArrest. Please prove you are human by visiting "
        "the page below.\n",
    ),
]


@pytest.mark.parametrize(("subject", "body"), _CHALLENGES)
def test_challenge_response_is_an_auto_reply(subject: str, body: str) -> None:
    raw = (
        "From: Verification <verify@example.net>\n"
        "To: news@example.com\n"
        f"Subject: {subject}\n"
        "Auto-Submitted: auto-replied\n\n" + body
    )
    report = analyse_message(raw.encode())
    assert report.kind == "auto-reply"
    c = report.recipients[0].classification
    assert c.reason == REASON_CHALLENGE
    assert c.verdict is Verdict.AUTO_REPLY
    assert not c.hard
    assert verdict_for(REASON_CHALLENGE, True) is Verdict.AUTO_REPLY


def test_sender_verification_failure_from_a_daemon_stays_a_bounce() -> None:
    # a callout refusal is a bounce about our sender address, not a challenge
    raw = (
        "From: MAILER-DAEMON@mx.example.org\nTo: bounces@example.com\n"
        "Subject: Mail delivery failed\n\n"
        "  friend@example.org\n"
        "    SMTP error from remote mail server after MAIL FROM:<bounces@example.com>:\n"
        "    550 5.7.1 Sender verify failed: please confirm you are human at our portal\n"
    )
    report = analyse_message(raw.encode())
    assert report.kind == "bounce"
    assert report.recipients[0].classification.reason != REASON_CHALLENGE


# --------------------------------------------------------------------------------------
# e. recipient extraction


@pytest.mark.parametrize(
    ("value", "address"),
    [
        ("rfc822; gone@example.org", "gone@example.org"),
        ("rfc822; <Gone@Example.org>", "gone@example.org"),
        ("rfc822;<gone@example.org>", "gone@example.org"),
        ("gone@example.org", "gone@example.org"),  # address type missing
        ("<gone@example.org>", "gone@example.org"),
        ("rfc822;\n gone@example.org", "gone@example.org"),  # folded
        ("utf-8; j\\x{F6}rg@b\\x{FC}cher.example", "jörg@bücher.example"),  # RFC 6533
        ("utf-8; jörg@bücher.example", "jörg@bücher.example"),
        ("rfc822; undisclosed-recipients", None),
        ("", None),
    ],
)
def test_recipient_field_forms(value: str, address: str | None) -> None:
    assert address_field(value) == address


def _dsn_with(fields: str, *, to: str = "bounces@example.com", headers: str = "") -> bytes:
    return (
        "From: MAILER-DAEMON@mx.example.org\n"
        f"To: {to}\n"
        "Subject: Delivery Status Notification (Failure)\n"
        f"{headers}"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\n\n'
        "--b\nContent-Type: text/plain\n\nDelivery failed.\n\n"
        "--b\nContent-Type: message/delivery-status\n\n"
        "Reporting-MTA: dns; mx.example.org\n\n"
        f"{fields}"
        "Action: failed\n"
        "Status: 5.1.1\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown\n\n"
        "--b--\n"
    ).encode()


@pytest.mark.parametrize(
    "fields",
    [
        "Final-Recipient: rfc822; <gone@example.org>\n",
        "Final-Recipient: gone@example.org\n",
        "Final-Recipient: rfc822;\n\tgone@example.org\n",
        "Original-Recipient: rfc822; gone@example.org\n",
        "X-Actual-Recipient: rfc822; gone@example.org\n",
        "Final-Recipient: rfc822; undisclosed\nX-Actual-Recipient: rfc822; gone@example.org\n",
    ],
)
def test_dsn_recipient_forms(fields: str) -> None:
    report = analyse_message(_dsn_with(fields))
    assert [r.address for r in report.recipients] == ["gone@example.org"]
    assert report.recipients[0].classification.hard


def test_dsn_utf8_address_type() -> None:
    report = analyse_message(_dsn_with("Final-Recipient: utf-8; j\\x{F6}rg@example.org\n"))
    assert [r.address for r in report.recipients] == ["jörg@example.org"]


def test_x_failed_recipients_fills_a_dsn_block_without_an_address() -> None:
    report = analyse_message(
        _dsn_with(
            "Remote-MTA: dns; mx.example.org\n", headers="X-Failed-Recipients: gone@example.org\n"
        )
    )
    assert [r.address for r in report.recipients] == ["gone@example.org"]


def test_own_recipient_in_final_recipient_yields_to_x_failed_recipients() -> None:
    report = analyse_message(
        _dsn_with(
            "Final-Recipient: rfc822; bounces@example.com\n",
            headers="X-Failed-Recipients: gone@example.org\n",
        )
    )
    assert [r.address for r in report.recipients] == ["gone@example.org"]


def test_final_recipient_equal_to_the_notice_recipient_stands_without_another_name() -> None:
    # mail sent to oneself and forwarded on: the address mailed is Final-Recipient
    report = analyse_message(
        _dsn_with("Final-Recipient: rfc822; me@example.com\n", to="me@example.com")
    )
    assert [r.address for r in report.recipients] == ["me@example.com"]


def test_exim_notice_never_names_our_own_sender() -> None:
    # the notice quotes our envelope sender in its text, before the failed address
    raw = (
        "From: Mail Delivery System <Mailer-Daemon@mx.example.net>\n"
        "To: bounces@example.com\n"
        "Delivered-To: bounces@example.com\n"
        "Subject: Mail delivery failed: returning message to sender\n"
        "X-Failed-Recipients: lost@example.org\n"
        "Auto-Submitted: auto-replied\n\n"
        "This message was created automatically by mail delivery software.\n\n"
        "A message sent by\n\n"
        "  <bounces@example.com>\n\n"
        "could not be delivered to one or more of its recipients. The following\n"
        "address(es) failed:\n\n"
        "  lost@example.org\n"
        "    SMTP error from remote mail server after RCPT TO:<lost@example.org>:\n"
        "    550 5.1.1 User unknown\n"
    )
    report = analyse_message(raw.encode())
    assert [r.address for r in report.recipients] == ["lost@example.org"]
    assert report.recipients[0].classification.hard


def test_text_bounce_skips_the_delivered_to_address() -> None:
    raw = (
        "From: MAILER-DAEMON@mx.example.net\n"
        "To: Bounces <bounces+abc@example.com>\n"
        "Delivered-To: bounces@example.com\n"
        "Subject: Undelivered Mail Returned to Sender\n\n"
        "<bounces@example.com>: this is where the notice was sent\n"
        "<lost@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1 <lost@example.org>:\n"
        "    Recipient address rejected: User unknown (in reply to RCPT TO command)\n"
    )
    report = analyse_message(raw.encode())
    assert [r.address for r in report.recipients] == ["lost@example.org"]


# --------------------------------------------------------------------------------------
# the inbound path (InboundFunction) reads the same structure


def test_inbound_reads_an_ses_notification_mailed_by_ses() -> None:
    from domain.inbound import analyse_inbound

    raw = _ses_mail(json.dumps(_SES_BOUNCE) + _SNS_FOOTER, sender="no-reply@amazonses.com")
    report = analyse_inbound(raw)
    assert report.kind == "dsn"
    assert [f.address for f in report.feedback] == ["gone@example.org"]


def test_inbound_reads_a_quoted_report_type_as_a_report() -> None:
    from domain.inbound import analyse_inbound

    raw = _ARF.format(
        subject="Out of Office", headers=_AUTO_HEADERS, report_type='report-type="feedback-report"'
    )
    report = analyse_inbound(raw.encode())
    assert report.kind == "arf"
    assert [f.address for f in report.feedback] == ["complainer@isp.example.net"]


@pytest.mark.parametrize("subject", ["Automatische Antwort: hallo", "Fuera de la oficina"])
def test_inbound_auto_reply_in_other_languages(subject: str) -> None:
    from domain.inbound import analyse_inbound

    raw = f"From: a@example.org\nTo: news@example.com\nSubject: {subject}\n\nhola\n"
    assert analyse_inbound(raw.encode()).kind == "auto-reply"


# --------------------------------------------------------------------------------------
# the new readers never raise on malformed input


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_address_field_never_raises(value: str) -> None:
    got = address_field(value)
    assert got is None or ("@" in got and got == got.lower())


_JSONISH = st.text(alphabet='{}[]":,\\!=\n notificationTypeBounc3D', max_size=400)


@settings(max_examples=200, deadline=None)
@given(st.one_of(_JSONISH, st.text(max_size=400)))
def test_find_notification_never_raises(text: str) -> None:
    found = find_notification(text)
    assert found is None or "notificationType" in found or "eventType" in found


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200), st.text(max_size=600))
def test_auto_reply_readers_never_raise(subject: str, body: str) -> None:
    from domain.classify.autoreply import is_challenge, vacation_text

    assert isinstance(auto_reply_subject(subject), bool)
    assert isinstance(is_challenge(subject, body), bool)
    assert isinstance(vacation_text(body), bool)


def test_ses_event_we_do_not_classify_is_other_with_its_reason() -> None:
    report = analyse_message(_ses_mail(json.dumps({"eventType": "Open", "open": {}})))
    assert report.kind == "other"
    assert report.error is not None
    assert "Open" in report.error


def test_ses_email_feedback_forwarding_of_a_complaint_is_read_as_arf() -> None:
    # without an SNS topic SES forwards the ISP's report by mail (email feedback forwarding)
    raw = _ARF.format(
        subject="Complaint about message from 192.0.2.1",
        headers="",
        report_type="report-type=feedback-report",
    ).replace(
        "From: Feedback Loop <fbl@isp.example.net>",
        "From: complaints@email-abuse.amazonses.com",
    )
    report = analyse_message(raw.encode())
    assert report.kind == "complaint"
    assert [r.address for r in report.recipients] == ["complainer@isp.example.net"]


def test_ses_email_feedback_forwarding_of_a_bounce_is_read_as_a_dsn() -> None:
    raw = _DSN.format(
        sender="MAILER-DAEMON@amazonses.com",
        subject="Delivery Status Notification (Failure)",
        headers="Auto-Submitted: auto-replied\n",
    )
    report = analyse_message(raw.encode())
    assert report.kind == "bounce"
    assert [r.address for r in report.recipients] == ["gone@example.org"]
    assert report.recipients[0].classification.hard


def test_exchange_ndr_header_keeps_a_notice_out_of_the_auto_reply_branch() -> None:
    # Exchange marks its non-delivery reports; the same notice carries Auto-Submitted and
    # X-Auto-Response-Suppress, and a localised subject no bounce pattern knows
    raw = (
        "From: Microsoft Outlook <MicrosoftExchange0123@example.net>\n"
        "To: news@example.com\n"
        "Subject: Nicht zustellbar: Our November news\n"
        "Auto-Submitted: auto-replied\n"
        "X-Auto-Response-Suppress: All\n"
        "X-MS-Exchange-Message-Is-Ndr:\n"
        "Content-Type: text/plain; charset=UTF-8\n\n"
        "Ihre Nachricht hat einige oder alle Empfänger nicht erreicht.\n\n"
        "gone@example.org\n"
    )
    report = analyse_message(raw.encode())
    assert report.kind == "bounce"
    assert [r.address for r in report.recipients] == ["gone@example.org"]


def test_delivery_status_report_type_without_its_part_is_not_an_auto_reply() -> None:
    raw = (
        "From: gateway@example.org\n"
        "To: news@example.com\n"
        "Subject: Automatic reply\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="r"\n\n'
        "--r\nContent-Type: text/plain\n\n"
        "Delivery to this recipient failed:\n\n"
        "<gone@example.org>: 550 5.1.1 User unknown\n"
        "--r--\n"
    )
    report = analyse_message(raw.encode())
    assert report.kind == "bounce"
    assert report.recipients[0].address == "gone@example.org"
    assert report.recipients[0].classification.hard


def test_ses_notification_attached_as_a_json_file() -> None:
    raw = (
        "From: ops-forwarder@example.com\n"
        "To: ops@example.com\n"
        "Subject: Fwd: SES notification\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="m"\n\n'
        "--m\nContent-Type: text/plain\n\nSee the attached notification.\n"
        '--m\nContent-Type: application/json; name="notification.json"\n'
        "Content-Transfer-Encoding: base64\n\n"
        + base64.encodebytes(json.dumps(_SES_BOUNCE).encode()).decode()
        + "--m--\n"
    )
    _expect_bounce(raw.encode())
