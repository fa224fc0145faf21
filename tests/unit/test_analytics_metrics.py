"""The metrics plan shared by the SQS/SNS and Firehose paths."""

from __future__ import annotations

import pytest

from domain.events import parse_feedback
from domain.metrics_plan import (
    SES_COUNTED_BOUNCES,
    SES_COUNTED_COMPLAINTS,
    MetricsTally,
    event_metric_name,
)
from tests.builders import sqs_event


def test_counts_per_configuration_set(ses_sample):
    tally = MetricsTally()
    bounce = parse_feedback(ses_sample("event-bounce.json"))
    tally.add_event(bounce)
    tally.add_event(parse_feedback(ses_sample("event-send.json")))
    tally.add_event(parse_feedback(ses_sample("sns-identity-complaint-with-feedback-report.json")))
    tally.add_suppressions(["recipient@example.com"], bounce.outcomes)
    counts = tally.as_dict()
    assert counts["ConfigSet"] == {
        "EventsBounce": 1,
        "HardBounces": 1,
        "SesCountedBounces": 1,
        "EventsSend": 1,
        "SendRecipients": 1,
        "SuppressionsAdded": 1,
    }
    assert counts["none"]["EventsComplaint"] == 1
    assert counts["none"]["Complaints"] >= 1
    assert counts["none"]["SesCountedComplaints"] == counts["none"]["Complaints"]


def _bounce(ses_sample, bounce_type, sub_type, recipients=1):
    event = ses_sample("event-bounce.json")
    event["bounce"]["bounceType"] = bounce_type
    event["bounce"]["bounceSubType"] = sub_type
    template = event["bounce"]["bouncedRecipients"][0]
    event["bounce"]["bouncedRecipients"] = [
        {**template, "emailAddress": f"r{i}@example.com"} for i in range(recipients)
    ]
    return parse_feedback(event)


@pytest.mark.parametrize(
    ("bounce_type", "sub_type", "counted"),
    [
        ("Permanent", "General", 2),
        ("Permanent", "NoEmail", 2),
        # SES's global suppression list: SES counts these toward the bounce rate
        ("Permanent", "Suppressed", 2),
        # the account-level list: "This does not count toward your bounce rate metric"
        ("Permanent", "OnAccountSuppressionList", 0),
        ("Transient", "MailboxFull", 0),
        ("Transient", "General", 0),
        ("Undetermined", "Undetermined", 0),
    ],
)
def test_ses_counted_bounces_follow_ses_definition(ses_sample, bounce_type, sub_type, counted):
    tally = MetricsTally()
    tally.add_event(_bounce(ses_sample, bounce_type, sub_type, recipients=2))
    assert tally.as_dict()["ConfigSet"].get(SES_COUNTED_BOUNCES, 0) == counted


def test_ses_counts_a_permanent_bounce_our_classifier_calls_a_sender_problem(ses_sample):
    """The review alarms must not depend on our verdicts: SES counts a Permanent bounce
    whatever its diagnostic says."""
    event = ses_sample("event-bounce.json")
    recipient = event["bounce"]["bouncedRecipients"][0]
    recipient["status"] = "5.7.1"
    recipient["diagnosticCode"] = "smtp; 550 5.7.1 Message rejected: IP listed on a blocklist"
    parsed = parse_feedback(event)
    assert parsed.outcomes[0].classification.verdict.value != "invalid-address"
    tally = MetricsTally()
    tally.add_event(parsed)
    counts = tally.as_dict()["ConfigSet"]
    assert counts.get("HardBounces", 0) == 0
    assert counts[SES_COUNTED_BOUNCES] == 1


def test_unreadable_recipients_still_count_as_ses_counted_them(ses_sample):
    event = ses_sample("event-bounce.json")
    event["bounce"]["bouncedRecipients"].append({"emailAddress": "not an address"})
    tally = MetricsTally()
    tally.add_event(parse_feedback(event))
    assert tally.as_dict()["ConfigSet"][SES_COUNTED_BOUNCES] == 2


@pytest.mark.parametrize(
    ("sub_type", "feedback_type", "counted"),
    [(None, "abuse", 1), (None, "not-spam", 1), ("OnAccountSuppressionList", None, 0)],
)
def test_ses_counted_complaints_follow_ses_definition(ses_sample, sub_type, feedback_type, counted):
    event = ses_sample("event-complaint.json")
    event["complaint"]["complaintSubType"] = sub_type
    event["complaint"]["complaintFeedbackType"] = feedback_type
    tally = MetricsTally()
    tally.add_event(parse_feedback(event))
    [counts] = tally.as_dict().values()
    assert counts.get(SES_COUNTED_COMPLAINTS, 0) == counted * len(
        event["complaint"]["complainedRecipients"]
    )


def test_send_recipients_count_every_destination(ses_sample):
    send = ses_sample("event-send.json")
    send["mail"]["destination"] = ["a@example.com", "b@example.com", "c@example.com"]
    tally = MetricsTally()
    tally.add_event(parse_feedback(send))
    assert tally.as_dict()["ConfigSet"]["SendRecipients"] == 3
    assert tally.as_dict()["ConfigSet"]["EventsSend"] == 1


def test_unknown_types_share_one_metric_name():
    assert event_metric_name("Bounce") == "EventsBounce"
    assert event_metric_name("SomethingNew") == "EventsUnknown"
    assert event_metric_name("RenderingFailure") == "EventsRenderingFailure"


def test_sqs_path_emits_the_same_metrics(memory_service, ses_sample, lambda_context, capsys):
    import json

    from adapters import factory
    from handlers import feedback

    body = json.dumps(ses_sample("event-bounce.json"))
    event = sqs_event(body)
    factory.override(memory_service)
    try:
        feedback.lambda_handler(event, lambda_context)
    finally:
        factory.reset()
    blobs = [
        json.loads(line)
        for line in capsys.readouterr().out.splitlines()
        if line.startswith('{"_aws"')
    ]
    [blob] = [b for b in blobs if "ConfigurationSet" in b]
    assert blob["ConfigurationSet"] == "ConfigSet" and blob["Pipeline"] == "sqs"
    assert blob["HardBounces"] == [1.0] and blob["SuppressionsAdded"] == [1.0]
