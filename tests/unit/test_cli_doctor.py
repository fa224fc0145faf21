"""`ses-feedback doctor`: each check against Stubber answers for a healthy and a broken
account or stack, and the whole command's output and exit status."""

from __future__ import annotations

import argparse
import copy
import json
import re
from datetime import UTC, datetime

import pytest

from cli import doctor as cli
from cli import main as cli_main
from domain.doctor import Status
from tests.fakes import stubbed_client

NOW = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)
STACK = "ses-feedback-dev"
SET = "ses-feedback-dev"
TOPIC = "arn:aws:sns:us-east-1:123456789012:ses-feedback-dev-events"
ALARMS = "arn:aws:sns:us-east-1:123456789012:ses-feedback-dev-alarms"
STREAM = "ses-feedback-dev-archive"
RULE_SET = "ses-feedback-dev-inbound"
FEEDBACK_DLQ = "https://sqs.us-east-1.amazonaws.com/123456789012/ses-feedback-dev-events-dlq"
INBOUND_DLQ = "https://sqs.us-east-1.amazonaws.com/123456789012/ses-feedback-dev-inbound-dlq"
CHANGES_DLQ = "https://sqs.us-east-1.amazonaws.com/123456789012/ses-feedback-dev-change-events-dlq"
OUTPUTS = {
    "ConfigurationSetName": SET,
    "FeedbackTopicArn": TOPIC,
    "AlarmTopicArn": ALARMS,
    "FeedbackDeadLetterQueueUrl": FEEDBACK_DLQ,
    "InboundDeadLetterQueueUrl": INBOUND_DLQ,
    "ChangeEventsDeadLetterQueueUrl": CHANGES_DLQ,
    "InboundReceiptRuleSetName": RULE_SET,
    "ArchiveDeliveryStreamName": STREAM,
}

HEALTHY_ACCOUNT = {
    "ProductionAccessEnabled": True,
    "SendingEnabled": True,
    "EnforcementStatus": "HEALTHY",
    "SendQuota": {"Max24HourSend": 50000.0, "MaxSendRate": 14.0, "SentLast24Hours": 1200.0},
    "SuppressionAttributes": {"SuppressedReasons": ["BOUNCE", "COMPLAINT"]},
}
HEALTHY_IDENTITY = {
    "IdentityType": "DOMAIN",
    "VerifiedForSendingStatus": True,
    "VerificationStatus": "SUCCESS",
    "DkimAttributes": {"SigningEnabled": True, "Status": "SUCCESS"},
    "MailFromAttributes": {
        "MailFromDomain": "bounce.example.com",
        "MailFromDomainStatus": "SUCCESS",
        "BehaviorOnMxFailure": "USE_DEFAULT_VALUE",
    },
}
HEALTHY_NOTIFICATIONS = {
    "BounceTopic": TOPIC,
    "ComplaintTopic": TOPIC,
    "DeliveryTopic": TOPIC,
    "ForwardingEnabled": False,
}
ALL_TYPES = ["SEND", "REJECT", "BOUNCE", "COMPLAINT", "DELIVERY", "DELIVERY_DELAY"]
HEALTHY_DESTINATIONS = [
    {
        "Name": "sns-all-events",
        "Enabled": True,
        "MatchingEventTypes": ALL_TYPES,
        "SnsDestination": {"TopicArn": TOPIC},
    },
    {
        "Name": "firehose-archive",
        "Enabled": True,
        "MatchingEventTypes": ALL_TYPES,
        "KinesisFirehoseDestination": {
            "IamRoleArn": "arn:aws:iam::123456789012:role/ses-to-firehose",
            "DeliveryStreamArn": f"arn:aws:firehose:us-east-1:123456789012:deliverystream/{STREAM}",
        },
    },
]


def confirmed(topic):
    return {
        "SubscriptionArn": f"{topic}:0b8e5a3c-1d2f-4e5a-9b8c-7d6e5f4a3b2c",
        "Owner": "123456789012",
        "Protocol": "sqs",
        "Endpoint": "arn:aws:sqs:us-east-1:123456789012:q",
        "TopicArn": topic,
    }


def pending(topic):
    return {**confirmed(topic), "SubscriptionArn": "PendingConfirmation", "Protocol": "email"}


