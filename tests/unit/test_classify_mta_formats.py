"""Plain-text notices in the shapes the common MTAs write them (not from the corpus).

Each is the documented or default wording of the MTA's bounce, reduced to one recipient, so
that the stage and evidence rules are checked on formats beyond the development corpus."""

from __future__ import annotations

import pytest

from domain.classify import analyse_message

_HEADERS = (
    "From: MAILER-DAEMON@mx.example.net\n"
    "To: sender@example.com\n"
    "Subject: Undelivered Mail Returned to Sender\n\n"
)

CASES = {
    "postfix, RCPT TO": (
        "<x@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1 <x@example.org>:\n"
        "    Recipient address rejected: User unknown in virtual mailbox table (in reply to\n"
        "    RCPT TO command)\n",
        "userunknown",
        True,
    ),
    "postfix, local delivery": (
        'This is the mail system at host mx.example.net.\n\n<x@example.org>: unknown user: "x"\n',
        "userunknown",
        True,
    ),
    "postfix, user unknown after DATA": (
        "<x@example.org>: host mx.example.org[192.0.2.1] said: 550 5.0.0 <x@example.org>:\n"
        "    User unknown (in reply to end of DATA command)\n",
        "filtered",
        False,
    ),
    "postfix, mailbox full": (
        "<x@example.org>: host mx.example.org[192.0.2.1] said: 552 5.2.2 <x@example.org>:\n"
        "    Mailbox full (in reply to RCPT TO command)\n",
        "mailboxfull",
        False,
    ),
    "postfix, blocklist": (
        "<x@example.org>: host mx.example.org[192.0.2.1] said: 554 5.7.1 Service\n"
        "    unavailable; Client host [192.0.2.9] blocked using zen.spamhaus.org (in reply\n"
        "    to RCPT TO command)\n",
        "blocked",
        False,
    ),
    "exim, RCPT TO": (
        "A message that you sent could not be delivered to one or more of its\n"
        "recipients. This is a permanent error. The following address(es) failed:\n\n"
        "  x@example.org\n"
        "    SMTP error from remote mail server after RCPT TO:<x@example.org>:\n"
        "    550 5.1.1 <x@example.org>: Recipient address rejected: User unknown\n",
        "userunknown",
        True,
    ),
    # Postfix's own names for resolver answers (dns_strerror): TRY_AGAIN is "Host not
    # found, try again" (retried), HOST_NOT_FOUND "Host not found"
    "postfix, DNS lookup will be retried": (
        "<x@example.org>: Host or domain name not found. Name service error for\n"
        "    name=example.org type=MX: Host not found, try again\n",
        "networkerror",
        False,
    ),
    "postfix, domain not found": (
        "<x@example.org>: Host or domain name not found. Name service error for\n"
        "    name=example.org type=A: Host not found\n",
        "hostunknown",
        True,
    ),
    "exim, unrouteable": (
        "A message that you sent could not be delivered to one or more of its\n"
        "recipients. This is a permanent error. The following address(es) failed:\n\n"
        "  x@example.org\n    Unrouteable address\n",
        "hostunknown",
        True,
    ),
    "exim, spam after end of data": (
        "A message that you sent could not be delivered to one or more of its\n"
        "recipients. This is a permanent error. The following address(es) failed:\n\n"
        "  x@example.org\n"
        "    SMTP error from remote mail server after end of data:\n"
        "    550 5.7.1 Message rejected as spam\n",
        "spamdetected",
        False,
    ),
    "qmail, relaying refused": (
        "Hi. This is the qmail-send program at mx.example.net.\n"
        "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
        "This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
        "<x@example.org>:\n192.0.2.1 does not like recipient.\n"
        "Remote host said: 553 sorry, that domain isn't in my list of allowed rcpthosts\n"
        "Giving up on 192.0.2.1.\n",
        "norelaying",
        False,
    ),
    "qmail, RCPT TO": (
        "Hi. This is the qmail-send program at mx.example.net.\n"
        "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
        "This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
        "<x@example.org>:\n192.0.2.1 does not like recipient.\n"
        "Remote host said: 550 No such user\nGiving up on 192.0.2.1.\n",
        "userunknown",
        True,
    ),
    # Sendmail's queue-lifetime bounce (sendmail.cf Timeout.queuereturn; the notice's own
    # words): the host never answered, the queue gave up
    "sendmail, queue lifetime": (
        "   ----- The following addresses had permanent fatal errors -----\n<x@example.org>\n"
        "    (reason: 421 4.4.1 Host example.org is not responding)\n\n"
        "   ----- Transcript of session follows -----\n"
        "<x@example.org>... Deferred: Connection timed out with example.org.\n"
        "Message could not be delivered for 5 days\nMessage will be deleted from queue\n",
        "expired",
        False,
    ),
    "sendmail, RCPT TO": (
        "   ----- The following addresses had permanent fatal errors -----\n<x@example.org>\n"
        "    (reason: 550 5.1.1 <x@example.org>... User unknown)\n\n"
        "   ----- Transcript of session follows -----\n... while talking to mx.example.org.:\n"
        ">>> RCPT To:<x@example.org>\n<<< 550 5.1.1 <x@example.org>... User unknown\n"
        "550 5.1.1 <x@example.org>... User unknown\n",
        "userunknown",
        True,
    ),
    "exchange": (
        "Delivery has failed to these recipients or groups:\n\nx@example.org\n"
        "The email address you entered couldn't be found. Please check the recipient's email "
        "address and try to resend the message.\n\nDiagnostic information for administrators:"
        "\n\nGenerating server: mail.example.net\n\nx@example.org\n"
        "Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'\n",
        "userunknown",
        True,
    ),
    "filtering gateway, bare reply": (
        "Unable to deliver message to: <x@example.org>\n"
        "Delivery failed for the following reason:\n"
        "Server mx.example.org[192.0.2.1] failed with: 550 No such user here\n",
        "filtered",
        False,
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_mta_notice(name: str) -> None:
    body, reason, hard = CASES[name]
    report = analyse_message((_HEADERS + body).encode())
    assert report.kind == "bounce"
    [recipient] = report.recipients
    assert recipient.address == "x@example.org"
    assert (recipient.classification.reason, recipient.classification.hard) == (reason, hard)
