"""What template.yaml promises about encryption, least privilege, logging and retention."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]

# DynamoDB actions each function's code makes, per table, and the call that makes each
# one. SuppressionService (domain/service.py through adapters/suppression_repository.py)
# reads with Model.get (GetItem) and Model.batch_get (BatchGetItem) and writes with a
# conditional Model.save (PutItem); it never queries an index or scans.
SERVICE = {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem"}
DYNAMODB_CALLS: dict[str, dict[str, set[str]]] = {
    "FeedbackFunction": {"SuppressionTable": SERVICE},
    # (FirehoseTransformFunction only transforms: no table at all.)
    "WebhookFunction": {"SuppressionTable": SERVICE},
    # the one-click endpoint applies one outcome through the service
    "UnsubscribeFunction": {"SuppressionTable": SERVICE},
    # + SuppressionClient.items: a filtered Scan of the table.
    "SesSyncFunction": {"SuppressionTable": SERVICE | {"dynamodb:Scan"}},
    # InboundService: the service, plus DynamoInboundRepository's Query on the base table
    # (status, discard_failed), conditional save (PutItem) and delete (DeleteItem); and
    # DynamoRateLimiter's conditional ADD (UpdateItem) and re-read (GetItem) of its counters.
    "InboundFunction": {
        "SuppressionTable": SERVICE,
        "InboundTable": {
            "dynamodb:Query",
            "dynamodb:PutItem",
            "dynamodb:DeleteItem",
            "dynamodb:UpdateItem",
            "dynamodb:GetItem",
        },
    },
    # The stream grants (DescribeStream, GetRecords, ...) are on SuppressionTable.StreamArn,
    # labelled SuppressionTable here; the Lambda service reads the stream for the function.
    # The handler itself reads and writes only the published-event marks.
    "ChangeEventsFunction": {
        "SuppressionTable": {
            "dynamodb:DescribeStream",
            "dynamodb:GetRecords",
            "dynamodb:GetShardIterator",
            "dynamodb:ListStreams",
        },
        "PublishedEventsTable": {"dynamodb:BatchGetItem", "dynamodb:BatchWriteItem"},
    },
    # A filtered Scan of the sparse by-reason index, then SuppressionService's re-read and
    # conditional write of each lapsed item.
    "ExpirySweepFunction": {
        "SuppressionTable/index/by-reason": {"dynamodb:Scan"},
        "SuppressionTable": {"dynamodb:GetItem", "dynamodb:PutItem"},
    },
    # SuppressionClient: check/check_many use batch_get_item; listing queries two indexes.
    "SuppressionApiFunction": {
        "SuppressionTable": {"dynamodb:BatchGetItem"},
        "SuppressionTable/index/by-domain": {"dynamodb:Query"},
        "SuppressionTable/index/by-reason": {"dynamodb:Query"},
    },
}

STATEFUL_TYPES = {
    "AWS::DynamoDB::Table": "Retain",
    "AWS::S3::Bucket": "Retain",
    "AWS::KMS::Key": "Retain",
    "AWS::SQS::Queue": "Delete",
    "AWS::Logs::LogGroup": "Delete",
}


def resources(template: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = template["Resources"]
    return found


def functions(template: dict[str, Any]) -> dict[str, Any]:
    return {
        name: res
        for name, res in resources(template).items()
        if res["Type"] == "AWS::Serverless::Function"
    }


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def resource_label(resource: Any) -> str:
    """`SuppressionTable` for GetAtt X.Arn, `SuppressionTable/index/by-domain` for a Sub."""
    if isinstance(resource, dict) and "Fn::GetAtt" in resource:
        target = resource["Fn::GetAtt"]
        return (target.split(".")[0]) if isinstance(target, str) else target[0]
    if isinstance(resource, dict) and "Fn::Sub" in resource:
        return re.sub(r"\$\{(\w+)\.Arn\}", r"\1", resource["Fn::Sub"])
    return str(resource)


def granted(function: dict[str, Any], prefix: str) -> dict[str, set[str]]:
    """Resource label -> actions with `prefix` the function's inline statements allow."""
    grants: dict[str, set[str]] = {}
    for policy in function["Properties"].get("Policies", []):
        for statement in policy.get("Statement", []):
            actions = {a for a in as_list(statement["Action"]) if a.startswith(prefix)}
            for resource in as_list(statement["Resource"]) if actions else []:
                grants.setdefault(resource_label(resource), set()).update(actions)
    return grants


def sub_text(value: Any) -> str:
    return value["Fn::Sub"] if isinstance(value, dict) else value


# --- SNS topic encryption and policy -----------------------------------------------------


