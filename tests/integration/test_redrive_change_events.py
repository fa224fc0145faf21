"""`ses-feedback redrive change-events`: the stream batches ChangeEventsFunction gave up on are
read back from SuppressionTable's stream on the embedded emulator and handed to the real
handler again. Lambda's synchronous Invoke is an in-process stand-in that runs the handler the
way the stream mapping would (moto cannot run functions here: no Docker); EventBridge and SES
are the recording fakes of test_change_events_handler.
"""

from __future__ import annotations

import io
import itertools
import json
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from adapters import factory
from adapters.stream_batches import lambda_shaped
from adapters.stream_replay import replay_stream_failures
from handlers import change_events
from tests.integration.test_change_events_handler import hard_bounce

pytestmark = pytest.mark.integration

FUNCTION = "ses-feedback-test-change-events"
FUNCTION_ARN = f"arn:aws:lambda:us-east-1:123456789012:function:{FUNCTION}"
_queue_numbers = itertools.count()


class InProcessLambda:
    """Lambda's Invoke for ChangeEventsFunction: runs the handler on the payload and answers
    as the service does (status 200, the handler's JSON answer as the payload)."""

    def __init__(self, context: Any) -> None:
        self.context = context
        self.invocations: list[dict[str, Any]] = []

    def invoke(self, FunctionName: str, InvocationType: str, Payload: bytes) -> dict[str, Any]:
        assert (FunctionName, InvocationType) == (FUNCTION, "RequestResponse")
        event = json.loads(Payload)
        self.invocations.append(event)
        try:
            answer = change_events.lambda_handler(event, self.context)
        except Exception as exc:  # the service reports a raised error this way
            error = {"errorMessage": str(exc), "errorType": type(exc).__name__}
            return {
                "StatusCode": 200,
                "FunctionError": "Unhandled",
                "Payload": io.BytesIO(json.dumps(error).encode()),
            }
        return {"StatusCode": 200, "Payload": io.BytesIO(json.dumps(answer).encode())}


@pytest.fixture
def failures_queue(aws_endpoint: str) -> Any:
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName=f"change-events-dlq-{next(_queue_numbers)}")["QueueUrl"]
    yield sqs, url
    sqs.delete_queue(QueueUrl=url)


def stream_failure(records: list[dict[str, Any]], function_arn: str = FUNCTION_ARN) -> str:
    """What the stream mapping sends its on-failure queue for a batch it gave up on."""
    first, last = records[0], records[-1]
    return json.dumps(
        {
            "requestContext": {
                "requestId": "c0ffee",
                "functionArn": function_arn,
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": 11,
            },
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST"},
            "version": "1.0",
            "timestamp": "2026-11-30T08:00:00.000Z",
            "DDBStreamBatchInfo": {
                "shardId": first["_shard"],
                "startSequenceNumber": first["dynamodb"]["SequenceNumber"],
                "endSequenceNumber": last["dynamodb"]["SequenceNumber"],
                "approximateArrivalOfFirstRecord": "2026-11-30T07:59:58Z",
                "approximateArrivalOfLastRecord": "2026-11-30T07:59:59Z",
                "batchSize": len(records),
                "streamArn": first["_stream"],
            },
        }
    )


def written_batch(stream: Any) -> list[dict[str, Any]]:
    """The stream records of what was written since the last read, with where they are."""
    records = stream.batch()["Records"]
    return [{**r, "_shard": stream.shard_id, "_stream": stream.arn} for r in records]


