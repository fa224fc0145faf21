"""Pure analysis of received messages (domain/inbound): kinds, verdicts, inventory, outcomes."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import compat32

import pytest

from domain.classify import analyse_message
from domain.inbound import (
    KINDS,
    AuthVerdicts,
    feedback_outcomes,
    verdicts_from_headers,
    verdicts_from_receipt,
)
from domain.inbound import analyse_inbound as analyse_unsigned
from domain.inbound.proof import ReturnPathSigner
from domain.metrics_plan import outcome_metric_name
from domain.policy import PolicySettings, State, apply_outcome
from tests.conftest import FIXTURES, INBOUND_FIXTURES, SAMPLE_RETURN_PATH_KEY

UNSUB = ["unsubscribe@mail.example.com"]
AUTHENTIC = AuthVerdicts(spf="PASS", dkim="PASS", dmarc="PASS", origin="receipt")
AT = datetime(2025, 3, 4, 9, 15, 2, tzinfo=UTC)
CORPUS = FIXTURES / "corpus" / "bounces"


SIGNER = ReturnPathSigner([SAMPLE_RETURN_PATH_KEY.encode()])


def analyse_inbound(raw, **kwargs):
    """The analysis as the service runs it: the sample key, received at the samples' time."""
    kwargs.setdefault("signer", SIGNER)
    kwargs.setdefault("received_at", AT)
    return analyse_unsigned(raw, **kwargs)


def fixture(name: str) -> bytes:
    return (INBOUND_FIXTURES / name).read_bytes()


@pytest.mark.parametrize(
    ("name", "kind", "suppresses"),
    [
        ("human-0001.eml", "human", False),
        ("dsn+0001.eml", "dsn", True),
        ("forged-dsn-0001.eml", "dsn", False),
        ("arf-0001.eml", "arf", True),
        ("auto-reply-0001.eml", "auto-reply", False),
        ("unsubscribe-0001.eml", "unsubscribe", True),
        ("virus-0001.eml", "virus", False),
        ("unparseable-0001.eml", "unparseable", False),
    ],
)
def test_each_sample_has_its_kind(name, kind, suppresses):
    report = analyse_inbound(fixture(name), unsubscribe_mailboxes=UNSUB)
    assert report.kind == kind
    assert report.suppresses is suppresses
    assert bool(feedback_outcomes(report, "m-1", AT)) is suppresses


def test_human_message_record_fields():
    raw = fixture("human-0001.eml")
    report = analyse_inbound(raw)
    assert report.sender == "alice@example.org"
    assert report.recipients == ("support@mail.example.com",)
    assert report.subject == "Invoice question \u2013 March"
    assert report.date == datetime(2025, 3, 4, 9, 14, 58, tzinfo=UTC)
    assert report.received_at == datetime(2025, 3, 4, 9, 15, 2, tzinfo=UTC)
    assert report.preview is not None
    assert report.preview.startswith("Hello, could you check the attached invoice?")
    assert "\u2013 it should be 120 EUR" in report.preview  # quoted-printable soft break joined
    assert len(report.preview) <= 256
    assert report.verdicts.as_dict() == {
        "spam": "PASS",
        "virus": "PASS",
        "spf": "PASS",
        "dkim": "PASS",
        "dmarc": "PASS",
        "origin": "headers",
    }
    names = [(a.name, a.content_type) for a in report.attachments]
    assert names == [
        ("invoice-2025-03.pdf", "application/pdf"),
        ("logo \u00e9t\u00e9.png", "image/png"),
    ]
    assert report.attachment_count == 2


def _stdlib_inventory(raw: bytes) -> list[tuple[int, str]]:
    msg = message_from_bytes(raw, policy=compat32)
    out = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        disposition = str(part.get("Content-Disposition", "")).split(";")[0].strip().lower()
        if part.get_content_type() in ("text/plain", "text/html") and (
            part.get_filename() is None and disposition != "attachment"
        ):
            continue  # body text, not an attachment
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            out.append((len(payload), hashlib.sha256(payload).hexdigest()))
    return out


@pytest.mark.parametrize(
    "path",
    [
        INBOUND_FIXTURES / "human-0001.eml",
        *sorted(p for p in CORPUS.glob("*.eml") if b"base64" in p.read_bytes())[:25],
    ],
    ids=lambda p: p.name,
)
def test_attachment_size_and_hash_match_the_stdlib_decoder(path):
    raw = path.read_bytes()
    report = analyse_inbound(raw)
    if report.kind == "unparseable":
        pytest.skip(report.error or "")
    ours = {(a.size, a.sha256) for a in report.attachments}
    for entry in _stdlib_inventory(raw):
        assert entry in ours


