"""InboundFunction end to end: every envelope shape, against moto S3 and the DynamoDB tables
of template.yaml (InboundTable, SuppressionTable)."""

from __future__ import annotations

import copy
import json

import boto3
import pytest

from adapters.mail_store import S3MailStore
from domain.inbound import Location, MailUnavailableError
from handlers import inbound
from tests.conftest import EVENTS, INBOUND_BUCKET, INBOUND_FIXTURES

pytestmark = pytest.mark.integration
SAMPLES = EVENTS / "InboundFunction"


def load(name: str) -> dict:
    return json.loads((SAMPLES / name).read_text())


def ses_event(message_id: str, recipients: list[str], **verdicts: str) -> dict:
    event = load("ses-lambda-action.json")
    ses = event["Records"][0]["ses"]
    ses["mail"]["messageId"] = message_id
    ses["receipt"]["recipients"] = recipients
    for name, status in verdicts.items():
        ses["receipt"][f"{name}Verdict"] = {"status": status}
    return event


def suppression(address: str, table: str) -> dict | None:
    item = boto3.client("dynamodb").get_item(
        TableName=table, Key={"address": {"S": address}}, ConsistentRead=True
    )
    return item.get("Item")


def test_ses_lambda_action_records_a_human_message(inbound_env, lambda_context):
    inbound_env.upload("human-0001")
    assert inbound.lambda_handler(load("ses-lambda-action.json"), lambda_context) == {"recorded": 1}
    (item,) = inbound_env.items("human-0001")
    assert item["kind"] == "human"
    assert item["mailbox"] == "support@mail.example.com"
    assert item["sender"] == "alice@example.org"
    assert item["s3_key"] == "inbound/human-0001"
    assert item["verdicts"]["origin"] == "receipt"
    assert item["verdicts"]["dmarc"] == "PASS"
    assert [a["name"] for a in item["attachments"]] == ["invoice-2025-03.pdf", "logo été.png"]
    assert item["attachments"][0]["size"] == 2094
    assert int(item["expires_at"]) > 0 and item["source"] == "ses"


def test_s3_event_with_an_encoded_key_applies_the_bounce(
    inbound_env, suppression_table, lambda_context
):
    key = inbound_env.upload("dsn+0001")
    event = load("s3-object-created-encoded-key.json")
    assert event["Records"][0]["s3"]["object"]["key"] != key  # URL-encoded in the event
    inbound.lambda_handler(event, lambda_context)
    (item,) = inbound_env.items("dsn+0001")
    assert (item["kind"], item["s3_key"], item["suppressions_applied"]) == ("dsn", key, 1)
    assert item["verdicts"]["origin"] == "headers"
    record = suppression("no-such-user@example.net", suppression_table)
    assert record is not None and record["state"]["S"] == "suppressed"
    assert record["reason"]["S"] == "userunknown"


def test_sns_notification_of_the_s3_action_applies_the_complaint(
    inbound_env, suppression_table, lambda_context
):
    inbound_env.upload("arf-0001")
    inbound.lambda_handler(load("sns-s3-action-received.json"), lambda_context)
    (item,) = inbound_env.items("arf-0001")
    assert (item["kind"], item["mailbox"], item["source"]) == ("arf", "fbl@mail.example.com", "sns")
    record = suppression("complainer@example.org", suppression_table)
    assert record is not None and record["reason"]["S"] == "feedback"


def test_setup_notification_is_ignored(inbound_env, lambda_context):
    inbound_env.upload("AMAZON_SES_SETUP_NOTIFICATION", b"setup")
    assert inbound.lambda_handler(load("s3-setup-notification.json"), lambda_context) == {
        "ignored": 1
    }
    assert inbound_env.items("AMAZON_SES_SETUP_NOTIFICATION") == []
    ses = ses_event("AMAZON_SES_SETUP_NOTIFICATION", [])
    assert inbound.lambda_handler(ses, lambda_context) == {"ignored": 1}


def test_unsubscribe_mail_suppresses_the_sender(inbound_env, suppression_table, lambda_context):
    inbound_env.upload("unsubscribe-0001")
    event = ses_event("unsubscribe-0001", ["unsubscribe@mail.example.com"])
    inbound.lambda_handler(event, lambda_context)
    record = suppression("reader@example.org", suppression_table)
    assert record is not None
    assert (record["state"]["S"], record["reason"]["S"]) == ("suppressed", "unsubscribe")
    (item,) = inbound_env.items("unsubscribe-0001")
    assert item["kind"] == "unsubscribe" and item["suppressions_applied"] == 1