@pytest.fixture
def stubs():
    made = {
        name: stubbed_client(name)
        for name in ("sesv2", "ses", "sns", "sqs", "cloudwatch", "cloudformation")
    }
    clients = cli.Clients(**{name: client for name, (client, _) in made.items()})
    stubbers = {name: stub for name, (_, stub) in made.items()}
    for stub in stubbers.values():
        stub.activate()
    yield clients, stubbers
    for stub in stubbers.values():
        stub.assert_no_pending_responses()
        stub.deactivate()


def statuses(checks):
    return {c.name: c.status for c in checks}


# --- account: sandbox, sending, enforcement, quota, suppression list ------------------------


def test_account_healthy(stubs):
    clients, stub = stubs
    stub["sesv2"].add_response("get_account", HEALTHY_ACCOUNT, {})
    found = statuses(cli.account_checks(clients))
    assert set(found.values()) == {Status.PASS}
    assert set(found) == {
        "production access",
        "account sending",
        "enforcement status",
        "24-hour quota",
        "account suppression list",
    }


@pytest.mark.parametrize(
    ("change", "check", "status"),
    [
        ({"ProductionAccessEnabled": False}, "production access", Status.WARN),
        ({"SendingEnabled": False}, "account sending", Status.FAIL),
        ({"EnforcementStatus": "PROBATION"}, "enforcement status", Status.WARN),
        ({"EnforcementStatus": "SHUTDOWN"}, "enforcement status", Status.FAIL),
        (
            {"SendQuota": {"Max24HourSend": 200.0, "MaxSendRate": 1.0, "SentLast24Hours": 160.0}},
            "24-hour quota",
            Status.WARN,
        ),
        (
            {"SendQuota": {"Max24HourSend": 200.0, "MaxSendRate": 1.0, "SentLast24Hours": 199.0}},
            "24-hour quota",
            Status.FAIL,
        ),
        (
            {"SuppressionAttributes": {"SuppressedReasons": ["BOUNCE"]}},
            "account suppression list",
            Status.WARN,
        ),
    ],
)
def test_account_broken(stubs, change, check, status):
    clients, stub = stubs
    stub["sesv2"].add_response("get_account", {**HEALTHY_ACCOUNT, **change}, {})
    checks = cli.account_checks(clients)
    found = statuses(checks)
    assert found.pop(check) is status
    assert set(found.values()) == {Status.PASS}, "only the broken check changes"
    [broken] = [c for c in checks if c.name == check]
    assert broken.fix


def test_an_unlimited_quota_passes(stubs):
    clients, stub = stubs
    quota = {"Max24HourSend": -1.0, "MaxSendRate": 100.0, "SentLast24Hours": 10.0}
    stub["sesv2"].add_response("get_account", {**HEALTHY_ACCOUNT, "SendQuota": quota}, {})
    assert statuses(cli.account_checks(clients))["24-hour quota"] is Status.PASS


# --- identities: verification, DKIM, MAIL FROM, notification topics --------------------------


def add_identity(stub, identity, notifications=HEALTHY_NOTIFICATIONS, name="example.com"):
    stub["sesv2"].add_response(
        "list_email_identities",
        {"EmailIdentities": [{"IdentityType": "DOMAIN", "IdentityName": name}]},
        {},
    )
    stub["sesv2"].add_response("get_email_identity", identity, {"EmailIdentity": name})
    stub["ses"].add_response(
        "get_identity_notification_attributes",
        {"NotificationAttributes": {name: notifications}},
        {"Identities": [name]},
    )


def test_identity_healthy(stubs):
    clients, stub = stubs
    add_identity(stub, HEALTHY_IDENTITY)
    found = statuses(cli.identity_checks(clients, OUTPUTS))
    assert set(found.values()) == {Status.PASS}
    assert {
        "identity example.com",
        "DKIM example.com",
        "MAIL FROM example.com",
        "Bounce notifications example.com",
        "Complaint notifications example.com",
        "Delivery notifications example.com",
    } == set(found)