def test_a_forged_bounce_is_recorded_but_suppresses_nobody():
    report = analyse_inbound(fixture("forged-dsn-0001.eml"))
    assert report.kind == "dsn"
    assert [f.address for f in report.feedback] == ["no-such-user@example.net"]
    assert not report.authenticated
    assert report.note is not None and "DMARC failed" in report.note
    assert feedback_outcomes(report, "forged", AT) == ()


def test_receipt_verdicts_take_precedence_over_headers():
    failing = AuthVerdicts(spf="FAIL", dkim="FAIL", dmarc="GRAY", origin="receipt")
    report = analyse_inbound(fixture("dsn+0001.eml"), receipt_verdicts=failing)
    assert report.verdicts.origin == "receipt"
    assert report.verdicts.spf == "FAIL"
    assert report.verdicts.spam == "PASS"  # not in the receipt: taken from SES's headers
    assert not report.suppresses


def test_verdict_headers_outside_the_ses_block_are_not_trusted():
    raw = fixture("dsn+0001.eml")
    # Without SES's block (no X-SES-RECEIPT) the sender's own Authentication-Results could
    # claim anything: a message that *says* dkim=pass is still not authenticated.
    body = raw[raw.index(b"From: Mail Delivery") :]
    forged = (
        b"Authentication-Results: amazonses.com; spf=pass; dkim=pass; dmarc=pass\r\n"
        b"X-SES-Virus-Verdict: PASS\r\n" + body
    )
    report = analyse_inbound(forged)
    assert report.verdicts.dkim is None and not report.authenticated
    # what may change the table is the signed return path, not verdicts anybody can write
    assert report.kind == "dsn" and report.suppresses
    unsigned = analyse_inbound(forged.replace(b"bounces+4eb7x77w6a3vbz24fa2h@", b"bounces@"))
    assert unsigned.kind == "dsn" and not unsigned.suppresses


def test_headers_below_the_ses_block_do_not_override_it():
    headers = [
        ("Received-SPF", "fail (spfCheck: ...) client-ip=192.0.2.1;"),
        ("Authentication-Results", "amazonses.com; spf=fail; dkim=none; dmarc=fail"),
        ("X-SES-RECEIPT", "x"),
        ("Authentication-Results", "amazonses.com; spf=pass; dkim=pass; dmarc=pass"),
    ]
    v = verdicts_from_headers(headers)
    assert (v.spf, v.dkim, v.dmarc) == ("FAIL", "GRAY", "FAIL")
    assert v.authenticated()[0] is False


def test_receipt_object_verdicts():
    v = verdicts_from_receipt(
        {
            "spamVerdict": {"status": "PASS"},
            "virusVerdict": {"status": "FAIL"},
            "spfVerdict": {"status": "GRAY"},
            "dkimVerdict": {"status": "PASS"},
            "dmarcVerdict": {"status": "FAIL"},
            "dmarcPolicy": "REJECT",
        }
    )
    assert v.virus_found
    assert v.dmarc_policy == "reject"
    assert v.authenticated() == (False, "DMARC failed")
    assert AuthVerdicts(spf="GRAY", dkim="PASS").authenticated() == (True, None)
    assert AuthVerdicts(spf="GRAY", dkim="GRAY").authenticated()[0] is False


def test_virus_is_recorded_without_parsing_the_body():
    report = analyse_inbound(fixture("virus-0001.eml"))
    assert report.kind == "virus"
    assert report.subject == "Your invoice"
    assert report.attachments == () and report.preview is None
    assert "virus" in (report.note or "")


def test_dsn_outcomes_are_stable_per_message_and_recipient():
    report = analyse_inbound(fixture("dsn+0001.eml"))
    first = feedback_outcomes(report, "dsn+0001", AT)
    again = feedback_outcomes(analyse_inbound(fixture("dsn+0001.eml")), "dsn+0001", AT)
    assert first == again
    (outcome,) = first
    assert outcome.address == "no-such-user@example.net"
    assert outcome.event_id == "inbound:dsn+0001:no-such-user@example.net"
    assert outcome.source == "inbound"
    assert outcome.event_type == "Bounce"
    assert outcome.classification.hard


def test_arf_gives_a_complaint_outcome():
    report = analyse_inbound(fixture("arf-0001.eml"))
    (outcome,) = feedback_outcomes(report, "arf-0001", AT)
    assert outcome.address == "complainer@example.org"
    assert outcome.event_type == "Complaint"
    assert outcome.feedback_type == "abuse"
    assert outcome.classification.reason == "feedback"


def test_auto_reply_is_recorded_only():
    report = analyse_inbound(fixture("auto-reply-0001.eml"))
    assert report.kind == "auto-reply"
    assert feedback_outcomes(report, "a", AT) == ()