def queued(sqs: Any, url: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return sum(int(v) for v in attributes.values())


def replay(sqs: Any, url: str, lam: Any, stream: Any) -> Any:
    return replay_stream_failures(
        sqs, stream.client, lam, url, FUNCTION, stream_arn=stream.arn, wait_seconds=0
    )


def test_a_failed_batch_is_read_back_published_once_and_its_message_deleted(
    change_env, failures_queue, lambda_context
):
    events, _ses, stream = change_env
    sqs, url = failures_queue
    service = factory.suppression_service()
    service.apply_outcomes([hard_bounce(f"user{i}@example.com", 1) for i in range(5)])
    batch = written_batch(stream)
    assert len(batch) == 5
    # the mapping gave up on it: nothing was published, the queue holds its description
    sqs.send_message(QueueUrl=url, MessageBody=stream_failure(batch))
    lam = InProcessLambda(lambda_context)

    summary = replay(sqs, url, lam, stream)

    assert summary.ok, summary.errors
    assert (summary.received, summary.replayed, summary.records) == (1, 1, 5)
    assert sorted(d["address"] for d in events.details()) == [
        f"user{i}@example.com" for i in range(5)
    ]
    assert queued(sqs, url) == 0
    # the records handed over are the stream's, as Lambda shapes them
    handed = lam.invocations[0]["Records"]
    assert [r["dynamodb"]["SequenceNumber"] for r in handed] == [
        r["dynamodb"]["SequenceNumber"] for r in batch
    ]
    assert all(isinstance(r["dynamodb"]["ApproximateCreationDateTime"], int) for r in handed)

    # the same description redriven again (a duplicate message): nothing is published twice
    sqs.send_message(QueueUrl=url, MessageBody=stream_failure(batch))
    requests = events.requests
    again = replay(sqs, url, lam, stream)
    assert (again.replayed, again.ok) == (1, True)
    assert events.requests == requests and len(events.accepted) == 5


def test_a_batch_the_function_still_fails_is_kept_and_stops_the_pass(
    change_env, failures_queue, lambda_context
):
    events, _ses, stream = change_env
    sqs, url = failures_queue
    service = factory.suppression_service()
    service.apply_outcomes([hard_bounce("a@example.com", 1)])
    first = written_batch(stream)
    service.apply_outcomes([hard_bounce("b@example.com", 1)])
    second = written_batch(stream)
    sqs.send_message(QueueUrl=url, MessageBody=stream_failure(first))
    sqs.send_message(QueueUrl=url, MessageBody=stream_failure(second))
    events.refuse_change = "added"  # EventBridge still refuses

    summary = replay(sqs, url, InProcessLambda(lambda_context), stream)

    assert not summary.ok
    assert (summary.failed, summary.replayed) == (1, 0)
    assert "the function failed (Unhandled)" in summary.errors[0]
    assert queued(sqs, url) == 2  # both kept: the failed one and the one never tried

    events.refuse_change = None  # the cause is fixed: the next pass clears both
    later = replay(sqs, url, InProcessLambda(lambda_context), stream)
    assert (later.replayed, later.ok) == (2, True)
    assert sorted(d["address"] for d in events.details()) == ["a@example.com", "b@example.com"]
    assert queued(sqs, url) == 0


def test_expired_foreign_and_unreadable_messages_are_kept_and_said(
    change_env, failures_queue, lambda_context
):
    _events, _ses, stream = change_env
    sqs, url = failures_queue
    service = factory.suppression_service()
    service.apply_outcomes([hard_bounce("c@example.com", 1)])
    batch = written_batch(stream)
    sqs.send_message(QueueUrl=url, MessageBody=stream_failure(batch))
    other = FUNCTION_ARN.replace("change-events", "inbound")
    sqs.send_message(QueueUrl=url, MessageBody=stream_failure(batch, function_arn=other))
    sqs.send_message(QueueUrl=url, MessageBody="not json")
    # a description someone queued that points at another table's stream: never replayed
    foreign = [{**batch[0], "_stream": stream.arn.replace(":table/", ":table/other-")}]
    sqs.send_message(QueueUrl=url, MessageBody=stream_failure(foreign))
    lam = InProcessLambda(lambda_context)
    # more than 24 hours later the stream has trimmed the batch (moto never trims: Stubbed)
    streams = boto3.client("dynamodbstreams")
    with Stubber(streams) as stub:
        stub.add_client_error(
            "get_shard_iterator",
            service_error_code="TrimmedDataAccessException",
            http_status_code=400,
        )
        summary = replay_stream_failures(
            sqs, streams, lam, url, FUNCTION, stream_arn=stream.arn, wait_seconds=0
        )
        stub.assert_no_pending_responses()

    assert (summary.expired, summary.kept_other_function, summary.kept_not_a_record) == (1, 1, 1)
    assert summary.kept_other_stream == 1
    assert not summary.ok and "no longer in the stream" in summary.errors[0]
    assert lam.invocations == []
    assert queued(sqs, url) == 4


def test_dry_run_counts_and_touches_nothing(failures_queue, lambda_context):
    sqs, url = failures_queue
    sqs.send_message(QueueUrl=url, MessageBody="{}")
    lam = InProcessLambda(lambda_context)
    summary = replay_stream_failures(
        sqs,
        boto3.client("dynamodbstreams"),
        lam,
        url,
        FUNCTION,
        stream_arn="arn:stream",
        dry_run=True,
    )
    assert (summary.waiting, summary.received) == (1, 0)
    assert lam.invocations == []


def test_lambda_shape_of_a_get_records_record():
    from datetime import UTC, datetime

    record = {
        "eventID": "1",
        "eventName": "MODIFY",
        "dynamodb": {
            "ApproximateCreationDateTime": datetime(2026, 11, 30, 8, 0, tzinfo=UTC),
            "NewImage": {"blob": {"B": b"\x00\xff"}, "list": {"L": [{"B": b"a"}]}},
            "SequenceNumber": "100",
        },
    }
    shaped = lambda_shaped(record, "arn:aws:dynamodb:us-east-1:1:table/t/stream/x")
    assert shaped["eventSourceARN"] == "arn:aws:dynamodb:us-east-1:1:table/t/stream/x"
    assert shaped["dynamodb"]["ApproximateCreationDateTime"] == 1796025600  # 2026-11-30T08:00:00Z
    assert shaped["dynamodb"]["NewImage"] == {"blob": {"B": "AP8="}, "list": {"L": [{"B": "YQ=="}]}}
    json.dumps(shaped)  # Invoke takes JSON
