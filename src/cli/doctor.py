"""``ses-feedback doctor``: is this account and stack ready to send and to hear back?

Reads (never changes) the SES account, every email identity of the region, the stack's
configuration set and its event destinations, the identity notification topics and their
subscriptions, the dead-letter queues, the active receipt rule set and SES's reputation
metrics, and prints one line per check: PASS, WARN or FAIL with what it found and, unless it
passed, a one-line fix. The stack's resources come from its outputs (--stack, default
ses-feedback-dev). A check whose API call is refused is a FAIL naming the error; the other
checks still run.

Exit status: the worst result: 0 all PASS, 1 a WARN, 2 a FAIL. --json prints
{"status": ..., "checks": [{"check", "status", "detail", "fix"}, ...]}.

Permissions it uses (all read-only): ses:GetAccount, ses:ListEmailIdentities,
ses:GetEmailIdentity, ses:GetIdentityNotificationAttributes, ses:GetConfigurationSet,
ses:GetConfigurationSetEventDestinations, ses:DescribeActiveReceiptRuleSet,
sns:ListSubscriptionsByTopic, sqs:GetQueueAttributes, cloudwatch:GetMetricData,
cloudformation:DescribeStacks.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from domain import doctor
from domain.doctor import Check, Status

# Stack outputs the checks read; a missing one skips its checks with a FAIL.
CONFIGURATION_SET = "ConfigurationSetName"
FEEDBACK_TOPIC = "FeedbackTopicArn"
ALARM_TOPIC = "AlarmTopicArn"
FEEDBACK_DLQ = "FeedbackDeadLetterQueueUrl"
INBOUND_DLQ = "InboundDeadLetterQueueUrl"
CHANGE_EVENTS_DLQ = "ChangeEventsDeadLetterQueueUrl"
RECEIPT_RULE_SET = "InboundReceiptRuleSetName"
ARCHIVE_STREAM = "ArchiveDeliveryStreamName"

_NOTIFICATION_BATCH = 100  # GetIdentityNotificationAttributes takes at most 100 identities


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "doctor",
        help="check the SES account, identities and this stack (PASS/WARN/FAIL with fixes)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--stack", default="ses-feedback-dev", help="the deployed stack's name")
    p.add_argument("--json", action="store_true", help="one JSON document instead of lines")
    p.set_defaults(func=run)


@dataclass
class Clients:
    sesv2: Any
    ses: Any
    sns: Any
    sqs: Any
    cloudwatch: Any
    cloudformation: Any

    @classmethod
    def default(cls) -> Clients:
        from adapters import factory

        return cls(
            *(
                factory.aws_client(name)
                for name in ("sesv2", "ses", "sns", "sqs", "cloudwatch", "cloudformation")
            )
        )


def _guarded(label: str, produce: Callable[[], Iterable[Check]]) -> list[Check]:
    """A refused or failed call becomes one FAIL line; the other checks still run."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return list(produce())
    except ClientError as exc:
        error = exc.response.get("Error", {})
        detail = f"cannot read: {error.get('Code', 'error')}: {error.get('Message', '')}"
        fix = "allow the call named in the error to these credentials, or fix the resource"
        return [Check(label, Status.FAIL, detail.strip(), fix)]
    except BotoCoreError as exc:
        return [Check(label, Status.FAIL, f"cannot read: {exc}", "check region and network")]


def missing_output(label: str, key: str) -> Check:
    return Check(label, Status.FAIL, f"the stack has no output {key}", "deploy the current stack")


# --- the groups of checks, each from one or two services ----------------------------------


def account_checks(clients: Clients) -> list[Check]:
    account = clients.sesv2.get_account()
    return [
        *doctor.account_access(account),
        doctor.send_quota(account),
        doctor.suppression_settings(account),
    ]


def list_identities(sesv2: Any) -> list[str]:
    names: list[str] = []
    token: str | None = None
    while True:
        page = sesv2.list_email_identities(**({"NextToken": token} if token else {}))
        names += [i["IdentityName"] for i in page.get("EmailIdentities", [])]
        token = page.get("NextToken")
        if not token:
            return names


