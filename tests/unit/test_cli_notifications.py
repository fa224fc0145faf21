"""`ses-feedback setup-notifications` against a stubbed SES v1 client (moto does not report
topics or header settings in GetIdentityNotificationAttributes)."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from adapters import ses_identity
from cli import main as cli_main

IDENTITY = "example.com"
TOPIC = "arn:aws:sns:us-east-1:123456789012:ses-feedback-dev-identity"
BOUNCE_TOPIC = "arn:aws:sns:us-east-1:123456789012:bounces"


@pytest.fixture
def ses(monkeypatch):
    client = boto3.client(
        "ses",
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        endpoint_url="https://ses.invalid",
    )
    stubber = Stubber(client)
    original = ses_identity.SesIdentityNotifications.__init__

    def init(self, client_arg=None):
        original(self, client)

    monkeypatch.setattr(ses_identity.SesIdentityNotifications, "__init__", init)
    with stubber:
        yield stubber
    stubber.assert_no_pending_responses()


def attributes(**values):
    base = {  # SES's model requires the topic members; unset topics come back empty
        "BounceTopic": "",
        "ComplaintTopic": "",
        "DeliveryTopic": "",
        "ForwardingEnabled": True,
        "HeadersInBounceNotificationsEnabled": False,
        "HeadersInComplaintNotificationsEnabled": False,
        "HeadersInDeliveryNotificationsEnabled": False,
    }
    base.update(values)
    return {"NotificationAttributes": {IDENTITY: base}}


def test_first_run_sets_topics_and_headers(ses, capsys):
    ses.add_response(
        "get_identity_notification_attributes", attributes(), {"Identities": [IDENTITY]}
    )
    for kind, arn in (("Bounce", BOUNCE_TOPIC), ("Complaint", TOPIC), ("Delivery", TOPIC)):
        ses.add_response(
            "set_identity_notification_topic",
            {},
            {"Identity": IDENTITY, "NotificationType": kind, "SnsTopic": arn},
        )
    for kind in ("Bounce", "Complaint", "Delivery"):
        ses.add_response(
            "set_identity_headers_in_notifications_enabled",
            {},
            {"Identity": IDENTITY, "NotificationType": kind, "Enabled": True},
        )
    code = cli_main.main(
        [
            "setup-notifications",
            "--identity",
            IDENTITY,
            "--topic",
            TOPIC,
            "--topic-bounce",
            BOUNCE_TOPIC,
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert f"Bounce topic       none -> {BOUNCE_TOPIC} (changed)" in out
    assert "6 change(s) made." in out


def test_second_run_changes_nothing(ses, capsys):
    ses.add_response(
        "get_identity_notification_attributes",
        attributes(
            BounceTopic=TOPIC,
            ComplaintTopic=TOPIC,
            DeliveryTopic=TOPIC,
            HeadersInBounceNotificationsEnabled=True,
            HeadersInComplaintNotificationsEnabled=True,
            HeadersInDeliveryNotificationsEnabled=True,
        ),
        {"Identities": [IDENTITY]},
    )
    # No set_* responses queued: the Stubber fails the test if any is called.
    code = cli_main.main(["setup-notifications", "--identity", IDENTITY, "--topic", TOPIC])
    out = capsys.readouterr().out
    assert code == 0
    assert "Nothing to change" in out
    assert out.count("(unchanged)") == 6


def test_no_delivery_and_dry_run(ses, capsys):
    ses.add_response(
        "get_identity_notification_attributes",
        attributes(BounceTopic=TOPIC, HeadersInBounceNotificationsEnabled=True),
        {"Identities": [IDENTITY]},
    )
    code = cli_main.main(
        [
            "setup-notifications",
            "--identity",
            IDENTITY,
            "--topic",
            TOPIC,
            "--no-delivery",
            "--dry-run",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "Delivery" not in out
    assert "Complaint topic    none -> " in out and "(would change)" in out
    assert "2 change(s) needed" in out


def test_json_dry_run_one_object_per_setting_then_summary(ses, capsys):
    import json

    ses.add_response(
        "get_identity_notification_attributes",
        attributes(BounceTopic=TOPIC, HeadersInBounceNotificationsEnabled=True),
        {"Identities": [IDENTITY]},
    )
    argv = ["setup-notifications", "--identity", IDENTITY, "--topic", TOPIC, "--no-delivery"]
    assert cli_main.main([*argv, "--dry-run", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["notification_type"], r["setting"], r["action"]) for r in rows[:-1]] == [
        ("Bounce", "topic", "unchanged"),
        ("Complaint", "topic", "would-change"),
        ("Bounce", "headers", "unchanged"),
        ("Complaint", "headers", "would-change"),
    ]
    assert rows[1]["old"] is None and rows[1]["new"] == TOPIC
    assert rows[3] == {
        "identity": IDENTITY,
        "notification_type": "Complaint",
        "setting": "headers",
        "old": False,
        "new": True,
        "action": "would-change",
    }
    assert rows[-1] == {"summary": {"identity": IDENTITY, "changes": 2, "dry_run": True}}


def test_unknown_identity_fails(ses, capsys):
    ses.add_response(
        "get_identity_notification_attributes",
        {"NotificationAttributes": {}},
        {"Identities": [IDENTITY]},
    )
    code = cli_main.main(["setup-notifications", "--identity", IDENTITY, "--topic", TOPIC])
    assert code == 1
    assert "not an identity" in capsys.readouterr().err


def test_a_topic_is_required(capsys):
    assert cli_main.main(["setup-notifications", "--identity", IDENTITY]) == 2