def test_feedback_topic_is_encrypted_with_a_rotating_key_of_the_stack(template):
    topic = resources(template)["FeedbackTopic"]["Properties"]
    assert topic["KmsMasterKeyId"] == {"Fn::GetAtt": "FeedbackTopicKey.Arn"}
    key = resources(template)["FeedbackTopicKey"]
    assert key["Type"] == "AWS::KMS::Key"
    assert key["Properties"]["EnableKeyRotation"] is True
    alias = resources(template)["FeedbackTopicKeyAlias"]["Properties"]
    assert alias["TargetKeyId"] == {"Ref": "FeedbackTopicKey"}


def key_statements(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    policy = resources(template)["FeedbackTopicKey"]["Properties"]["KeyPolicy"]
    return {s["Sid"]: s for s in policy["Statement"]}


def test_key_policy_lets_the_account_administer_and_only_ses_use_it(template):
    statements = key_statements(template)
    admin = statements["AccountAdministersTheKeyThroughIam"]
    assert sub_text(admin["Principal"]["AWS"]).endswith(":iam::${AWS::AccountId}:root")
    services = {
        s["Principal"]["Service"] for s in statements.values() if "Service" in s["Principal"]
    }
    assert services == {"ses.amazonaws.com"}  # the topic's only publisher
    ses = statements["SesPublishesToTheEncryptedTopic"]
    assert set(ses["Action"]) == {"kms:GenerateDataKey*", "kms:Decrypt"}


def test_ses_may_use_the_key_only_for_this_topic_and_its_own_sources(template):
    ses = key_statements(template)["SesPublishesToTheEncryptedTopic"]
    context = sub_text(ses["Condition"]["StringEquals"]["kms:EncryptionContext:aws:sns:topicArn"])
    topic_name = sub_text(resources(template)["FeedbackTopic"]["Properties"]["TopicName"])
    assert (
        context == f"arn:${{AWS::Partition}}:sns:${{AWS::Region}}:${{AWS::AccountId}}:{topic_name}"
    )
    key_sources = {sub_text(a) for a in ses["Condition"]["ArnLike"]["aws:SourceArn"]}
    assert key_sources == topic_policy_sources(template)


def topic_policy_sources(template: dict[str, Any]) -> set[str]:
    [statement] = resources(template)["FeedbackTopicPolicy"]["Properties"]["PolicyDocument"][
        "Statement"
    ]
    assert statement["Principal"] == {"Service": "ses.amazonaws.com"}
    return {sub_text(a) for a in statement["Condition"]["ArnLike"]["aws:SourceArn"]}


def test_topic_policy_names_the_configuration_set_and_the_accounts_identities(template):
    [statement] = resources(template)["FeedbackTopicPolicy"]["Properties"]["PolicyDocument"][
        "Statement"
    ]
    assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}
    base = "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:"
    # configuration-set events carry the set as source; identity notifications the identity
    assert topic_policy_sources(template) == {
        base + "configuration-set/${ConfigurationSet}",
        base + "identity/*",
    }


def test_every_publisher_to_an_encrypted_topic_may_use_its_key(template):
    """Alarm actions and bucket notifications need their service in the topic key's policy."""
    encrypted = {
        name: res["Properties"]["KmsMasterKeyId"]["Fn::GetAtt"].split(".")[0]
        for name, res in resources(template).items()
        if res["Type"] == "AWS::SNS::Topic" and "KmsMasterKeyId" in res["Properties"]
    }
    publishers: dict[str, set[str]] = {}
    for res in resources(template).values():
        props = res.get("Properties", {})
        text = repr(props)
        for topic in encrypted:
            if {"Ref": topic} == props.get("EventDestination", {}).get("SnsDestination", {}).get(
                "TopicARN"
            ):
                publishers.setdefault(topic, set()).add("ses.amazonaws.com")
            elif res["Type"] == "AWS::CloudWatch::Alarm" and f"'{topic}'" in text:
                publishers.setdefault(topic, set()).add("cloudwatch.amazonaws.com")
            elif res["Type"] == "AWS::S3::Bucket" and f"'{topic}'" in text:
                publishers.setdefault(topic, set()).add("s3.amazonaws.com")
    assert publishers == {
        "FeedbackTopic": {"ses.amazonaws.com"},
        "AlarmTopic": {"cloudwatch.amazonaws.com"},
    }
    for topic, services in publishers.items():
        policy = resources(template)[encrypted[topic]]["Properties"]["KeyPolicy"]
        allowed = {
            s["Principal"]["Service"] for s in policy["Statement"] if "Service" in s["Principal"]
        }
        assert services <= allowed, topic


def test_stack_topics_sign_with_sha256(template):
    topics = [r for r in resources(template).values() if r["Type"] == "AWS::SNS::Topic"]
    assert topics
    assert all(t["Properties"]["SignatureVersion"] == "2" for t in topics)