def identity_checks(
    clients: Clients, outputs: dict[str, str], topics: set[str] | None = None
) -> list[Check]:
    """Verification, DKIM and MAIL FROM per identity, then where its feedback goes; the
    notification topics found are added to `topics` (their subscriptions are checked too)."""
    names = list_identities(clients.sesv2)
    if not names:
        return [
            Check(
                "identities",
                Status.FAIL,
                "no email identity in this region",
                "create and verify the sending domain (template Parameter SendingDomain or "
                "aws sesv2 create-email-identity)",
            )
        ]
    checks: list[Check] = []
    default_sets: dict[str, str | None] = {}
    for name in names:
        found = clients.sesv2.get_email_identity(EmailIdentity=name)
        default_sets[name] = found.get("ConfigurationSetName")
        checks += doctor.identity_checks(name, found)
    topic = outputs.get(FEEDBACK_TOPIC)
    stack_set = outputs.get(CONFIGURATION_SET)
    if not topic or not stack_set:
        return [*checks, missing_output("identity notifications", FEEDBACK_TOPIC)]
    for start in range(0, len(names), _NOTIFICATION_BATCH):
        batch = names[start : start + _NOTIFICATION_BATCH]
        answer = clients.ses.get_identity_notification_attributes(Identities=batch)
        attributes = answer.get("NotificationAttributes", {})
        if topics is not None:
            topics.update(
                str(a[f"{kind}Topic"])
                for a in attributes.values()
                for kind in ("Bounce", "Complaint", "Delivery")
                if a.get(f"{kind}Topic")
            )
        for name in batch:
            checks += doctor.notification_topics(
                name,
                attributes.get(name, {}),
                stack_topic=topic,
                stack_configuration_set=stack_set,
                default_configuration_set=default_sets[name],
            )
    return checks


def configuration_set_checks(clients: Clients, outputs: dict[str, str]) -> list[Check]:
    name = outputs.get(CONFIGURATION_SET)
    if not name:
        return [missing_output("configuration set", CONFIGURATION_SET)]
    try:
        found = clients.sesv2.get_configuration_set(ConfigurationSetName=name)
    except clients.sesv2.exceptions.NotFoundException:
        return doctor.configuration_set(name, None)
    checks = doctor.configuration_set(name, found)
    destinations = clients.sesv2.get_configuration_set_event_destinations(
        ConfigurationSetName=name
    ).get("EventDestinations", [])
    stream = outputs.get(ARCHIVE_STREAM, "")
    return checks + doctor.event_destinations(
        name,
        destinations,
        topic_arn=outputs.get(FEEDBACK_TOPIC, ""),
        delivery_stream_arn_suffix=f":deliverystream/{stream}",
    )


def subscription_checks(
    clients: Clients, outputs: dict[str, str], identity_topics: Iterable[str] = ()
) -> list[Check]:
    """The stack's feedback and alarm topics, and every other topic an identity notifies."""
    topics = {
        FEEDBACK_TOPIC: ("feedback topic", "redeploy the stack: it subscribes FeedbackQueue"),
        ALARM_TOPIC: (
            "alarm topic",
            "deploy with AlarmEmail=you@example.com, or subscribe a pager/chat to AlarmTopicArn",
        ),
    }
    checks: list[Check] = []
    for key, (label, fix) in topics.items():
        arn = outputs.get(key)
        if not arn:
            checks.append(missing_output(f"subscriptions {label}", key))
            continue
        paginator = clients.sns.get_paginator("list_subscriptions_by_topic")
        subscriptions = [
            s for page in paginator.paginate(TopicArn=arn) for s in page.get("Subscriptions", [])
        ]
        checks.append(doctor.topic_subscriptions(label, arn, subscriptions, fix=fix))
    for arn in sorted(set(identity_topics) - {outputs.get(FEEDBACK_TOPIC)}):
        paginator = clients.sns.get_paginator("list_subscriptions_by_topic")
        subscriptions = [
            s for page in paginator.paginate(TopicArn=arn) for s in page.get("Subscriptions", [])
        ]
        fix = f"subscribe a consumer to {arn}, or point the identity at this stack's topic"
        label = f"identity topic {arn.rpartition(':')[2]}"
        checks.append(doctor.topic_subscriptions(label, arn, subscriptions, fix=fix))
    return checks


