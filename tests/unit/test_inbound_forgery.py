"""Forged inbound mail from an attacker's own, fully authenticated domain suppresses nobody;
genuine reports carrying the proof still do (docs/security.md, "Inbound mail").

Every message here passes SPF, DKIM and DMARC *for the attacker's domain*: authentication
proves who sent it, never that they may speak about our recipients.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.addresses import InvalidAddressError
from domain.inbound import AuthVerdicts, analyse_inbound, feedback_outcomes
from domain.inbound.proof import ProofConfigurationError, ReturnPathSigner, keys_from_secret

KEY = b"unit-test-return-path-key-0123456789"
OTHER_KEY = b"some-other-deployment-key-98765432"
SIGNER = ReturnPathSigner([KEY])
AT = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
DOMAIN = "mail.example.com"
UNSUB = ["unsubscribe@mail.example.com"]
#: What SES says of mail from the attacker's own domain: everything passes, for *that* domain.
ATTACKER_PASSES = AuthVerdicts(spf="PASS", dkim="PASS", dmarc="PASS", origin="receipt")


def ses_block(domain: str, *, spf: str = "pass", dkim: str = "pass", dmarc: str = "pass") -> str:
    return (
        "X-SES-Spam-Verdict: PASS\r\n"
        "X-SES-Virus-Verdict: PASS\r\n"
        f"Received-SPF: {spf} (spfCheck: domain of {domain} designates 192.0.2.66 as permitted"
        f" sender) client-ip=192.0.2.66; envelope-from=robot@{domain}; helo=mx.{domain};\r\n"
        f"Authentication-Results: amazonses.com; spf={spf} (spfCheck: domain of {domain}"
        f" designates 192.0.2.66 as permitted sender) client-ip=192.0.2.66;"
        f" envelope-from=robot@{domain}; helo=mx.{domain}; dkim={dkim} header.i=@{domain};"
        f" dmarc={dmarc} header.from={domain};\r\n"
        "X-SES-RECEIPT: AEFBQUFB\r\n"
    )


def dsn(
    victims: list[str],
    *,
    to: str = "bounces@mail.example.com",
    quoted_return_path: str | None = None,
    sender_domain: str = "attacker.example",
) -> bytes:
    per_recipient = "".join(
        f"Final-Recipient: rfc822; {v}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        f"Diagnostic-Code: smtp; 550 5.1.1 <{v}>: Recipient address rejected: User unknown"
        " (in reply to RCPT TO command)\r\n\r\n"
        for v in victims
    )
    quoted = f"Return-Path: <{quoted_return_path}>\r\n" if quoted_return_path else ""
    return (
        ses_block(sender_domain) + f"From: Mail Delivery System <MAILER-DAEMON@{sender_domain}>\r\n"
        f"To: {to}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Date: Mon, 30 Nov 2026 11:59:00 +0000\r\n"
        f"Message-ID: <forged@{sender_domain}>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\r\n\r\n'
        "--b1\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n\r\n"
        "--b1\r\nContent-Type: message/delivery-status\r\n\r\n"
        f"Reporting-MTA: dns; mx.{sender_domain}\r\n\r\n" + per_recipient + "--b1\r\n"
        "Content-Type: text/rfc822-headers\r\n\r\n"
        + quoted
        + f"From: news@{DOMAIN}\r\nTo: {victims[0]}\r\nSubject: News\r\n\r\n--b1--\r\n"
    ).encode()


def arf(victim: str, *, mail_from: str = "bounces@mail.example.com") -> bytes:
    return (
        ses_block("attacker.example") + "From: Abuse Desk <fbl@attacker.example>\r\n"
        "To: fbl@mail.example.com\r\n"
        "Subject: Abuse report\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=feedback-report; boundary="b2"\r\n\r\n'
        "--b2\r\nContent-Type: text/plain\r\n\r\nThis is an abuse report.\r\n\r\n"
        "--b2\r\nContent-Type: message/feedback-report\r\n\r\n"
        "Feedback-Type: abuse\r\nUser-Agent: Forger/1.0\r\nVersion: 1\r\n"
        f"Original-Mail-From: <{mail_from}>\r\nOriginal-Rcpt-To: <{victim}>\r\n\r\n"
        "--b2\r\nContent-Type: message/rfc822\r\n\r\n"
        f"Return-Path: <{mail_from}>\r\nFrom: news@{DOMAIN}\r\nTo: {victim}\r\n"
        "Subject: News\r\n\r\nhello\r\n--b2--\r\n"
    ).encode()


def unsubscribe(
    sender: str, *, to: str = UNSUB[0], domain: str, dmarc: str = "pass", dkim: str = "pass"
) -> bytes:
    return (
        ses_block(domain, dmarc=dmarc, dkim=dkim)
        + f"From: {sender}\r\nTo: {to}\r\nSubject: unsubscribe\r\n"
        "Content-Type: text/plain\r\n\r\nPlease remove me.\r\n"
    ).encode()


def analyse(raw: bytes, **kwargs):
    kwargs.setdefault("signer", SIGNER)
    kwargs.setdefault("received_at", AT)
    kwargs.setdefault("unsubscribe_mailboxes", UNSUB)
    return analyse_inbound(raw, **kwargs)


def suppressed(report) -> set[str]:
    return {o.address for o in feedback_outcomes(report, "m-1", AT)}


# --- the attacks --------------------------------------------------------------------------


def test_forged_dsn_from_an_authenticated_domain_suppresses_nobody():
    victims = [f"victim{i}@example.org" for i in range(100)]
    report = analyse(dsn(victims), receipt_verdicts=ATTACKER_PASSES)
    assert report.kind == "dsn" and report.authenticated
    assert len(report.feedback) == 100
    assert suppressed(report) == set()
    assert report.note is not None and "no signed return path for 100 of 100" in report.note


def test_the_attackers_own_genuine_token_does_not_prove_a_victim():
    # the attacker received our mail, so they hold a return path signed for *their* address
    own = SIGNER.return_path("attacker@attacker.example", DOMAIN, AT - timedelta(days=1))
    report = analyse(dsn(["victim@example.org"], to=own, quoted_return_path=own))
    assert suppressed(report) == set()
    assert report.note is not None and "no valid signed return path" in report.note


def test_forged_arf_from_an_authenticated_domain_suppresses_nobody():
    report = analyse(arf("victim@example.org"), receipt_verdicts=ATTACKER_PASSES)
    assert report.kind == "arf" and report.authenticated
    assert suppressed(report) == set()


def test_forged_arf_quoting_a_token_for_someone_else_suppresses_nobody():
    other = SIGNER.return_path("someone@example.net", DOMAIN, AT)
    report = analyse(arf("victim@example.org", mail_from=other))
    assert suppressed(report) == set()


def test_a_token_minted_with_another_key_proves_nothing():
    foreign = ReturnPathSigner([OTHER_KEY]).return_path("victim@example.org", DOMAIN, AT)
    report = analyse(dsn(["victim@example.org"], to=foreign))
    assert suppressed(report) == set()


def test_an_expired_token_proves_nothing():
    old = SIGNER.return_path("victim@example.org", DOMAIN, AT - timedelta(days=91))
    assert suppressed(analyse(dsn(["victim@example.org"], to=old))) == set()
    recent = SIGNER.return_path("victim@example.org", DOMAIN, AT - timedelta(days=89))
    assert suppressed(analyse(dsn(["victim@example.org"], to=recent))) == {"victim@example.org"}


def test_a_token_from_the_future_proves_nothing():
    future = SIGNER.return_path("victim@example.org", DOMAIN, AT + timedelta(days=3))
    assert suppressed(analyse(dsn(["victim@example.org"], to=future))) == set()


def test_a_tampered_token_proves_nothing():
    genuine = SIGNER.return_path("victim@example.org", DOMAIN, AT)
    local, _, domain = genuine.partition("@")
    flipped = local[:-1] + ("a" if local[-1] != "a" else "b") + "@" + domain
    assert suppressed(analyse(dsn(["victim@example.org"], to=flipped))) == set()


def test_without_a_key_no_report_changes_anything():
    genuine = SIGNER.return_path("victim@example.org", DOMAIN, AT)
    report = analyse(dsn(["victim@example.org"], to=genuine), signer=None)
    assert suppressed(report) == set()
    assert report.note is not None and "no return-path key" in report.note


def test_a_dsn_ses_saw_forged_suppresses_nobody_even_with_a_token():
    genuine = SIGNER.return_path("victim@example.org", DOMAIN, AT)
    failing = AuthVerdicts(spf="FAIL", dkim="GRAY", dmarc="FAIL", origin="receipt")
    report = analyse(dsn(["victim@example.org"], to=genuine), receipt_verdicts=failing)
    assert suppressed(report) == set()


def test_forged_unsubscribe_for_a_domain_without_dmarc_suppresses_nobody():
    # the attacker's server passes SPF and DKIM for attacker.example, writes From: the victim,
    # and the victim's domain publishes no DMARC record (SES says dmarc=none)
    raw = (
        ses_block("attacker.example", dmarc="none")
        + "From: victim@example.org\r\nTo: unsubscribe@mail.example.com\r\n"
        "Subject: unsubscribe\r\n\r\nremove me\r\n"
    ).encode()
    report = analyse(raw)
    assert report.kind == "unsubscribe" and report.authenticated  # SPF/DKIM passed...
    assert suppressed(report) == set()  # ...for a domain that is not the From domain
    assert report.note is not None and "From domain not proven" in report.note


def test_unsubscribe_written_to_another_mailbox_suppresses_nobody():
    raw = unsubscribe("reader@example.org", to="support@mail.example.com", domain="example.org")
    report = analyse(raw)
    assert report.kind == "unsubscribe"
    assert suppressed(report) == set()
    assert report.note is not None and "not through the unsubscribe mailbox" in report.note


# --- what must still work ------------------------------------------------------------------


def test_a_genuine_bounce_to_the_signed_return_path_suppresses_its_recipient():
    path = SIGNER.return_path("Gone.User@Example.ORG", DOMAIN, AT - timedelta(days=2))
    report = analyse(dsn(["gone.user@example.org"], to=path, sender_domain="example.org"))
    assert suppressed(report) == {"gone.user@example.org"}
    assert report.feedback[0].proof == "signed return path"


def test_the_token_counts_wherever_the_report_quotes_it_and_in_any_case():
    path = SIGNER.return_path("gone@example.org", DOMAIN, AT).upper()  # some MTAs upper-case
    report = analyse(dsn(["gone@example.org"], quoted_return_path=path))
    assert suppressed(report) == {"gone@example.org"}


def test_the_envelope_recipient_of_the_receipt_is_read_too():
    path = SIGNER.return_path("gone@example.org", DOMAIN, AT)
    report = analyse(dsn(["gone@example.org"]), envelope_recipients=[path])
    assert suppressed(report) == {"gone@example.org"}


def test_only_the_proven_recipients_of_a_report_are_applied():
    path = SIGNER.return_path("gone@example.org", DOMAIN, AT)
    report = analyse(dsn(["gone@example.org", "victim@example.org"], to=path))
    assert suppressed(report) == {"gone@example.org"}
    assert report.note is not None and "1 of 2" in report.note


def test_a_genuine_complaint_quoting_the_signed_return_path_suppresses():
    path = SIGNER.return_path("complainer@example.org", DOMAIN, AT - timedelta(days=30))
    report = analyse(arf("complainer@example.org", mail_from=path))
    assert report.kind == "arf"
    assert suppressed(report) == {"complainer@example.org"}


def test_rotated_keys_still_verify_paths_minted_with_the_old_key():
    old_path = ReturnPathSigner([OTHER_KEY]).return_path("gone@example.org", DOMAIN, AT)
    rotated = ReturnPathSigner([KEY, OTHER_KEY])
    report = analyse(dsn(["gone@example.org"], to=old_path), signer=rotated)
    assert suppressed(report) == {"gone@example.org"}
    assert rotated.return_path("gone@example.org", DOMAIN, AT) == SIGNER.return_path(
        "gone@example.org", DOMAIN, AT
    )


@pytest.mark.parametrize(
    ("dmarc", "dkim", "applied"),
    [
        ("pass", "pass", True),
        ("none", "pass", True),
        ("none", "fail", True),
        ("fail", "pass", False),
    ],
)
def test_genuine_unsubscribe_through_the_mailbox(dmarc, dkim, applied):
    # dmarc=none: SPF (envelope-from in the From domain) or DKIM aligned proves the From domain
    raw = unsubscribe("Reader@Example.org", domain="example.org", dmarc=dmarc, dkim=dkim)
    report = analyse(raw)
    assert suppressed(report) == ({"reader@example.org"} if applied else set())


def test_signed_paths_are_per_recipient_and_per_day():
    a = SIGNER.return_path("a@example.org", DOMAIN, AT)
    assert a.startswith("bounces+") and a.endswith("@mail.example.com")
    assert a != SIGNER.return_path("b@example.org", DOMAIN, AT)
    assert a != SIGNER.return_path("a@example.org", DOMAIN, AT + timedelta(days=1))
    assert len(a.partition("@")[0]) <= 64  # RFC 5321 local-part limit
    assert a == SIGNER.return_path(" A@EXAMPLE.ORG ", DOMAIN, AT)  # normalised first


def test_unusable_keys_prefixes_and_addresses_are_refused():
    with pytest.raises(ProofConfigurationError):
        ReturnPathSigner([])
    with pytest.raises(ProofConfigurationError):
        ReturnPathSigner([b"short"])
    with pytest.raises(ProofConfigurationError):
        ReturnPathSigner([KEY], prefix="bad prefix")
    with pytest.raises(InvalidAddressError):
        SIGNER.return_path("not an address", DOMAIN, AT)
    assert keys_from_secret(" k1-0123456789abcdef,\nk2-0123456789abcdef ") == (
        b"k1-0123456789abcdef",
        b"k2-0123456789abcdef",
    )


def test_signed_paths_are_filed_under_their_base_mailbox():
    path = SIGNER.return_path("gone@example.org", DOMAIN, AT)
    assert SIGNER.base_mailbox(path) == "bounces@mail.example.com"
    assert SIGNER.base_mailbox("bounces+holiday@mail.example.com") == (
        "bounces+holiday@mail.example.com"
    )
    assert SIGNER.base_mailbox("support@mail.example.com") == "support@mail.example.com"


# --- the per-sender-domain rate limit --------------------------------------------------------


def test_sender_organisation_groups_subdomains():
    from domain.inbound.service import sender_organisation

    assert sender_organisation("mx1.mail.Example.COM.") == "example.com"
    assert sender_organisation("mx.example.co.uk") == "example.co.uk"
    assert sender_organisation("example.de") == "example.de"
    assert sender_organisation(None) == "(no sender)"