# --- X-Ray only when switched on -----------------------------------------------------------


def test_tracing_is_off_unless_the_parameter_switches_it_on(template):
    param = template["Parameters"]["TracingMode"]
    assert param["Default"] == "Disabled"
    assert set(param["AllowedValues"]) == {"Disabled", "Active"}
    # a plain Ref: SAM resolves it and adds the X-Ray policy only for Active
    assert template["Globals"]["Function"]["Tracing"] == {"Ref": "TracingMode"}
    for name, function in functions(template).items():
        assert "Tracing" not in function["Properties"], name
        assert "xray" not in repr(function["Properties"].get("Policies", [])).lower(), name


# --- least privilege ------------------------------------------------------------------------


@pytest.mark.parametrize("function_name", sorted(DYNAMODB_CALLS))
def test_each_function_gets_exactly_the_dynamodb_actions_its_code_calls(template, function_name):
    function = functions(template)[function_name]
    assert granted(function, "dynamodb:") == DYNAMODB_CALLS[function_name]


def test_the_table_lists_every_function_that_touches_dynamodb(template):
    touching = {name for name, fn in functions(template).items() if granted(fn, "dynamodb:")}
    assert touching == set(DYNAMODB_CALLS)


def test_feedback_queue_is_consumed_with_scoped_permissions(template):
    function = functions(template)["FeedbackFunction"]
    # SAM's SQS event would attach AWSLambdaSQSQueueExecutionRole (every queue)
    assert "Events" not in function["Properties"]
    mapping = resources(template)["FeedbackFunctionQueue"]
    assert mapping["Type"] == "AWS::Lambda::EventSourceMapping"
    assert mapping["Properties"]["EventSourceArn"] == {"Fn::GetAtt": "FeedbackQueue.Arn"}
    assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert granted(function, "sqs:") == {
        "FeedbackQueue": {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}
    }


def test_no_function_statement_allows_a_wildcard_action(template):
    for name, function in functions(template).items():
        for policy in function["Properties"].get("Policies", []):
            for statement in policy.get("Statement", []):
                assert not any("*" in a for a in as_list(statement["Action"])), name


def test_unscoped_ses_list_actions_are_limited_to_the_stack_region(template):
    function = functions(template)["SesSyncFunction"]
    [statement] = [
        s
        for p in function["Properties"]["Policies"]
        for s in p["Statement"]
        if s["Resource"] == "*"
    ]
    assert statement["Condition"]["StringEquals"]["aws:RequestedRegion"] == {"Ref": "AWS::Region"}


# --- access logging --------------------------------------------------------------------------


DATA_BUCKETS = {
    "InboundBucket": "inbound/",
    "ArchiveBucket": "archive/",
    "SesImportBucket": "ses-import/",
}


@pytest.mark.parametrize(("bucket", "prefix"), sorted(DATA_BUCKETS.items()))
def test_data_buckets_log_access_when_the_parameter_is_on(template, bucket, prefix):
    logging = resources(template)[bucket]["Properties"]["LoggingConfiguration"]["Fn::If"]
    assert logging[0] == "AccessLogsOn"
    assert logging[1] == {
        "DestinationBucketName": {"Ref": "AccessLogBucket"},
        "LogFilePrefix": prefix,
    }
    assert logging[2] == {"Ref": "AWS::NoValue"}
    assert template["Conditions"]["AccessLogsOn"] == {
        "Fn::Equals": [{"Ref": "AccessLogsEnabled"}, "true"]
    }