def queue_checks(clients: Clients, outputs: dict[str, str]) -> list[Check]:
    queues = {
        FEEDBACK_DLQ: (
            "feedback",
            "read the failures in FeedbackFunction's log, fix, then ses-feedback redrive feedback",
        ),
        INBOUND_DLQ: (
            "inbound",
            "read InboundFunction's log (the mail stays in the inbound bucket), fix, then "
            "ses-feedback redrive inbound",
        ),
        CHANGE_EVENTS_DLQ: (
            "change-events",
            "read ChangeEventsFunction's log, fix, then ses-feedback redrive change-events "
            "within 24 hours of the failure (the stream keeps records that long)",
        ),
    }
    checks = []
    for key, (label, fix) in queues.items():
        url = outputs.get(key)
        if not url:
            checks.append(missing_output(f"dead-letter queue {label}", key))
            continue
        attributes = clients.sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        checks.append(doctor.dlq_depth(label, int(attributes["ApproximateNumberOfMessages"]), fix))
    return checks


def receipt_checks(clients: Clients, outputs: dict[str, str]) -> list[Check]:
    expected = outputs.get(RECEIPT_RULE_SET)
    if not expected:
        return [missing_output("active receipt rule set", RECEIPT_RULE_SET)]
    active = clients.ses.describe_active_receipt_rule_set().get("Metadata", {}).get("Name")
    return [doctor.receipt_rule_set(active, expected)]


def reputation_checks(clients: Clients, now: datetime) -> list[Check]:
    """SES's account-level Reputation.* metrics (a fraction 0-1), latest hour of the day."""
    metrics = {
        "bounce": ("Reputation.BounceRate", doctor.BOUNCE_REVIEW, doctor.BOUNCE_PAUSE),
        "complaint": ("Reputation.ComplaintRate", doctor.COMPLAINT_REVIEW, doctor.COMPLAINT_PAUSE),
    }
    answer = clients.cloudwatch.get_metric_data(
        MetricDataQueries=[
            {
                "Id": key,
                "MetricStat": {
                    "Metric": {"Namespace": "AWS/SES", "MetricName": metric},
                    "Period": 3600,
                    "Stat": "Maximum",
                },
            }
            for key, (metric, _, _) in metrics.items()
        ],
        StartTime=now - timedelta(hours=24),
        EndTime=now,
        ScanBy="TimestampDescending",
    )
    latest = {r["Id"]: (r.get("Values") or [None])[0] for r in answer["MetricDataResults"]}
    return [
        doctor.reputation(metric, latest.get(key), review, pause)
        for key, (metric, review, pause) in metrics.items()
    ]


def gather(stack: str, clients: Clients, now: datetime | None = None) -> list[Check]:
    from adapters.stack_outputs import StackLookupError, stack_outputs

    now = now or datetime.now(UTC)
    checks = _guarded("account", lambda: account_checks(clients))
    try:
        outputs = stack_outputs(stack, clients.cloudformation)
    except StackLookupError as exc:
        checks.append(Check(f"stack {stack}", Status.FAIL, str(exc), "pass the right --stack"))
        outputs = {}
    identity_topics: set[str] = set()
    checks += _guarded("identities", lambda: identity_checks(clients, outputs, identity_topics))
    checks += _guarded("configuration set", lambda: configuration_set_checks(clients, outputs))
    checks += _guarded(
        "subscriptions", lambda: subscription_checks(clients, outputs, identity_topics)
    )
    checks += _guarded("dead-letter queues", lambda: queue_checks(clients, outputs))
    checks += _guarded("active receipt rule set", lambda: receipt_checks(clients, outputs))
    checks += _guarded("reputation", lambda: reputation_checks(clients, now))
    return checks


def render(checks: list[Check]) -> str:
    lines = []
    for check in checks:
        lines.append(f"{check.status.name:<4}  {check.name}: {check.detail}")
        if check.fix:
            lines.append(f"      fix: {check.fix}")
    counts = {s: sum(c.status is s for c in checks) for s in Status}
    lines.append(
        f"{counts[Status.PASS]} pass, {counts[Status.WARN]} warn, {counts[Status.FAIL]} fail"
    )
    return "\n".join(lines)


def run(args: argparse.Namespace, clients: Clients | None = None) -> int:
    checks = gather(args.stack, clients or Clients.default())
    status = doctor.worst(checks)
    if args.json:
        document = {"status": status.name, "checks": [c.as_dict() for c in checks]}
        print(json.dumps(document, indent=1))
    else:
        print(render(checks))
    return int(status)
