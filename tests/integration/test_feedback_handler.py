"""FeedbackFunction against DynamoDB on an embedded moto server (tables from template.yaml)."""

from __future__ import annotations

import boto3
import pytest

from handlers import feedback
from tests.builders import sns_envelope as sns_body
from tests.builders import sqs_event

pytestmark = pytest.mark.integration


def items(table: str) -> dict[str, dict]:
    scanned = boto3.resource("dynamodb").Table(table).scan()["Items"]
    return {i["address"]: i for i in scanned}


def test_one_bad_record_of_two_fails_alone(suppression_table, ses_sample, lambda_context):
    good = sns_body(ses_sample("event-bounce.json"))
    response = feedback.lambda_handler(sqs_event(good, "{not json"), lambda_context)
    assert response == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    stored = items(suppression_table)
    assert stored["recipient@example.com"]["state"] == "suppressed"
    assert stored["recipient@example.com"]["reason"] == "userunknown"


def test_malformed_and_unknown_records_with_good_ones(
    suppression_table, ses_sample, lambda_context
):
    unknown = ses_sample("event-send.json")
    unknown["eventType"] = "Teleport"
    no_fields = {
        "eventType": "Bounce",
        "mail": {"messageId": "x", "timestamp": "2026-01-01T00:00:00Z"},
    }
    event = sqs_event(
        sns_body(unknown),  # skipped with a logged reason
        sns_body(no_fields),  # failure: bounce object missing
        sns_body("Successfully validated SNS topic for Amazon SES event publishing."),
        sns_body(ses_sample("event-complaint.json")),  # applied
    )
    response = feedback.lambda_handler(event, lambda_context)
    assert response == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    stored = items(suppression_table)
    assert stored["recipient@example.com"]["reason"] == "feedback"


def test_redelivery_changes_nothing(suppression_table, ses_sample, lambda_context):
    event = sqs_event(sns_body(ses_sample("event-bounce.json")))
    feedback.lambda_handler(event, lambda_context)
    first = items(suppression_table)
    feedback.lambda_handler(event, lambda_context)
    second = items(suppression_table)
    assert first == second  # same version, same updated_at: no write at all
    assert second["recipient@example.com"]["version"] == 1


def test_direct_sns_invocation(suppression_table, ses_sample, lambda_context):
    envelope = ses_sample("lambda-sns-envelope-ses-bounce-COMPOSED.json")
    assert feedback.lambda_handler(envelope, lambda_context) == {"processed": 1}
    assert items(suppression_table)["jane@example.com"]["state"] == "suppressed"


def test_direct_sns_failure_raises_for_lambda_retry(suppression_table, ses_sample, lambda_context):
    envelope = ses_sample("lambda-sns-envelope-ses-bounce-COMPOSED.json")
    envelope["Records"][0]["Sns"]["Message"] = "{broken"
    with pytest.raises(ValueError, match="could not be processed"):
        feedback.lambda_handler(envelope, lambda_context)


def test_unsupported_invocation_is_rejected(suppression_table, lambda_context):
    with pytest.raises(ValueError, match="expected an SQS batch or an SNS event"):
        feedback.lambda_handler({"hello": "world"}, lambda_context)


def test_soft_bounces_escalate_across_invocations(
    suppression_table, ses_sample, lambda_context, monkeypatch
):
    payloads = []
    for day in (1, 3, 5):
        p = ses_sample("event-bounce.json")
        p["bounce"].update(
            bounceType="Transient",
            bounceSubType="MailboxFull",
            feedbackId=f"fb-{day}",
            timestamp=f"2026-11-0{day}T10:00:00.000Z",
        )
        p["bounce"]["bouncedRecipients"][0].update(
            status="4.2.2", diagnosticCode="smtp; 452 4.2.2 Mailbox full"
        )
        payloads.append(p)
    for p in payloads[:2]:
        feedback.lambda_handler(sqs_event(sns_body(p)), lambda_context)
    assert items(suppression_table)["recipient@example.com"]["state"] == "watching"
    feedback.lambda_handler(sqs_event(sns_body(payloads[2])), lambda_context)
    item = items(suppression_table)["recipient@example.com"]
    assert item["state"] == "suppressed" and item["reason"] == "mailboxfull"
    assert item["category"] == "mailbox-problem"


def test_a_subscription_event_suppresses_in_its_scope_only(
    suppression_table, ses_sample, lambda_context
):
    """SES list-management opt-outs reach the item's `scopes` map; the global state, what
    existing readers of `suppressed` see, is unchanged; a later opt-in lifts the scope."""
    from adapters.suppression_client import SuppressionClient

    opt_out = ses_sample("event-subscription.json")
    response = feedback.lambda_handler(sqs_event(sns_body(opt_out)), lambda_context)
    assert response == {"batchItemFailures": []}
    item = items(suppression_table)["recipient@example.com"]
    assert item["state"] == "clear" and item["suppressed"] is False
    assert set(item["scopes"]) == {"contactlistname", "contactlistname:exampletopicname"}
    assert item["scopes"]["contactlistname"]["reason"] == "unsubscribe"

    client = SuppressionClient(suppression_table, boto3.client("dynamodb"))
    assert not client.check("recipient@example.com").suppressed
    topic = client.check("recipient@example.com", scope="contactlistname:exampletopicname")
    assert topic.suppressed and topic.blocked_by == "contactlistname"

    opt_in = ses_sample("event-subscription.json")
    opt_in["subscription"]["timestamp"] = "2022-01-12T01:05:00.000Z"
    opt_in["subscription"]["newTopicPreferences"] = {
        "unsubscribeAll": False,
        "topicSubscriptionStatus": [
            {"topicName": "ExampleTopicName", "subscriptionStatus": "OptIn"}
        ],
    }
    feedback.lambda_handler(sqs_event(sns_body(opt_in)), lambda_context)
    item = items(suppression_table)["recipient@example.com"]
    assert "scopes" not in item
    assert not client.check(
        "recipient@example.com", scope="contactlistname:exampletopicname"
    ).suppressed
