"""What template.yaml promises about alarms: each one reaches someone, and the reputation
alarms measure the rates the way SES does, at SES's review and pause levels."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.emf import CONFIGURATION_SET_DIMENSION, PIPELINE_DIMENSION
from domain import metrics_plan


def resources(template: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = template["Resources"]
    return found


def alarms(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: res["Properties"]
        for name, res in resources(template).items()
        if res["Type"] == "AWS::CloudWatch::Alarm"
    }


def sub_text(value: Any) -> str:
    return value["Fn::Sub"] if isinstance(value, dict) else value


def test_every_alarm_notifies_the_alarm_topic_when_it_fires_and_when_it_clears(template):
    found = alarms(template)
    assert len(found) >= 17
    for name, alarm in found.items():
        assert {"Ref": "AlarmTopic"} in alarm.get("AlarmActions", []), name
        assert {"Ref": "AlarmTopic"} in alarm.get("OKActions", []), name


def test_every_alarm_name_is_one_the_topic_policy_lets_publish(template):
    """CloudWatch publishes as the alarm: a name outside the policy's pattern is dropped."""
    [statement] = resources(template)["AlarmTopicPolicy"]["Properties"]["PolicyDocument"][
        "Statement"
    ]
    pattern = sub_text(statement["Condition"]["ArnLike"]["aws:SourceArn"])
    prefix = "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:"
    assert pattern.startswith(prefix) and pattern.endswith("*")
    name_prefix = pattern.removeprefix(prefix).removesuffix("*")
    for name, alarm in alarms(template).items():
        assert sub_text(alarm["AlarmName"]).startswith(name_prefix), name


def test_only_cloudwatch_of_this_account_may_publish_to_the_alarm_topic(template):
    policy = resources(template)["AlarmTopicPolicy"]["Properties"]
    assert policy["Topics"] == [{"Ref": "AlarmTopic"}]
    [statement] = policy["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    # no Subscribe, Receive or GetTopicAttributes for anyone: readers need IAM in the account
    assert statement["Action"] == "sns:Publish"
    assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}


def test_alarm_topic_is_encrypted_with_a_key_cloudwatch_may_use_for_this_topic_only(template):
    topic = resources(template)["AlarmTopic"]["Properties"]
    assert topic["KmsMasterKeyId"] == {"Fn::GetAtt": "AlarmTopicKey.Arn"}
    key = resources(template)["AlarmTopicKey"]["Properties"]
    assert key["EnableKeyRotation"] is True
    statements = {s["Sid"]: s for s in key["KeyPolicy"]["Statement"]}
    services = {
        s["Principal"]["Service"] for s in statements.values() if "Service" in s["Principal"]
    }
    assert services == {"cloudwatch.amazonaws.com"}
    cloudwatch = statements["CloudWatchPublishesToTheEncryptedTopic"]
    assert set(cloudwatch["Action"]) == {"kms:GenerateDataKey*", "kms:Decrypt"}
    context = sub_text(
        cloudwatch["Condition"]["StringEquals"]["kms:EncryptionContext:aws:sns:topicArn"]
    )
    assert context == (
        "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:" + sub_text(topic["TopicName"])
    )


def test_the_email_subscription_exists_only_when_an_address_is_given(template):
    param = template["Parameters"]["AlarmEmail"]
    assert param["Default"] == ""
    subscription = resources(template)["AlarmEmailSubscription"]
    assert subscription["Condition"] == "HasAlarmEmail"
    assert template["Conditions"]["HasAlarmEmail"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]
    }
    assert subscription["Properties"]["Endpoint"] == {"Ref": "AlarmEmail"}
    assert subscription["Properties"]["Protocol"] == "email"


# --- the rates as SES computes them -------------------------------------------------------

