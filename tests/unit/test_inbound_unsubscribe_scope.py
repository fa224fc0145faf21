"""Unsubscribe by mail with a subaddress: `unsubscribe+<scope>@domain` unsubscribes from that
scope only; without one it stays global. Every forgery protection still applies (the proofs
are the ones tests/unit/test_inbound_forgery.py exercises)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.inbound import feedback_outcomes
from domain.inbound.item import inbound_item
from domain.policy import PolicySettings, apply_outcome
from tests.unit.test_inbound_forgery import AT, analyse, ses_block, unsubscribe


def outcomes(report):
    return feedback_outcomes(report, "m-1", AT)


def test_a_subaddress_scopes_the_unsubscribe():
    raw = unsubscribe(
        "Reader@Example.org", to="unsubscribe+Marketing@mail.example.com", domain="example.org"
    )
    report = analyse(raw)
    [out] = outcomes(report)
    assert (out.address, out.scope, out.classification.reason) == (
        "reader@example.org",
        "marketing",
        "unsubscribe",
    )
    assert report.note is not None and "scope marketing" in report.note
    record = apply_outcome(None, out.address, out, PolicySettings())
    assert record is not None
    assert str(record.decision.state) == "clear"  # a password reset still goes out
    assert [d.scope for d in record.decision.scopes] == ["marketing"]


def test_a_subaddress_names_a_one_part_scope():
    # ':' is not allowed in an unquoted local part, so a subaddress names a one-part scope
    # (a list id such as news.weekly); nested scopes come from SES topics or the API
    raw = unsubscribe(
        "reader@example.org", to="unsubscribe+news.weekly@mail.example.com", domain="example.org"
    )
    [out] = outcomes(analyse(raw))
    assert out.scope == "news.weekly"


def test_without_a_subaddress_the_unsubscribe_stays_global():
    [out] = outcomes(analyse(unsubscribe("reader@example.org", domain="example.org")))
    assert out.scope == "global"
    record = apply_outcome(None, out.address, out, PolicySettings())
    assert record is not None and str(record.decision.state) == "suppressed"


def test_a_subaddress_that_is_not_a_scope_is_applied_globally_and_said_so():
    raw = unsubscribe(
        "reader@example.org", to="unsubscribe+-bad-@mail.example.com", domain="example.org"
    )
    report = analyse(raw)
    [out] = outcomes(report)
    assert out.scope == "global"
    assert report.note is not None and "not a scope name" in report.note


def test_a_configured_subaddressed_mailbox_is_itself_global():
    raw = unsubscribe(
        "reader@example.org", to="unsubscribe+all@mail.example.com", domain="example.org"
    )
    report = analyse(raw, unsubscribe_mailboxes=["unsubscribe+all@mail.example.com"])
    [out] = outcomes(report)
    assert out.scope == "global"


def test_a_forged_scoped_unsubscribe_still_suppresses_nobody():
    # SPF/DKIM pass for the attacker's domain, From: the victim whose domain has no DMARC
    raw = (
        ses_block("attacker.example", dmarc="none")
        + "From: victim@example.org\r\nTo: unsubscribe+marketing@mail.example.com\r\n"
        "Subject: unsubscribe\r\n\r\nremove me\r\n"
    ).encode()
    report = analyse(raw)
    assert report.kind == "unsubscribe"
    assert outcomes(report) == ()
    assert report.note is not None and "From domain not proven" in report.note


@pytest.mark.parametrize("dmarc", ["fail"])
def test_a_dmarc_failure_still_blocks_a_scoped_unsubscribe(dmarc):
    raw = unsubscribe(
        "reader@example.org",
        to="unsubscribe+marketing@mail.example.com",
        domain="example.org",
        dmarc=dmarc,
    )
    assert outcomes(analyse(raw)) == ()


def test_the_inbound_item_names_the_scope():
    from domain.inbound.service import InboundRecord, Location

    raw = unsubscribe(
        "reader@example.org", to="unsubscribe+marketing@mail.example.com", domain="example.org"
    )
    report = analyse(raw)
    record = InboundRecord(
        message_id="m-1",
        mailbox="unsubscribe@mail.example.com",
        received_at=AT,
        received_at_source="receipt",
        report=report,
        location=Location("bucket", "key"),
        source="s3",
        suppressions_applied=1,
        expires_at=datetime(2027, 1, 1, tzinfo=UTC),
    )
    item = inbound_item(record, AT)
    assert item["feedback"][0]["scope"] == "marketing"
