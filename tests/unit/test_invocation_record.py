"""Lambda's on-failure invocation records (domain/invocation_record.py)."""

from __future__ import annotations

import json

import pytest

from domain.invocation_record import (
    NotAnInvocationRecordError,
    function_name_of,
    parse_invocation_record,
    parse_stream_batch_record,
)

ARN = "arn:aws:lambda:us-east-1:123456789012:function:ses-feedback-dev-inbound:$LATEST"


def record(**overrides):
    document = {
        "version": "1.0",
        "timestamp": "2026-11-29T10:00:00.000Z",
        "requestContext": {
            "requestId": "e4b46cbf-b738-xmpl-8880-a18cdf61200e",
            "functionArn": ARN,
            "condition": "RetriesExhausted",
            "approximateInvokeCount": 3,
        },
        "requestPayload": {"Records": [{"eventSource": "aws:ses"}]},
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST"},
        "responsePayload": {"errorMessage": "boom"},
    }
    document.update(overrides)
    return json.dumps(document)


def test_reads_the_function_and_the_original_event():
    parsed = parse_invocation_record(record())
    assert parsed.function_name == "ses-feedback-dev-inbound"
    assert parsed.condition == "RetriesExhausted"
    assert parsed.request_id.startswith("e4b46cbf")
    assert json.loads(parsed.payload_bytes()) == {"Records": [{"eventSource": "aws:ses"}]}


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        (json.dumps({"Type": "Notification", "Message": "{}"}), "requestContext"),
        (json.dumps({"requestContext": {}, "requestPayload": {}}), "functionArn"),
        (json.dumps({"requestContext": {"functionArn": ARN}}), "requestPayload"),
    ],
)
def test_anything_else_is_refused_with_a_reason(body, why):
    with pytest.raises(NotAnInvocationRecordError, match=why):
        parse_invocation_record(body)


@pytest.mark.parametrize(
    ("given", "name"),
    [
        (ARN, "ses-feedback-dev-inbound"),
        ("arn:aws:lambda:us-east-1:123456789012:function:fn", "fn"),
        ("arn:aws-cn:lambda:cn-north-1:123456789012:function:fn:live", "fn"),
        ("ses-feedback-dev-inbound", "ses-feedback-dev-inbound"),
    ],
)
def test_function_name_of(given, name):
    assert function_name_of(given) == name


STREAM_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2026-11-30T00:00:00.000"


def stream_batch(**info_overrides):
    info = {
        "shardId": "shardId-00000001700000000000-abcdef01",
        "startSequenceNumber": "800000000003126276362",
        "endSequenceNumber": "800000000003126276399",
        "approximateArrivalOfFirstRecord": "2026-11-30T00:38:04Z",
        "approximateArrivalOfLastRecord": "2026-11-30T00:38:05Z",
        "batchSize": 7,
        "streamArn": STREAM_ARN,
    }
    info.update(info_overrides)
    return json.dumps(
        {
            "requestContext": {
                "requestId": "r",
                "functionArn": ARN.replace("inbound", "change-events"),
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": 11,
            },
            "responseContext": {"statusCode": 200},
            "version": "1.0",
            "timestamp": "2026-11-30T00:38:06.021Z",
            "DDBStreamBatchInfo": {k: v for k, v in info.items() if v is not None},
        }
    )


def test_a_stream_batch_record_says_where_the_records_are():
    batch = parse_stream_batch_record(stream_batch())
    assert batch.function_name == "ses-feedback-dev-change-events"
    assert (batch.stream_arn, batch.shard_id) == (
        STREAM_ARN,
        "shardId-00000001700000000000-abcdef01",
    )
    assert (batch.first_sequence, batch.last_sequence, batch.batch_size) == (
        "800000000003126276362",
        "800000000003126276399",
        7,
    )
    assert batch.condition == "RetryAttemptsExhausted"
    # a batch size that is missing or not a count reads as unknown (0), not as an error
    assert parse_stream_batch_record(stream_batch(batchSize="7")).batch_size == 0


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ("not json", "not JSON"),
        (record(), "DDBStreamBatchInfo"),  # an asynchronous-invocation record
        (stream_batch(shardId=None), "lacks shardId"),
        (stream_batch(streamArn=""), "lacks streamArn"),
        (stream_batch(endSequenceNumber="800"), "no usable sequence range"),  # end < start
        (stream_batch(startSequenceNumber="abc"), "no usable sequence range"),
    ],
)
def test_a_stream_batch_record_is_refused_with_a_reason(body, why):
    with pytest.raises(NotAnInvocationRecordError, match=why):
        parse_stream_batch_record(body)