OWN_RATE_ALARMS = {
    # alarm: (numerator metric, threshold parameter, SES's level in percent)
    "BounceRateAlarm": (metrics_plan.SES_COUNTED_BOUNCES, "BounceRateAlarmPercent", 5),
    "BounceRatePauseAlarm": (metrics_plan.SES_COUNTED_BOUNCES, "BounceRatePausePercent", 10),
    "ComplaintRateAlarm": (
        metrics_plan.SES_COUNTED_COMPLAINTS,
        "ComplaintRateAlarmPercent",
        0.1,
    ),
    "ComplaintRatePauseAlarm": (
        metrics_plan.SES_COUNTED_COMPLAINTS,
        "ComplaintRatePausePercent",
        0.5,
    ),
}

SES_REPUTATION_ALARMS = {
    "SesReputationBounceRateAlarm": ("Reputation.BounceRate", "BounceRateAlarmPercent"),
    "SesReputationBounceRatePauseAlarm": ("Reputation.BounceRate", "BounceRatePausePercent"),
    "SesReputationComplaintRateAlarm": ("Reputation.ComplaintRate", "ComplaintRateAlarmPercent"),
    "SesReputationComplaintRatePauseAlarm": (
        "Reputation.ComplaintRate",
        "ComplaintRatePausePercent",
    ),
}


def metric_stats(alarm: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["Id"]: m["MetricStat"] for m in alarm["Metrics"] if "MetricStat" in m}


def returned_expression(alarm: dict[str, Any]) -> str:
    [query] = [m for m in alarm["Metrics"] if m.get("ReturnData")]
    return sub_text(query["Expression"])


@pytest.mark.parametrize("name", sorted(OWN_RATE_ALARMS))
def test_own_rate_alarms_divide_what_ses_counts_by_recipients_sent_to(template, name):
    numerator, parameter, ses_level = OWN_RATE_ALARMS[name]
    alarm = alarms(template)[name]
    stats = metric_stats(alarm)
    assert stats["counted"]["Metric"]["MetricName"] == numerator
    # SES's rates are per recipient, so the denominator is recipients, not messages
    assert stats["sends"]["Metric"]["MetricName"] == metrics_plan.SEND_RECIPIENTS
    for stat in stats.values():
        assert stat["Stat"] == "Sum"
        dims = {d["Name"] for d in stat["Metric"]["Dimensions"]}
        assert dims == {"service", CONFIGURATION_SET_DIMENSION, PIPELINE_DIMENSION}
    expression = returned_expression(alarm)
    assert "100 * FILL(counted, 0) / sends" in expression
    assert "${ReputationAlarmMinimumSends}" in expression
    assert alarm["Threshold"] == {"Ref": parameter}
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert float(template["Parameters"][parameter]["Default"]) == ses_level


@pytest.mark.parametrize("name", sorted(SES_REPUTATION_ALARMS))
def test_ses_reputation_alarms_read_ses_metrics_as_percentages(template, name):
    metric, parameter = SES_REPUTATION_ALARMS[name]
    alarm = alarms(template)[name]
    [stat] = metric_stats(alarm).values()
    assert stat["Metric"]["Namespace"] == "AWS/SES"
    assert stat["Metric"]["MetricName"] == metric
    # account level: no dimensions (configuration-set level would name ses:configuration-set)
    assert "Dimensions" not in stat["Metric"]
    # SES publishes a fraction (0.05 = 5 %); the thresholds are percentages
    assert returned_expression(alarm) == "100 * ses"
    assert alarm["Threshold"] == {"Ref": parameter}
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_the_old_verdict_based_numerators_no_longer_drive_a_rate_alarm(template):
    """HardBounces counts our invalid-address verdicts; SES counts every Permanent bounce."""
    for name in OWN_RATE_ALARMS:
        used = {s["Metric"]["MetricName"] for s in metric_stats(alarms(template)[name]).values()}
        assert metrics_plan.HARD_BOUNCES not in used
        assert metrics_plan.COMPLAINTS not in used


def test_pause_levels_are_above_review_levels(template):
    params = template["Parameters"]
    assert float(params["BounceRatePausePercent"]["Default"]) > float(
        params["BounceRateAlarmPercent"]["Default"]
    )
    assert float(params["ComplaintRatePausePercent"]["Default"]) > float(
        params["ComplaintRateAlarmPercent"]["Default"]
    )
