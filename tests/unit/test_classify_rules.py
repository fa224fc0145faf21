"""The general rules (docs/classification.md, "The rules and the principle behind each"), one
per test, on synthetic diagnostics worded the way real receivers word them."""

from __future__ import annotations

import pytest

from domain.classify import analyse_message, classify_failure, classify_ses_bounce_recipient
from domain.classify.core import clear_caches
from domain.verdicts import Verdict


@pytest.mark.parametrize(
    ("status", "diagnostic", "reason"),
    [
        # X.7.x is security/policy: "user unknown" under it is the receiver's filter speaking
        ("5.7.1", "smtp; 550 5.7.1 <x@example.org>... User unknown", "filtered"),
        # ... also when the DSN status is class-only and the remote's code is in the text
        ("5.0.0", "smtp; 550 5.7.1 550 User Unknown: x@example.org", "filtered"),
        # a content complaint under X.7.x is a policy decision
        ("5.7.0", "smtp; 554 5.7.0 Header error", "policyviolation"),
        # Exchange Online's directory-based edge blocking: the address is not in the directory
        (
            "5.4.1",
            "smtp; 550 5.4.1 Recipient address rejected: Access denied. AS(201806281) "
            "[BN8NAM12FT047.eop-nam12.prod.protection.outlook.com]",
            "userunknown",
        ),
        # a bare "access denied" stays a security refusal
        ("5.7.1", "smtp; 550 5.7.1 Access denied", "securityerror"),
        # but X.2/X.3 codes with user-unknown wording at RCPT stay hard (common sendmail usage)
        ("5.3.0", "smtp; 550 5.3.0 <x@example.org>... User unknown", "userunknown"),
        # "no MX / no mail exchanger": the domain names no mail host
        (None, "Sorry, I couldn't find a mail exchanger or IP address. (#5.4.4)", "notaccept"),
        # connection attempts that got no answer: the queue retries until it expires
        ("4.4.1", "connect to mx.example.org[192.0.2.1]:25: Connection timed out", "expired"),
        (None, "The recipient server did not accept our requests to connect.", "expired"),
        # a connection that broke mid-session is a network error
        (
            "4.4.2",
            "lost connection with mx.example.org[192.0.2.1] while performing the HELO handshake",
            "networkerror",
        ),
        # the give-up statement outranks generic "try again later" wording ...
        (
            None,
            "Resources temporarily unavailable, please try again later [#4.1.9]. I'm not going "
            "to try again; this message has been in the queue too long.",
            "expired",
        ),
        # ... but a specific code naming the cause wins over it
        (
            None,
            "Unable to contact LDAP server. (#4.4.3)I'm not going to try again; this message "
            "has been in the queue too long.",
            "systemerror",
        ),
        # X.4.7 (gave up) with a DNS failure named in the text: the failure is the cause
        (
            "4.4.7",
            "Deferred: Name server: example.org.: host name lookup failure Message could not "
            "be delivered for 8 hours",
            "networkerror",
        ),
        # explicit causal statements win over context mentioned later in the text
        (
            "5.0.0",
            "Your email to group x@example.com was rejected due to spam classification. "
            "Set up SPF records for your sending domain.",
            "spamdetected",
        ),
        ("5.0.0", "554 Mail from a@example.net rejected for policy reasons.", "policyviolation"),
        (
            "5.7.0",
            "552-5.7.0 This message was blocked because its content presents a potential "
            "security issue.",
            "policyviolation",
        ),
        # a forward-confirmed DNS check of the client, not SPF/DKIM
        ("5.5.0", "550 domain [example.com] mismatches client ip 192.0.2.1.", "requireptr"),
        # "access denied" alone is an authorization refusal; relay/blocklist wording first
        ("5.7.1", "smtp; 550 5.7.1 <a@example.net>... Access denied", "securityerror"),
        ("5.7.1", "smtp; 554 5.7.1 <x@example.org>: Relay access denied", "norelaying"),
        ("5.7.606", "550 5.7.606 Access denied, banned sending IP [192.0.2.1].", "blocked"),
        # Google Groups refusing a post, in any language (the help link is the same)
        (
            None,
            "Hallo, die Gruppe ist möglicherweise nicht vorhanden. Hilfe unter "
            "https://groups.google.com/support/.",
            "rejected",
        ),
    ],
)
def test_rule(status: str | None, diagnostic: str, reason: str) -> None:
    assert classify_failure(status, None, diagnostic).reason == reason


def test_user_unknown_under_policy_code_is_not_hard() -> None:
    c = classify_failure("5.7.1", None, "smtp; 550 5.7.1 User unknown")
    assert not c.hard
    assert c.verdict is Verdict.MAILBOX_PROBLEM


def test_temporary_no_mx_is_notaccept_but_not_hard() -> None:
    c = classify_failure("4.0.0", None, "No MX found for domain")
    assert c.reason == "notaccept"
    assert c.verdict is Verdict.TRANSIENT