@pytest.mark.parametrize(
    ("path", "value", "check", "status"),
    [
        (("VerificationStatus",), "PENDING", "identity example.com", Status.FAIL),
        (("VerifiedForSendingStatus",), False, "identity example.com", Status.FAIL),
        (("DkimAttributes", "Status"), "FAILED", "DKIM example.com", Status.FAIL),
        (("DkimAttributes", "Status"), "PENDING", "DKIM example.com", Status.WARN),
        (("DkimAttributes", "SigningEnabled"), False, "DKIM example.com", Status.FAIL),
        (
            ("MailFromAttributes", "MailFromDomainStatus"),
            "FAILED",
            "MAIL FROM example.com",
            Status.FAIL,
        ),
        (
            ("MailFromAttributes", "MailFromDomainStatus"),
            "PENDING",
            "MAIL FROM example.com",
            Status.WARN,
        ),
    ],
)
def test_identity_broken(stubs, path, value, check, status):
    clients, stub = stubs
    identity = copy.deepcopy(HEALTHY_IDENTITY)
    target = identity
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    add_identity(stub, identity)
    found = statuses(cli.identity_checks(clients, OUTPUTS))
    assert found.pop(check) is status
    assert set(found.values()) == {Status.PASS}


def test_notifications_elsewhere_or_missing_warn_with_the_setup_command(stubs):
    clients, stub = stubs
    notifications = {
        "BounceTopic": "arn:aws:sns:us-east-1:123456789012:someone-else",
        "ComplaintTopic": "",
        "DeliveryTopic": "",
        "ForwardingEnabled": True,
    }
    add_identity(stub, HEALTHY_IDENTITY, notifications)
    checks = {c.name: c for c in cli.identity_checks(clients, OUTPUTS)}
    bounce = checks["Bounce notifications example.com"]
    assert bounce.status is Status.WARN and "someone-else" in bounce.detail
    assert f"setup-notifications --identity example.com --topic {TOPIC}" in bounce.fix
    complaint = checks["Complaint notifications example.com"]
    assert complaint.status is Status.WARN and "forwarded by email only" in complaint.detail
    # Delivery notifications are optional
    assert checks["Delivery notifications example.com"].status is Status.PASS


def test_the_stacks_default_configuration_set_makes_notifications_unnecessary(stubs):
    clients, stub = stubs
    identity = {**HEALTHY_IDENTITY, "ConfigurationSetName": SET}
    unset = {
        "BounceTopic": "",
        "ComplaintTopic": "",
        "DeliveryTopic": "",
        "ForwardingEnabled": False,
    }
    add_identity(stub, identity, unset)
    found = statuses(cli.identity_checks(clients, OUTPUTS))
    assert set(found.values()) == {Status.PASS}


def test_no_identity_at_all_fails(stubs):
    clients, stub = stubs
    stub["sesv2"].add_response("list_email_identities", {"EmailIdentities": []}, {})
    assert statuses(cli.identity_checks(clients, OUTPUTS)) == {"identities": Status.FAIL}


def test_identities_are_read_page_by_page(stubs):
    clients, stub = stubs
    stub["sesv2"].add_response(
        "list_email_identities",
        {"EmailIdentities": [{"IdentityName": "a.example"}], "NextToken": "t"},
        {},
    )
    stub["sesv2"].add_response(
        "list_email_identities",
        {"EmailIdentities": [{"IdentityName": "b.example"}]},
        {"NextToken": "t"},
    )
    assert cli.list_identities(clients.sesv2) == ["a.example", "b.example"]


# --- the configuration set and its destinations ---------------------------------------------


def add_configuration_set(stub, sending_enabled=True, destinations=HEALTHY_DESTINATIONS):
    stub["sesv2"].add_response(
        "get_configuration_set",
        {"ConfigurationSetName": SET, "SendingOptions": {"SendingEnabled": sending_enabled}},
        {"ConfigurationSetName": SET},
    )
    stub["sesv2"].add_response(
        "get_configuration_set_event_destinations",
        {"EventDestinations": destinations},
        {"ConfigurationSetName": SET},
    )


def test_configuration_set_healthy(stubs):
    clients, stub = stubs
    add_configuration_set(stub)
    found = statuses(cli.configuration_set_checks(clients, OUTPUTS))
    assert found == {
        f"configuration set {SET}": Status.PASS,
        f"sending {SET}": Status.PASS,
        f"SNS destination {SET}": Status.PASS,
        f"Firehose destination {SET}": Status.PASS,
    }


def test_a_paused_set_fails_with_resume_as_the_fix(stubs):
    clients, stub = stubs
    add_configuration_set(stub, sending_enabled=False)
    checks = {c.name: c for c in cli.configuration_set_checks(clients, OUTPUTS)}
    assert checks[f"sending {SET}"].status is Status.FAIL
    assert "ses-feedback resume" in checks[f"sending {SET}"].fix


