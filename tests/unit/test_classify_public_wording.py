"""Public bounce wording of large receivers, through the SES JSON path.

An unrecognised Permanent/General text defaults to hard (AWS's guidance), so a sender-side
refusal whose wording the tables miss would suppress a reachable customer.  These are the
documented or widely published replies of Gmail, Outlook.com/Microsoft 365, Yahoo, AOL,
iCloud, Proofpoint, Mimecast, GMX and common MTAs; the expectation is only hard or not.
"""

from __future__ import annotations

import pytest

from domain.classify import classify_ses_bounce_recipient

NOT_HARD = [
    (
        "5.0.0",
        "554 DT:SPM 163 mx14,QMCowAD3_0000000000000000000.1 0000000000 , please see "
        "http://mail.163.com/help/help_spam_16.htm?ip=192.0.2.1",
    ),
    (
        "5.0.0",
        "554 IP=192.0.2.1 - A problem occurred. (Ask your postmaster for help or to "
        "contact tosa@rx.t-online.de to clarify.)",
    ),
    # the cause glued to the address must survive the address being blanked
    ("5.0.0", "550 permanent failure for one or more recipients (x@example.com:blocked)"),
    (
        "5.0.0",
        "554 imta14.westchester.pa.mail.comcast.net comcast 192.0.2.1 Comcast BL004 "
        "Blocked for spam.",
    ),
    (
        "5.7.1",
        "554 5.7.1 [TSS09] All messages from 192.0.2.1 will be permanently deferred; "
        "Retrying will NOT succeed.",
    ),
    ("5.0.0", "550 Ip frequency limited. http://service.mail.qq.com/cgi-bin/help?subtype=1"),
    (
        "5.0.0",
        "550 Message was not accepted -- invalid mailbox.  Local mailbox x@mail.ru is "
        "unavailable: account is disabled",
    ),
    (
        "5.7.1",
        "553 5.7.1 [BL21] Connections will not be accepted from 192.0.2.1, because the "
        "ip is in Spamhaus's list; see http://postmaster.yahoo.com/550-bl23.html",
    ),
    ("5.0.0", "554 Message not allowed - [PH01] Email not accepted for policy reasons."),
    ("5.2.1", "521 5.2.1 : AOL will not accept delivery of this message."),
    (
        "5.7.520",
        "550 5.7.520 Access denied, Your organization does not allow external "
        "forwarding. Please contact your administrator for further assistance. AS(7555)",
    ),
    (
        "5.7.133",
        "550 5.7.133 RESOLVER.RST.SenderNotAuthenticatedForGroup; authentication "
        "required; Delivery restriction check failed as sender not authenticated",
    ),
    ("5.2.2", "554 5.2.2 mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException"),
    ("5.7.350", "550 5.7.350 Remote server returned message detected as spam"),
    ("5.7.64", "550 5.7.64 TenantAttribution; Relay Access Denied"),
    (
        "5.7.1",
        "550-5.7.1 [192.0.2.1] The IP you're using to send mail is not authorized to "
        "send email directly to our servers. Please use the SMTP relay at your service provider "
        "instead.",
    ),
    ("5.7.0", "552-5.7.0 Our system detected an illegal attachment on your message."),
    ("5.7.1", "554 5.7.1 [CS01] Message rejected due to local policy."),
    ("5.0.0", "554 Denied [CS01] (Mode: normal)"),
    ("5.7.0", "550 5.7.0 Blocked - see https://ipcheck.proofpoint.com/?ip=192.0.2.1"),
    (
        "5.0.0",
        "550 Administrative prohibition - envelope blocked - "
        "https://community.mimecast.com/docs/DOC-1369#550",
    ),
    (
        "5.0.0",
        "554 Email rejected due to security policies - "
        "https://community.mimecast.com/docs/DOC-1369#554",
    ),
    ("5.0.0", "554-Transaction failed Reject due to policy restrictions."),
    ("5.7.1", "550 5.7.1 Sender address rejected: not owned by user x@example.com"),
    (
        "5.0.0",
        "554 delivery error: dd Sorry your message to x@yahoo.com cannot be delivered. "
        "This mailbox is disabled (554.30).",
    ),
    ("5.0.0", "550 Your message was rejected by this user and was not delivered."),
    ("5.0.0", "550 This mailbox is not allowed to receive mail from outside."),
    (
        "5.0.0",
        "550 SC-001 (BAY004-MC1F1) Unfortunately, messages from 192.0.2.1 weren't sent. "
        "Please contact your Internet service provider since part of their network is on our "
        "block list.",
    ),
    (
        "5.0.0",
        "550 DY-001 (SNT004-MC1F43) Unfortunately, messages from 192.0.2.1 weren't "
        "sent. Please contact your Internet service provider. You can tell them that Hotmail does "
        "not relay dynamically-assigned IP ranges.",
    ),
    ("5.0.0", "550 High probability of spam"),
    ("5.0.0", "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)"),
]

HARD = [
    (
        "5.0.0",
        "550 Message was not accepted -- invalid mailbox.  Local mailbox x@mail.ru is "
        "unavailable: user not found",
    ),
    ("5.0.0", "550 Mailbox not found. http://service.mail.qq.com/cgi-bin/help?subtype=1"),
    ("5.0.0", "550 5.1.1 <x@protonmail.com>: Recipient address rejected: Address does not exist"),
    ("5.0.0", "550 sorry, no mailbox here by that name. (#5.1.1)"),
    ("5.0.0", "552 1 Requested mail action aborted, mailbox not found"),
    ("5.0.0", "550 Requested action not taken: mailbox unavailable"),
    ("5.0.0", "550 5.1.1 Recipient address rejected: User unknown in virtual mailbox table"),
    ("5.4.1", "550 5.4.1 Recipient address rejected: Access denied. AS(201806281)"),
    (
        "5.1.10",
        "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
    ),
    ("5.1.1", "550 5.1.1 <x@icloud.com>: user does not exist"),
    ("5.1.1", "550-5.1.1 The email account that you tried to reach does not exist."),
]


@pytest.mark.parametrize(("status", "diagnostic"), NOT_HARD)
def test_sender_side_or_mailbox_wording_is_not_hard(status: str, diagnostic: str) -> None:
    c = classify_ses_bounce_recipient(
        "Permanent", "General", "failed", status, "smtp; " + diagnostic
    )
    assert not c.hard, c


@pytest.mark.parametrize(("status", "diagnostic"), HARD)
def test_address_wording_is_hard(status: str, diagnostic: str) -> None:
    c = classify_ses_bounce_recipient(
        "Permanent", "General", "failed", status, "smtp; " + diagnostic
    )
    assert c.hard, c