def test_access_log_bucket_is_private_expiring_and_acl_free(template):
    bucket = resources(template)["AccessLogBucket"]
    assert bucket["Condition"] == "AccessLogsOn"
    props = bucket["Properties"]
    assert all(props["PublicAccessBlockConfiguration"].values())
    assert props["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    [rule] = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"  # log delivery
    expiries = [r.get("ExpirationInDays") for r in props["LifecycleConfiguration"]["Rules"]]
    assert {"Ref": "AccessLogRetentionDays"} in expiries


def test_only_the_logging_service_writes_logs_and_only_for_our_buckets(template):
    policy = resources(template)["AccessLogBucketPolicy"]
    assert policy["Condition"] == "AccessLogsOn"
    statements = {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    delivery = statements["S3ServerAccessLogDelivery"]
    assert delivery["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert delivery["Action"] == "s3:PutObject"
    assert delivery["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}
    sources = {sub_text(a) for a in delivery["Condition"]["ArnLike"]["aws:SourceArn"]}
    names = {sub_text(resources(template)[b]["Properties"]["BucketName"]) for b in DATA_BUCKETS}
    assert sources == {f"arn:${{AWS::Partition}}:s3:::{name}" for name in names}
    prefixes = {sub_text(r) for r in delivery["Resource"]}
    assert prefixes == {f"${{AccessLogBucket.Arn}}/{p}*" for p in DATA_BUCKETS.values()}
    assert statements["DenyInsecureTransport"]["Effect"] == "Deny"


# --- import files for SESv2 import jobs -----------------------------------------

IMPORT_PREFIX = "suppression-list/"


def test_import_prefix_is_the_one_the_adapter_writes_under(template):
    from adapters.import_files import DEFAULT_PREFIX

    assert DEFAULT_PREFIX == IMPORT_PREFIX


def test_import_bucket_is_private_sse_s3_and_expires_its_files_within_days(template):
    props = resources(template)["SesImportBucket"]["Properties"]
    assert all(props["PublicAccessBlockConfiguration"].values())
    assert props["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    [rule] = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}  # SES reads it
    rules = {r["Id"]: r for r in props["LifecycleConfiguration"]["Rules"]}
    assert rules["import-files"]["Prefix"] == IMPORT_PREFIX
    assert rules["import-files"]["ExpirationInDays"] == {"Ref": "SesImportRetentionDays"}
    retention = template["Parameters"]["SesImportRetentionDays"]
    assert (retention["Default"], retention["MinValue"], retention["MaxValue"]) == (1, 1, 7)


def test_only_ses_for_this_account_may_read_import_files_and_only_over_tls(template):
    statements = resources(template)["SesImportBucketPolicy"]["Properties"]["PolicyDocument"][
        "Statement"
    ]
    allows = [s for s in statements if s["Effect"] == "Allow"]
    assert allows
    for statement in allows:
        assert statement["Principal"] == {"Service": "ses.amazonaws.com"}
        assert statement["Action"] == "s3:GetObject"
        assert sub_text(statement["Resource"]) == f"${{SesImportBucket.Arn}}/{IMPORT_PREFIX}*"
        [(key, value)] = statement["Condition"]["StringEquals"].items()
        assert key in ("aws:SourceAccount", "aws:Referer") and value == {"Ref": "AWS::AccountId"}
    [deny] = [s for s in statements if s["Effect"] == "Deny"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_sync_function_gets_exactly_the_ses_and_s3_actions_its_code_calls(template):
    function = functions(template)["SesSyncFunction"]
    # SesSuppressionList: list/put per address, CreateImportJob + GetImportJob for jobs;
    # S3ImportFiles: put_object, and delete_object once a job has finished.
    assert granted(function, "ses:") == {
        "*": {
            "ses:ListSuppressedDestinations",
            "ses:PutSuppressedDestination",
            "ses:CreateImportJob",
        },
        "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:import-job/*": {
            "ses:GetImportJob"
        },
    }
    assert granted(function, "s3:") == {
        f"SesImportBucket/{IMPORT_PREFIX}*": {"s3:PutObject", "s3:DeleteObject"}
    }
    variables = function["Properties"]["Environment"]["Variables"]
    assert variables["SES_IMPORT_BUCKET"] == {"Ref": "SesImportBucket"}
    assert variables["SES_SYNC_BULK_THRESHOLD"] == {"Ref": "SesSyncBulkThreshold"}


# --- retention -------------------------------------------------------------------------------


def test_every_stateful_resource_says_what_happens_on_delete_and_replace(template):
    checked = 0
    for name, res in resources(template).items():
        expected = STATEFUL_TYPES.get(res["Type"])
        if expected is None:
            continue
        checked += 1
        assert res.get("DeletionPolicy") == expected, name
        assert res.get("UpdateReplacePolicy") == expected, name
    assert checked >= 15


def test_webhook_concurrency_is_capped_by_default_and_zero_still_means_no_cap(template):
    param = template["Parameters"]["WebhookReservedConcurrency"]
    assert 0 < param["Default"] <= 10
    assert template["Conditions"]["CapWebhookConcurrency"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "WebhookReservedConcurrency"}, 0]}]
    }


# --- checkov exceptions are documented -----------------------------------------------------


def test_every_checkov_skip_has_a_reason_in_the_security_notes(template):
    notes = (ROOT / "docs" / "security.md").read_text()
    skipped: set[str] = set()
    for name, res in resources(template).items():
        for skip in res.get("Metadata", {}).get("checkov", {}).get("skip", []):
            assert skip.get("comment"), name
            skipped.add(skip["id"])
    config = yaml.safe_load((ROOT / "tools" / "checkov.yaml").read_text())
    skipped.update(config["skip-check"])
    assert skipped
    for check in sorted(skipped):
        assert re.search(rf"^\| `{check}` \|", notes, re.MULTILINE), check
