"""The metrics plan shared by the SQS/SNS and Firehose paths."""

from __future__ import annotations

from domain.events import parse_feedback
from domain.metrics_plan import MetricsTally, event_metric_name
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
        "EventsSend": 1,
        "SendRecipients": 1,
        "SuppressionsAdded": 1,
    }
    assert counts["none"]["EventsComplaint"] == 1
    assert counts["none"]["Complaints"] >= 1


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
