"""Stored evidence read again by the current classifier (domain/reclassify.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.policy import Decision, Evidence, State
from domain.reclassify import reclassify
from domain.verdicts import Verdict
from tests.builders import T0


def _decision(
    status: str | None,
    diagnostic: str | None,
    *,
    stage: str | None = None,
    state: State = State.SUPPRESSED,
    category: str = "invalid-address",
    expires_in_days: float | None = 365,
    bounce_type: str | None = "Permanent",
) -> Decision:
    evidence = Evidence(
        at=T0,
        event_id="Bounce:1",
        event_type="Bounce",
        reason="userunknown",
        category=category,
        status=status,
        diagnostic=diagnostic,
        bounce_type=bounce_type,
        bounce_sub_type="General",
        stage=stage,
    )
    return Decision(
        state=state,
        reason="userunknown",
        category=category,
        evidence=evidence,
        suppressed_at=T0,
        expires_at=T0 + timedelta(days=expires_in_days) if expires_in_days else None,
        soft_bounce_count=0,
        escalations=0,
        purge_at=None,
    )


NOW = T0 + timedelta(days=1)


def test_a_contradicted_user_unknown_is_read_otherwise_now() -> None:
    found = reclassify(
        "a@example.com", _decision("5.2.1", "550 5.2.1 <a@example.com>... User Unknown"), NOW
    )
    assert found is not None
    assert (found.reason, found.verdict) == ("filtered", Verdict.MAILBOX_PROBLEM)
    assert found.stored_reason == "userunknown"
    assert found.evidence_at == T0


def test_a_sender_side_refusal_once_missed_is_read_otherwise_now() -> None:
    diagnostic = (
        "550 DY-001 (SNT004-MC1F43) Unfortunately, messages from 192.0.2.1 weren't sent. "
        "You can tell them that Hotmail does not relay dynamically-assigned IP ranges."
    )
    found = reclassify("a@hotmail.com", _decision("5.0.0", diagnostic), NOW)
    assert found is not None and found.verdict is Verdict.SENDER_PROBLEM


def test_the_receiver_rules_apply_to_the_stored_address() -> None:
    decision = _decision("5.0.0", "550 Unknown user a@docomo.ne.jp")
    assert reclassify("a@docomo.ne.jp", decision, NOW) is not None
    assert (
        reclassify("a@example.com", _decision("5.0.0", "550 Unknown user a@example.com"), NOW)
        is None
    )


@pytest.mark.parametrize(
    "decision",
    [
        _decision("5.1.1", "550 5.1.1 <a@example.com>: user does not exist"),  # still invalid
        _decision(None, None),  # bare Permanent/General: nothing to read again
        _decision("5.2.1", "550 5.2.1 User Unknown", state=State.WATCHING),
        _decision("5.2.1", "550 5.2.1 User Unknown", category="complaint"),
        _decision("5.2.1", "550 5.2.1 User Unknown", expires_in_days=0.5),  # expired by NOW
    ],
)
def test_nothing_to_report(decision: Decision) -> None:
    assert reclassify("a@example.com", decision, NOW) is None


def test_the_stored_stage_is_weighed_like_the_original_notice() -> None:
    # 5.2.1 contradicts "unknown" unless a RCPT TO refusal backs it: the stored stage does
    diagnostic = "550 5.2.1 <a@example.com>... User Unknown"
    assert reclassify("a@example.com", _decision("5.2.1", diagnostic, stage="RCPT"), NOW) is None
    assert reclassify("a@example.com", _decision("5.2.1", diagnostic), NOW) is not None


def test_the_stage_a_notice_names_is_kept_with_the_evidence() -> None:
    from domain.classify import analyse_message
    from domain.events import RecipientOutcome
    from domain.record_codec import _evidence_from_map, _evidence_to_map

    raw = b"""\
From: MAILER-DAEMON@mail.example.com (Mail Delivery System)
To: sender@example.com
Subject: Undelivered Mail Returned to Sender

<a@example.org>: host mx.example.org[192.0.2.2] said: 550 5.2.1 <a@example.org>...
    User Unknown (in reply to RCPT TO command)
"""
    c = analyse_message(raw).recipients[0].classification
    assert (c.reason, c.hard, c.stage) == ("userunknown", True, "RCPT")
    outcome = RecipientOutcome(
        address="a@example.org",
        event_type="Bounce",
        event_id="Bounce:a",
        occurred_at=T0,
        classification=c,
        source="inbound",
    )
    evidence = Evidence.from_outcome(outcome)
    assert evidence.stage == "RCPT"
    assert _evidence_from_map(_evidence_to_map(evidence)).stage == "RCPT"


def test_rules_of_this_change_apply_to_stored_evidence() -> None:
    # the remote's own 5.7.1 under a reporting MTA's Status 5.1.1: a policy refusal
    found = reclassify(
        "a@example.com", _decision("5.1.1", "550 5.7.1 IP address blacklisted by recipient"), NOW
    )
    assert found is not None and found.verdict is not Verdict.INVALID_ADDRESS
    # a sender address that does not exist is the sender's problem, not a dead domain
    found = reclassify(
        "a@example.com", _decision("5.7.1", "550 5.7.1 Sender domain does not exist"), NOW
    )
    assert found is not None and (found.reason, found.verdict) == (
        "rejected",
        Verdict.SENDER_PROBLEM,
    )
    # the mailbox's own statement from a bare reply stays proof: nothing to report
    assert reclassify("a@example.com", _decision(None, "550 mailbox does not exist"), NOW) is None


def _item(address: str, decision: Decision) -> dict:
    """A stored item as the table holds it (the fields stored_decision reads)."""
    from domain.record_codec import epoch
    from domain.times import iso

    ev = decision.evidence
    assert ev is not None
    evidence = {
        "at": iso(ev.at),
        "event_id": ev.event_id,
        "event_type": ev.event_type,
        "reason": ev.reason,
        "category": ev.category,
        **{k: v for k, v in {"status": ev.status, "diagnostic": ev.diagnostic}.items() if v},
        "bounce_type": ev.bounce_type,
        "bounce_sub_type": ev.bounce_sub_type,
    }
    return {
        "address": address,
        "state": str(decision.state),
        "reason": decision.reason,
        "category": decision.category,
        "evidence": evidence,
        "suppressed_at": iso(T0),
        "expires_at": epoch(decision.expires_at) if decision.expires_at else None,
    }


def test_reclassify_items_counts_invalid_addresses_and_lists_the_changed_ones() -> None:
    from domain.reclassify import reclassify_items

    items = [
        _item("a@example.com", _decision("5.2.1", "550 5.2.1 <a@example.com>... User Unknown")),
        _item("b@example.com", _decision("5.1.1", "550 5.1.1 <b@example.com>: user unknown")),
        _item("c@example.com", _decision("5.2.2", "552 mailbox full", category="mailbox-problem")),
    ]
    report = reclassify_items(items, NOW)
    assert report.read == 2  # the mailbox-problem item is not an invalid-address suppression
    assert [r.address for r in report.changed] == ["a@example.com"]
    assert report.changed[0].reason == "filtered"