@pytest.mark.parametrize(
    ("destinations", "check", "detail"),
    [
        (HEALTHY_DESTINATIONS[1:], "SNS destination", "missing"),
        (
            [{**HEALTHY_DESTINATIONS[0], "Enabled": False}, HEALTHY_DESTINATIONS[1]],
            "SNS destination",
            "disabled",
        ),
        (
            [HEALTHY_DESTINATIONS[0], {**HEALTHY_DESTINATIONS[1], "MatchingEventTypes": ["SEND"]}],
            "Firehose destination",
            "does not publish BOUNCE, COMPLAINT",
        ),
    ],
)
def test_configuration_set_destinations_broken(stubs, destinations, check, detail):
    clients, stub = stubs
    add_configuration_set(stub, destinations=destinations)
    checks = {c.name: c for c in cli.configuration_set_checks(clients, OUTPUTS)}
    assert checks[f"{check} {SET}"].status is Status.FAIL
    assert checks[f"{check} {SET}"].detail == detail


def test_an_sns_destination_that_skips_archived_types_fails(stubs):
    clients, stub = stubs
    narrow = [t for t in ALL_TYPES if t not in ("DELIVERY", "DELIVERY_DELAY")]
    sns = {**HEALTHY_DESTINATIONS[0], "MatchingEventTypes": narrow}
    add_configuration_set(stub, destinations=[sns, HEALTHY_DESTINATIONS[1]])
    checks = {c.name: c for c in cli.configuration_set_checks(clients, OUTPUTS)}
    assert checks[f"SNS destination {SET}"].status is Status.PASS
    covers = checks[f"SNS destination {SET} covers the archive"]
    assert covers.status is Status.FAIL
    assert covers.detail.startswith("DELIVERY, DELIVERY_DELAY reach the archive but never the")


def test_a_missing_configuration_set_fails(stubs):
    clients, stub = stubs
    stub["sesv2"].add_client_error(
        "get_configuration_set", "NotFoundException", http_status_code=404
    )
    assert statuses(cli.configuration_set_checks(clients, OUTPUTS)) == {
        f"configuration set {SET}": Status.FAIL
    }


# --- subscriptions, dead-letter queues, receipt rules, reputation ---------------------------


def add_subscriptions(stub, feedback, alarms):
    stub["sns"].add_response(
        "list_subscriptions_by_topic", {"Subscriptions": feedback}, {"TopicArn": TOPIC}
    )
    stub["sns"].add_response(
        "list_subscriptions_by_topic", {"Subscriptions": alarms}, {"TopicArn": ALARMS}
    )


def test_subscriptions_healthy(stubs):
    clients, stub = stubs
    add_subscriptions(stub, [confirmed(TOPIC)], [confirmed(ALARMS)])
    assert set(statuses(cli.subscription_checks(clients, OUTPUTS)).values()) == {Status.PASS}


def test_subscriptions_broken(stubs):
    clients, stub = stubs
    add_subscriptions(stub, [confirmed(TOPIC), pending(TOPIC)], [pending(ALARMS)])
    checks = {c.name: c for c in cli.subscription_checks(clients, OUTPUTS)}
    assert checks["subscriptions feedback topic"].status is Status.WARN
    alarm = checks["subscriptions alarm topic"]
    assert alarm.status is Status.FAIL and "none confirmed" in alarm.detail
    assert "AlarmEmail" in alarm.fix


def test_topics_identities_notify_besides_the_stacks_are_checked_too(stubs):
    clients, stub = stubs
    other = "arn:aws:sns:us-east-1:123456789012:legacy-bounces"
    add_subscriptions(stub, [confirmed(TOPIC)], [confirmed(ALARMS)])
    stub["sns"].add_response(
        "list_subscriptions_by_topic", {"Subscriptions": []}, {"TopicArn": other}
    )
    checks = {c.name: c for c in cli.subscription_checks(clients, OUTPUTS, {TOPIC, other})}
    legacy = checks["subscriptions identity topic legacy-bounces"]
    assert legacy.status is Status.FAIL and other in legacy.detail
    assert checks["subscriptions feedback topic"].status is Status.PASS


def test_identity_checks_report_the_topics_they_found(stubs):
    clients, stub = stubs
    other = "arn:aws:sns:us-east-1:123456789012:legacy-bounces"
    add_identity(stub, HEALTHY_IDENTITY, {**HEALTHY_NOTIFICATIONS, "BounceTopic": other})
    found: set[str] = set()
    cli.identity_checks(clients, OUTPUTS, found)
    assert found == {TOPIC, other}