_POSTFIX = """\
From: MAILER-DAEMON@mail.example.com (Mail Delivery System)
To: sender@example.com
Subject: Undelivered Mail Returned to Sender
Content-Type: text/plain

This is the mail system at host mail.example.com.

<rcpt@example.org>: host mx.example.org[192.0.2.2] said: 550
    5.7.1 Access denied (in reply to {command} command)
"""


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        ("MAIL FROM", "rejected"),  # before RCPT TO: the sender was refused
        ("RCPT TO", "securityerror"),
    ],
)
def test_bare_access_denied_by_stage(command: str, reason: str) -> None:
    report = analyse_message(_POSTFIX.format(command=command).encode())
    assert report.recipients[0].address == "rcpt@example.org"
    assert report.recipients[0].classification.reason == reason


def test_qmail_helo_refusal_is_about_the_sender() -> None:
    raw = b"""\
From: MAILER-DAEMON@mx.example.jp
To: sender@example.jp
Subject: failure notice

Hi. This is the qmail-send program at mx.example.jp.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<rcpt@example.net>:
Connected to 192.0.2.112 but my name was rejected.
Remote host said: 501 5.0.0 Invalid domain name
"""
    c = analyse_message(raw).recipients[0].classification
    assert c.reason == "blocked"
    assert not c.hard


def test_memoised_results_are_stable_and_clearable() -> None:
    args = ("Permanent", "General", "failed", "5.1.1", "smtp; 550 5.1.1 user unknown")
    first = classify_ses_bounce_recipient(*args)
    assert classify_ses_bounce_recipient(*args) == first
    clear_caches()
    assert classify_ses_bounce_recipient(*args) == first
    assert classify_failure("5.1.1", None, args[4]) == classify_failure("5.1.1", None, args[4])


@pytest.mark.parametrize(
    ("diagnostic", "reason", "verdict"),
    [
        # au/KDDI's filter answer leaves the address slot of the reply empty ...
        ("smtp; 550 : User unknown", "filtered", Verdict.MAILBOX_PROBLEM),
        # ... while a mailbox that does not exist is named in it
        ("smtp; 550 <nobody@ezweb.ne.jp>: User unknown", "userunknown", Verdict.INVALID_ADDRESS),
    ],
)
def test_empty_address_slot_user_unknown_is_a_filter(diagnostic, reason, verdict):
    clear_caches()
    c = classify_failure("5.0.0", None, diagnostic)
    assert (c.reason, c.verdict) == (reason, verdict)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("550 Benutzer unbekannt", "userunknown"),
        ("550 5.1.1 Empfänger unbekannt", "userunknown"),
        ("550 Destinataire inconnu", "userunknown"),
        ("550 Usuario desconocido", "userunknown"),
        ("550 Usuário desconhecido", "userunknown"),
        ("550 Utente sconosciuto", "userunknown"),
        ("550 Onbekende gebruiker", "userunknown"),
        ("552 Postfach ist voll", "mailboxfull"),
        ("552 Boîte aux lettres pleine", "mailboxfull"),
        ("552 Buzón lleno", "mailboxfull"),
        ("552 Caixa postal cheia", "mailboxfull"),
        ("552 Casella piena", "mailboxfull"),
    ],
)
def test_localised_notice_wording(text: str, reason: str) -> None:
    clear_caches()
    assert classify_failure(None, None, text).reason == reason


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        # a refusal of *this sender* is not a destination that accepts no mail
        ("550 5.7.1 Recipient does not accept mail from this sender", "filtered"),
        ("550 Host does not accept mail", "notaccept"),
        # the envelope sender refused, whatever the why
        ("550 5.7.1 Sender address rejected: Domain not found", "rejected"),
        ("554 5.7.1 <x@example.com>: Sender address rejected: Access denied", "rejected"),
        # a block list named as the cause, whatever the reply links to
        (
            "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using "
            "b.barracudacentral.org; http://www.barracudanetworks.com/reputation/?ip=192.0.2.1",
            "blocked",
        ),
        # a guess is not a statement
        ("550 the group you tried to contact may not exist", "undetermined"),
    ],
)
def test_sender_side_and_hedged_wording(text: str, reason: str) -> None:
    status = text.split()[1] if text.split()[1][0] in "45" and "." in text.split()[1] else None
    assert classify_failure(status, None, text).reason == reason


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        # under a security/policy code the short user-table words are the filter speaking
        ("550 5.7.1 User unknown", "filtered"),
        # the mailbox's own statement still says the address is gone
        ("550 5.7.1 Recipient not found", "userunknown"),
        (
            "550 5.7.1 <x@example.com>: Recipient address rejected: User unknown in relay "
            "recipient table",
            "userunknown",
        ),
    ],
)
def test_user_unknown_under_a_policy_code(text: str, reason: str) -> None:
    assert classify_failure("5.7.1", None, text).reason == reason
