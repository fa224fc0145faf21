"""template.yaml and the code agree on the Firehose contract and the metric names."""

from __future__ import annotations

import re

from adapters.emf import CONFIGURATION_SET_DIMENSION, PIPELINE_DIMENSION
from domain import metrics_plan
from domain.analytics import PARTITION_DATE, PARTITION_EVENT_TYPE


def resources(template):
    return template["Resources"]


def s3_config(template):
    stream = resources(template)["ArchiveDeliveryStream"]["Properties"]
    return stream["ExtendedS3DestinationConfiguration"]


def test_prefix_uses_exactly_the_partition_keys_the_function_returns(template):
    prefix = s3_config(template)["Prefix"]
    keys = set(re.findall(r"!\{partitionKeyFromLambda:([^}]+)\}", prefix))
    assert keys == {PARTITION_EVENT_TYPE, PARTITION_DATE}
    assert s3_config(template)["DynamicPartitioningConfiguration"]["Enabled"] is True
    assert s3_config(template)["ErrorOutputPrefix"].startswith("!{firehose:error-output-type}/")


def test_processor_is_the_transform_function_and_fits_the_payload_limit(template):
    [processor] = s3_config(template)["ProcessingConfiguration"]["Processors"]
    params = {p["ParameterName"]: p["ParameterValue"] for p in processor["Parameters"]}
    assert params["LambdaArn"] == {"Fn::GetAtt": "FirehoseTransformFunction.Arn"}
    buffer_param = template["Parameters"][params["BufferSizeInMBs"]["Ref"]]
    assert buffer_param["MaxValue"] <= 3 and buffer_param["Default"] <= 3
    function = resources(template)["FirehoseTransformFunction"]["Properties"]
    assert function["Handler"] == "handlers.firehose_transform.lambda_handler"
    assert function["Timeout"] <= 150  # Firehose gives up after 5 minutes


def test_archive_bucket_is_private_encrypted_and_expires(template):
    bucket = resources(template)["ArchiveBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    prefixes = {r.get("Prefix") for r in bucket["LifecycleConfiguration"]["Rules"]}
    assert {"events/", "processing-failed/"} <= prefixes


def test_rate_alarms_read_metrics_the_code_emits(template):
    emitted = {
        metrics_plan.SES_COUNTED_BOUNCES,
        metrics_plan.SES_COUNTED_COMPLAINTS,
        metrics_plan.SEND_RECIPIENTS,
    }
    for name in (
        "BounceRateAlarm",
        "BounceRatePauseAlarm",
        "ComplaintRateAlarm",
        "ComplaintRatePauseAlarm",
    ):
        alarm = resources(template)[name]["Properties"]
        stats = [m["MetricStat"]["Metric"] for m in alarm["Metrics"] if "MetricStat" in m]
        for metric in stats:
            assert metric["MetricName"] in emitted
            dims = {d["Name"] for d in metric["Dimensions"]}
            assert dims == {"service", CONFIGURATION_SET_DIMENSION, PIPELINE_DIMENSION}
        assert alarm["Threshold"]["Ref"] in template["Parameters"]


def test_every_function_has_an_errors_alarm(template):
    functions = {
        n for n, r in resources(template).items() if r["Type"] == "AWS::Serverless::Function"
    }
    alarmed = {
        r["Properties"]["Dimensions"][0]["Value"]["Ref"]
        for r in resources(template).values()
        if r["Type"] == "AWS::CloudWatch::Alarm" and r["Properties"].get("MetricName") == "Errors"
    }
    assert functions <= alarmed


def test_identity_notifications_and_only_they_are_copied_into_the_archive(template):
    resources = template["Resources"]
    sub = resources["IdentityNotificationArchiveSubscription"]["Properties"]
    assert sub["Protocol"] == "firehose"
    assert sub["Endpoint"] == {"Fn::GetAtt": "ArchiveDeliveryStream.Arn"}
    assert sub["RawMessageDelivery"] is True
    # configuration-set events reach the stream directly: copying them too would archive
    # (and count) every one of them twice
    assert sub["FilterPolicyScope"] == "MessageBody"
    assert sub["FilterPolicy"] == {"notificationType": [{"exists": True}]}
    role = resources["IdentityNotificationArchiveRole"]["Properties"]
    (statement,) = role["Policies"][0]["PolicyDocument"]["Statement"]
    assert statement["Resource"] == {"Fn::GetAtt": "ArchiveDeliveryStream.Arn"}
    assert all(a.startswith("firehose:") for a in statement["Action"])


def test_everything_the_archive_stream_receives_the_feedback_queue_receives_too(template):
    """The transform leaves suppressions to FeedbackFunction: that is only safe while every
    event reaching the stream also reaches the feedback queue."""
    res = resources(template)
    destinations = {
        name: r["Properties"]["EventDestination"]
        for name, r in res.items()
        if r["Type"] == "AWS::SES::ConfigurationSetEventDestination"
    }
    to_stream = [d for d in destinations.values() if "KinesisFirehoseDestination" in d]
    to_topic = [
        d
        for d in destinations.values()
        if d.get("SnsDestination", {}).get("TopicARN") == {"Ref": "FeedbackTopic"}
    ]
    assert to_stream and to_topic
    topic_types = {t for d in to_topic if d["Enabled"] for t in d["MatchingEventTypes"]}
    for d in to_stream:
        assert set(d["MatchingEventTypes"]) <= topic_types
    # the queue is subscribed to that topic, and the topic is the only other way in
    queue_subscriptions = [
        r["Properties"]
        for r in res.values()
        if r["Type"] == "AWS::SNS::Subscription" and r["Properties"]["Protocol"] == "sqs"
    ]
    assert {
        "TopicArn": {"Ref": "FeedbackTopic"},
        "Endpoint": {"Fn::GetAtt": "FeedbackQueue.Arn"},
    }.items() <= queue_subscriptions[0].items()
    stream_subscriptions = [
        r["Properties"]
        for r in res.values()
        if r["Type"] == "AWS::SNS::Subscription" and r["Properties"]["Protocol"] == "firehose"
    ]
    assert all(s["TopicArn"] == {"Ref": "FeedbackTopic"} for s in stream_subscriptions)
    # and the transform has no permission that could write the table
    transform = res["FirehoseTransformFunction"]["Properties"]
    assert "Policies" not in transform