def test_a_topic_without_any_subscription_fails(stubs):
    clients, stub = stubs
    add_subscriptions(stub, [confirmed(TOPIC)], [])
    checks = {c.name: c for c in cli.subscription_checks(clients, OUTPUTS)}
    assert checks["subscriptions alarm topic"].status is Status.FAIL
    assert "no subscription" in checks["subscriptions alarm topic"].detail


def add_queue_depths(stub, feedback, inbound, changes=0):
    for url, depth in ((FEEDBACK_DLQ, feedback), (INBOUND_DLQ, inbound), (CHANGES_DLQ, changes)):
        stub["sqs"].add_response(
            "get_queue_attributes",
            {"Attributes": {"ApproximateNumberOfMessages": str(depth)}},
            {"QueueUrl": url, "AttributeNames": ["ApproximateNumberOfMessages"]},
        )


@pytest.mark.parametrize(
    ("depths", "failing"),
    [
        ((0, 0, 0), set()),
        ((3, 0, 0), {"feedback"}),
        ((0, 1, 0), {"inbound"}),
        ((0, 0, 2), {"change-events"}),
    ],
)
def test_dead_letter_queues(stubs, depths, failing):
    clients, stub = stubs
    add_queue_depths(stub, *depths)
    checks = cli.queue_checks(clients, OUTPUTS)
    assert statuses(checks) == {
        f"dead-letter queue {k}": Status.FAIL if k in failing else Status.PASS
        for k in ("feedback", "inbound", "change-events")
    }
    for check in checks:  # each fix names the redrive that empties that queue
        label = check.name.removeprefix("dead-letter queue ")
        assert check.status is Status.PASS or f"ses-feedback redrive {label}" in check.fix


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        ({"Metadata": {"Name": RULE_SET}}, Status.PASS),
        ({"Metadata": {"Name": "someone-elses"}}, Status.WARN),
        ({}, Status.WARN),
    ],
)
def test_active_receipt_rule_set(stubs, answer, status):
    clients, stub = stubs
    stub["ses"].add_response("describe_active_receipt_rule_set", answer, {})
    [check] = cli.receipt_checks(clients, OUTPUTS)
    assert check.status is status
    if status is not Status.PASS:
        assert check.fix == "ses-feedback activate-receipt-rules"


def add_reputation(stub, bounce, complaint):
    def result(key, value):
        values = [] if value is None else [value]
        stamps = [] if value is None else [NOW]
        return {"Id": key, "Values": values, "Timestamps": stamps, "StatusCode": "Complete"}

    stub["cloudwatch"].add_response(
        "get_metric_data",
        {"MetricDataResults": [result("bounce", bounce), result("complaint", complaint)]},
        None,
    )


@pytest.mark.parametrize(
    ("bounce", "complaint", "expected"),
    [
        (0.01, 0.0002, (Status.PASS, Status.PASS)),
        (None, None, (Status.PASS, Status.PASS)),
        (0.05, 0.0002, (Status.WARN, Status.PASS)),  # at SES's review level
        (0.10, 0.0002, (Status.FAIL, Status.PASS)),  # at SES's pause level
        (0.01, 0.001, (Status.PASS, Status.WARN)),
        (0.01, 0.006, (Status.PASS, Status.FAIL)),
    ],
)
def test_reputation_against_ses_thresholds(stubs, bounce, complaint, expected):
    clients, stub = stubs
    add_reputation(stub, bounce, complaint)
    found = statuses(cli.reputation_checks(clients, NOW))
    assert (
        found["reputation Reputation.BounceRate"],
        found["reputation Reputation.ComplaintRate"],
    ) == expected


# --- the whole command ----------------------------------------------------------------------


def add_stack(stub, outputs=OUTPUTS):
    stub["cloudformation"].add_response(
        "describe_stacks",
        {
            "Stacks": [
                {
                    "StackName": STACK,
                    "CreationTime": NOW,
                    "StackStatus": "UPDATE_COMPLETE",
                    "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()],
                }
            ]
        },
        {"StackName": STACK},
    )