def test_bounce_failing_authentication_in_the_receipt_suppresses_nobody(
    inbound_env, suppression_table, lambda_context
):
    inbound_env.upload("dsn+0001")  # its headers say pass; the receipt (SES itself) says fail
    event = ses_event("dsn+0001", ["bounces@mail.example.com"], spf="FAIL", dkim="FAIL")
    inbound.lambda_handler(event, lambda_context)
    (item,) = inbound_env.items("dsn+0001")
    assert item["kind"] == "dsn" and item["suppressions_applied"] == 0
    assert "SPF failed" in item["note"]
    assert item["feedback"][0]["address"] == "no-such-user@example.net"
    assert suppression("no-such-user@example.net", suppression_table) is None


def test_redelivery_of_every_shape_is_idempotent(inbound_env, suppression_table, lambda_context):
    inbound_env.upload("dsn+0001")
    event = load("s3-object-created-encoded-key.json")
    inbound.lambda_handler(event, lambda_context)
    first_item = inbound_env.items("dsn+0001")
    first_record = suppression("no-such-user@example.net", suppression_table)
    assert inbound.lambda_handler(copy.deepcopy(event), lambda_context) == {"duplicate": 1}
    # the same message announced by another envelope is the same message
    ses = ses_event("dsn+0001", ["bounces@mail.example.com"], spf="PASS", dkim="PASS")
    assert inbound.lambda_handler(ses, lambda_context) == {"duplicate": 1}
    assert inbound_env.items("dsn+0001") == first_item
    assert suppression("no-such-user@example.net", suppression_table) == first_record


def test_missing_object_is_recorded_reported_and_recovered(inbound_env, lambda_context):
    event = load("s3-malformed-missing-object.json")
    inbound_env.upload("auto-reply-0001")
    with pytest.raises(inbound.InboundProcessingError) as raised:
        inbound.lambda_handler(event, lambda_context)
    assert raised.value.failed_records == ["inbound/missing-0001"]
    (good,) = inbound_env.items("auto-reply-0001")
    assert good["kind"] == "auto-reply"
    (failed,) = inbound_env.items("missing-0001")
    assert failed["kind"] == "unparseable" and failed["fetch_failed"] is True
    assert "NoSuchKey" in failed["error"]
    # the retry (Lambda's, or a replay from the DLQ) finds the object and replaces the record
    inbound_env.upload("missing-0001", _fixture_bytes("human-0001"))
    assert inbound.lambda_handler(event, lambda_context) == {"duplicate": 1, "recorded": 1}
    (recovered,) = inbound_env.items("missing-0001")
    assert recovered["kind"] == "human" and recovered["fetch_failed"] is False


def _fixture_bytes(message_id: str) -> bytes:
    from tests.conftest import INBOUND_FIXTURES

    return (INBOUND_FIXTURES / f"{message_id}.eml").read_bytes()


def test_unparseable_message_is_recorded_with_its_reason(inbound_env, lambda_context):
    inbound_env.upload("unparseable-0001")
    inbound.lambda_handler(ses_event("unparseable-0001", ["x@mail.example.com"]), lambda_context)
    (item,) = inbound_env.items("unparseable-0001")
    assert item["kind"] == "unparseable"
    assert item["error"] == "multipart/mixed boundary never occurs"
    assert item["subject"] == "Photos"


def test_unsupported_events_raise(inbound_env, lambda_context):
    with pytest.raises(inbound.UnsupportedEventError):
        inbound.lambda_handler({"Records": [{"eventSource": "aws:sqs"}]}, lambda_context)


def test_mail_store_refuses_objects_over_the_limit(inbound_env):
    key = inbound_env.upload("human-0001")
    store = S3MailStore()
    raw = store.fetch(Location(INBOUND_BUCKET, key), 10_000_000)
    assert bytes(raw) == _fixture_bytes("human-0001")
    with pytest.raises(MailUnavailableError) as too_big:
        store.fetch(Location(INBOUND_BUCKET, key), 100)
    assert too_big.value.retryable is False


def test_forged_bounce_from_an_authenticated_domain_suppresses_nobody(
    inbound_env, suppression_table, lambda_context
):
    # The attacker's domain passes everything (SES's receipt says so), and the DSN names a
    # victim; without a return path signed for the victim, nothing changes.
    raw = (INBOUND_FIXTURES / "dsn+0001.eml").read_bytes()
    forged = raw.replace(b"bounces+4eb7x77w6a3vbz24fa2h@", b"bounces@").replace(
        b"no-such-user@example.net", b"victim@example.net"
    )
    inbound_env.upload("forged-0002", forged)
    event = ses_event(
        "forged-0002", ["bounces@mail.example.com"], spf="PASS", dkim="PASS", dmarc="PASS"
    )
    assert inbound.lambda_handler(event, lambda_context) == {"recorded": 1}
    (item,) = inbound_env.items("forged-0002")
    assert item["kind"] == "dsn" and item["authenticated"] is True
    assert item["suppressions_applied"] == 0
    assert "no signed return path" in item["note"]
    assert item["feedback"][0]["address"] == "victim@example.net"
    assert "proof" not in item["feedback"][0]
    assert suppression("victim@example.net", suppression_table) is None