def test_unsubscribe_suppresses_the_sender_with_reason_unsubscribe():
    report = analyse_inbound(fixture("unsubscribe-0001.eml"), unsubscribe_mailboxes=UNSUB)
    (outcome,) = feedback_outcomes(report, "u-1", AT)
    assert outcome.address == "reader@example.org"
    assert outcome.classification.reason == "unsubscribe"
    settings = PolicySettings()
    record = apply_outcome(None, outcome.address, outcome, settings)
    assert record is not None
    assert record.decision.state is State.SUPPRESSED
    assert record.decision.reason == "unsubscribe"
    assert record.decision.expires_at is None  # like a complaint (complaint_ttl_days=0)
    assert outcome_metric_name(outcome) is None  # never counted as a complaint


def test_unsubscribe_by_plus_address_or_subject():
    raw = fixture("unsubscribe-0001.eml")
    raw_subject = raw.replace(b"Subject: unsubscribe", b"Subject: Re: Unsubscribe me")
    by_subject = analyse_inbound(raw_subject, envelope_recipients=["news@mail.example.com"])
    assert by_subject.kind == "unsubscribe"
    other = raw.replace(b"Subject: unsubscribe", b"Subject: hello")
    assert analyse_inbound(other).kind == "human"
    tagged = analyse_inbound(
        other,
        envelope_recipients=["unsubscribe+abc123@mail.example.com"],
        unsubscribe_mailboxes=UNSUB,
    )
    assert tagged.kind == "unsubscribe"


def test_unauthenticated_unsubscribe_changes_nothing():
    raw = fixture("unsubscribe-0001.eml").replace(b"dmarc=pass", b"dmarc=fail")
    report = analyse_inbound(raw, unsubscribe_mailboxes=UNSUB)
    assert report.kind == "unsubscribe" and not report.authenticated
    assert feedback_outcomes(report, "u", AT) == ()


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty message"),
        (b"Subject: x\r\nContent-Type: multipart/mixed\r\n\r\nbody\r\n", "without a boundary"),
        (
            b"Subject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\nno parts\r\n",
            "boundary never occurs",
        ),
        (b"Subject: " + b"x" * 300_000 + b"\r\n", "no end of the header block"),
        (b"\x00\x01\x02 not a message at all", "no header fields"),
    ],
)
def test_unparseable_messages_name_the_reason(raw, reason):
    report = analyse_inbound(raw)
    assert report.kind == "unparseable"
    assert report.error is not None and reason in report.error


def test_deep_nesting_is_unparseable_not_a_crash():
    raw = b"Subject: deep\r\n"
    for i in range(30):
        raw += f"Content-Type: multipart/mixed; boundary=b{i}\r\n\r\n--b{i}\r\n".encode()
    report = analyse_inbound(raw)
    assert report.kind == "unparseable" and "deeper" in (report.error or "")


def test_input_that_is_not_bytes():
    assert analyse_inbound("text").kind == "unparseable"  # type: ignore[arg-type]


def test_truncated_base64_attachment_is_a_defect_not_a_failure():
    raw = fixture("human-0001.eml")
    cut = raw.index(b"--==outer==\r\nContent-Type: image/png") - 7
    report = analyse_inbound(raw[:cut])
    assert report.kind == "human"
    assert "closing boundary missing" in report.defects
    assert report.attachments[0].name == "invoice-2025-03.pdf"


def test_report_view_classifies_the_corpus_like_the_whole_message():
    """The classifier sees only a small view of a report-like message; on the corpus its
    verdicts equal those on the full message (the two files the view misses are non-report
    notices with no report markers)."""
    differing = []
    for path in sorted(CORPUS.glob("*.eml")):
        raw = path.read_bytes()
        ours = analyse_inbound(raw, receipt_verdicts=AUTHENTIC)
        assert ours.kind in KINDS
        whole = analyse_message(raw)
        expected = (
            sorted((r.address, r.classification.reason) for r in whole.recipients if r.address)
            if whole.kind != "auto-reply"
            else []
        )
        got = sorted((f.address, f.classification.reason) for f in ours.feedback)
        if got != expected:
            differing.append(path.name)
    assert len(differing) <= 3, differing


def test_unsubscribe_keeps_complaint_precedence_over_a_later_bounce():
    from dataclasses import replace

    from domain.verdicts import Classification, Verdict

    report = analyse_inbound(fixture("unsubscribe-0001.eml"), unsubscribe_mailboxes=UNSUB)
    (unsub,) = feedback_outcomes(report, "u-1", AT)
    hard = replace(
        unsub,
        event_id="Bounce:x:reader@example.org",
        event_type="Bounce",
        occurred_at=AT.replace(day=5),
        classification=Classification("userunknown", Verdict.INVALID_ADDRESS, "5.1.1"),
        source="sns",
    )
    settings = PolicySettings()
    record = apply_outcome(None, unsub.address, unsub, settings)
    record = apply_outcome(record, unsub.address, hard, settings)
    assert record is not None
    assert record.decision.reason == "unsubscribe"
    assert record.decision.expires_at is None