def add_healthy(stub):
    stub["sesv2"].add_response("get_account", HEALTHY_ACCOUNT, {})
    add_stack(stub)
    add_identity(stub, HEALTHY_IDENTITY)
    add_configuration_set(stub)
    add_subscriptions(stub, [confirmed(TOPIC)], [confirmed(ALARMS)])
    add_queue_depths(stub, 0, 0)
    stub["ses"].add_response(
        "describe_active_receipt_rule_set", {"Metadata": {"Name": RULE_SET}}, {}
    )
    add_reputation(stub, 0.01, 0.0002)


def test_a_healthy_stack_exits_0_with_every_check_passing(stubs, capsys):
    clients, stub = stubs
    add_healthy(stub)
    code = cli.run(argparse.Namespace(stack=STACK, json=True), clients)
    document = json.loads(capsys.readouterr().out)
    assert code == 0 and document["status"] == "PASS"
    assert len(document["checks"]) == 23
    assert {c["status"] for c in document["checks"]} == {"PASS"}


def test_exit_status_is_the_worst_result_and_text_shows_each_fix(stubs, capsys):
    clients, stub = stubs
    stub["sesv2"].add_response(
        "get_account", {**HEALTHY_ACCOUNT, "ProductionAccessEnabled": False}, {}
    )
    add_stack(stub)
    add_identity(stub, HEALTHY_IDENTITY)
    add_configuration_set(stub)
    add_subscriptions(stub, [confirmed(TOPIC)], [confirmed(ALARMS)])
    add_queue_depths(stub, 0, 0)
    stub["ses"].add_response(
        "describe_active_receipt_rule_set", {"Metadata": {"Name": RULE_SET}}, {}
    )
    add_reputation(stub, 0.01, 0.0002)
    assert cli.run(argparse.Namespace(stack=STACK, json=False), clients) == 1
    out = capsys.readouterr().out
    assert "WARN  production access: sandbox" in out
    assert "      fix: request production access" in out
    assert out.rstrip().endswith("22 pass, 1 warn, 0 fail")


def test_a_refused_call_is_one_fail_and_the_other_checks_still_run(stubs, capsys):
    clients, stub = stubs
    stub["sesv2"].add_client_error(
        "get_account", "AccessDeniedException", "not allowed ses:GetAccount", 403
    )
    add_stack(stub)
    add_identity(stub, HEALTHY_IDENTITY)
    add_configuration_set(stub)
    add_subscriptions(stub, [confirmed(TOPIC)], [confirmed(ALARMS)])
    add_queue_depths(stub, 0, 0)
    stub["ses"].add_response(
        "describe_active_receipt_rule_set", {"Metadata": {"Name": RULE_SET}}, {}
    )
    add_reputation(stub, 0.01, 0.0002)
    checks = cli.gather(STACK, clients, NOW)
    [account] = [c for c in checks if c.name == "account"]
    assert account.status is Status.FAIL and "AccessDeniedException" in account.detail
    assert sum(c.status is Status.PASS for c in checks) == 18


def test_an_unknown_stack_fails_its_checks_but_the_account_is_still_read(stubs):
    clients, stub = stubs
    stub["sesv2"].add_response("get_account", HEALTHY_ACCOUNT, {})
    stub["cloudformation"].add_client_error(
        "describe_stacks", "ValidationError", "Stack with id nope does not exist", 400
    )
    stub["sesv2"].add_response("list_email_identities", {"EmailIdentities": []}, {})
    stub["cloudwatch"].add_response("get_metric_data", {"MetricDataResults": []}, None)
    checks = statuses(cli.gather("nope", clients, NOW))
    assert checks["stack nope"] is Status.FAIL
    assert checks["configuration set"] is Status.FAIL
    assert checks["production access"] is Status.PASS


def test_the_command_is_registered():
    parsed = cli_main.build_parser().parse_args(["doctor", "--stack", "s", "--json"])
    assert parsed.func is cli.run and parsed.stack == "s" and parsed.json


def test_help_lists_exactly_the_permissions_a_full_run_uses(stubs):
    clients, stub = stubs
    used: set[str] = set()
    prefix = {"sesv2": "ses", "ses": "ses"}

    def record(model, **_):
        service = model.service_model.service_name
        used.add(f"{prefix.get(service, service)}:{model.name}")

    for client in vars(clients).values():
        client.meta.events.register("before-parameter-build", record)
    add_healthy(stub)
    cli.gather(STACK, clients, NOW)
    documented = set(re.findall(r"\b[a-z0-9]+:[A-Z][A-Za-z]+\b", cli.__doc__ or ""))
    assert documented == used
