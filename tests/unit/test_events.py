"""Parsing both SES formats from AWS's documented samples (tests/fixtures/ses)."""

from __future__ import annotations

import json

import pytest

from domain.events import MalformedEventError, parse_feedback
from domain.verdicts import Verdict

EVENT_FILES = {
    "event-bounce.json": "Bounce",
    "event-complaint.json": "Complaint",
    "event-delivery.json": "Delivery",
    "event-send.json": "Send",
    "event-reject.json": "Reject",
    "event-open.json": "Open",
    "event-click.json": "Click",
    "event-rendering-failure.json": "RenderingFailure",
    "event-delivery-delay.json": "DeliveryDelay",
    "event-subscription.json": "Subscription",
}


@pytest.mark.parametrize(("name", "event_type"), EVENT_FILES.items())
def test_all_ten_event_publishing_types(ses_sample, name, event_type):
    event = parse_feedback(ses_sample(name))
    assert event.event_type == event_type
    assert event.known
    assert event.message_id
    assert event.occurred_at.tzinfo is not None


def test_event_publishing_bounce_outcome(ses_sample):
    event = parse_feedback(ses_sample("event-bounce.json"))
    assert event.configuration_set == "ConfigSet"
    [out] = event.outcomes
    assert out.address == "recipient@example.com"
    assert out.classification.verdict is Verdict.INVALID_ADDRESS
    assert out.bounce_type == "Permanent"
    assert out.feedback_id and out.feedback_id in out.event_id
    assert out.occurred_at.isoformat().startswith("2017-08-05T00:41:02.669")


def test_identity_notification_bounce_with_dsn(ses_sample):
    event = parse_feedback(ses_sample("sns-identity-bounce-permanent-general-with-dsn.json"))
    [out] = event.outcomes
    assert out.address == "jane@example.com"
    assert out.classification.status == "5.1.1"
    assert out.classification.hard
    assert event.configuration_set is None  # identity notifications carry no tags


def test_complaint_keeps_feedback_type(ses_sample):
    event = parse_feedback(ses_sample("sns-identity-complaint-with-feedback-report.json"))
    [out] = event.outcomes
    assert out.feedback_type == "abuse"
    assert out.classification.verdict is Verdict.COMPLAINT


def test_delivery_outcomes_are_delivered(ses_sample):
    event = parse_feedback(ses_sample("sns-identity-delivery.json"))
    assert [o.classification.verdict for o in event.outcomes] == [Verdict.DELIVERED]


def test_delay_outcomes(ses_sample):
    event = parse_feedback(ses_sample("event-delivery-delay.json"))
    [out] = event.outcomes
    assert out.event_type == "DeliveryDelay"
    assert not out.classification.hard


def test_mixed_recipients_fragment_is_reconciled_per_recipient(ses_sample):
    bounce = ses_sample("fragment-bounce-object-mixed-recipients.json")
    payload = {
        "notificationType": "Bounce",
        "bounce": bounce.get("bounce", bounce),
        "mail": ses_sample("fragment-mail-object.json").get(
            "mail", ses_sample("fragment-mail-object.json")
        ),
    }
    event = parse_feedback(payload)
    delayed = [
        o
        for o in event.outcomes
        if o.classification.status and o.classification.status.startswith("4.")
    ]
    assert delayed and not any(o.classification.hard for o in delayed)


def test_unknown_types_and_fields_are_tolerated(ses_sample):
    payload = ses_sample("event-send.json")
    payload["eventType"] = "Teleport"
    payload["brandNewField"] = {"x": 1}
    event = parse_feedback(payload)
    assert not event.known and event.event_type == "Teleport" and event.outcomes == ()


def test_unknown_fields_inside_known_objects_are_ignored(ses_sample):
    payload = ses_sample("event-bounce.json")
    payload["bounce"]["somethingNew"] = [1, 2]
    payload["bounce"]["bouncedRecipients"][0]["extra"] = True
    assert len(parse_feedback(payload).outcomes) == 1


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda p: p.pop("eventType"), "neither eventType"),
        (lambda p: p.pop("mail"), "no mail object"),
        (lambda p: p["bounce"].pop("bouncedRecipients"), "bouncedRecipients is missing"),
        (lambda p: p["bounce"].__setitem__("bouncedRecipients", "x"), "not a list"),
        (lambda p: p.__setitem__("bounce", []), "malformed"),
    ],
)
def test_missing_or_mistyped_fields_are_clear_errors(ses_sample, mutate, message):
    payload = ses_sample("event-bounce.json")
    mutate(payload)
    with pytest.raises(MalformedEventError, match=message):
        parse_feedback(payload)


def test_unreadable_recipient_addresses_are_counted_not_fatal(ses_sample):
    payload = ses_sample("event-bounce.json")
    payload["bounce"]["bouncedRecipients"].append({"emailAddress": "not an address"})
    payload["bounce"]["bouncedRecipients"].append({"emailAddress": 42})
    event = parse_feedback(payload)
    assert len(event.outcomes) == 1 and event.skipped_recipients == 2


def test_event_ids_are_stable_and_per_recipient(ses_sample):
    payload = ses_sample("event-delivery.json")
    payload["delivery"]["recipients"] = ["a@example.com", "b@example.com"]
    first = parse_feedback(payload)
    again = parse_feedback(json.loads(json.dumps(payload)))
    ids = [o.event_id for o in first.outcomes]
    assert ids == [o.event_id for o in again.outcomes]
    assert len(set(ids)) == 2


@pytest.mark.parametrize(
    ("address", "status", "diagnostic"),
    [
        # NTT docomo's "Unknown user" is its recipients' reception filter speaking
        ("someone@docomo.ne.jp", "5.0.0", "smtp; 550 Unknown user someone@docomo.ne.jp"),
        # X.2.x (the mailbox exists) contradicts "user unknown" when no RCPT TO refusal backs it
        ("someone@example.com", "5.2.1", "smtp; 550 5.2.1 <someone@example.com>... User Unknown"),
    ],
)
def test_pipeline_bounce_weighs_receiver_and_evidence(ses_sample, address, status, diagnostic):
    # the FeedbackFunction path (parse_feedback) applies the same receiver rules and the
    # same "what user unknown proves" rule as the classify CLI and the inbound path
    payload = ses_sample("event-bounce.json")
    rec = payload["bounce"]["bouncedRecipients"][0]
    rec.update(emailAddress=address, status=status, diagnosticCode=diagnostic)
    payload["mail"]["destination"] = [address]
    [out] = parse_feedback(payload).outcomes
    assert (out.classification.reason, out.classification.hard) == ("filtered", False)
