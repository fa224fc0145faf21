"""`ses-feedback redrive`: the feedback DLQ by SQS message move task, the inbound function's
on-failure records re-invoked.

moto implements SQS but not the message move task API, so that part runs against botocore's
Stubber (which still checks every request against the SQS service model). The inbound part
reads and deletes real messages on the embedded moto server; Lambda's Invoke is Stubbed.
"""

from __future__ import annotations

import io
import itertools
import json
from contextlib import redirect_stderr, redirect_stdout
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from adapters.redrive import redrive_feedback, reinvoke_failed_events
from cli.main import build_parser
from cli.redrive import run
from tests.conftest import EVENTS

REGION = "us-east-1"
DLQ_ARN = "arn:aws:sqs:us-east-1:123456789012:ses-feedback-dev-events-dlq"
DLQ_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/ses-feedback-dev-events-dlq"
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:ses-feedback-dev-events"
FUNCTION = "ses-feedback-dev-inbound"
FUNCTION_ARN = f"arn:aws:lambda:us-east-1:123456789012:function:{FUNCTION}"


def _offline_client(service: str) -> Any:
    """A client that never reaches a network: every call must be stubbed."""
    return boto3.client(
        service,
        region_name=REGION,
        endpoint_url=f"https://{service}.{REGION}.amazonaws.com",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


# --- feedback DLQ: message move task (Stubber) --------------------------------------------------


def _stub_lookup(stub: Stubber, waiting: int) -> None:
    stub.add_response(
        "get_queue_url",
        {"QueueUrl": DLQ_URL},
        {"QueueName": "ses-feedback-dev-events-dlq", "QueueOwnerAWSAccountId": "123456789012"},
    )
    stub.add_response(
        "get_queue_attributes",
        {
            "Attributes": {
                "ApproximateNumberOfMessages": str(waiting),
                "ApproximateNumberOfMessagesNotVisible": "0",
            }
        },
        {
            "QueueUrl": DLQ_URL,
            "AttributeNames": [
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
            ],
        },
    )


def _task(status: str, moved: int, to_move: int, **extra: Any) -> dict[str, Any]:
    return {
        "Results": [
            {
                "Status": status,
                "SourceArn": DLQ_ARN,
                "DestinationArn": QUEUE_ARN,
                "ApproximateNumberOfMessagesMoved": moved,
                "ApproximateNumberOfMessagesToMove": to_move,
                "StartedTimestamp": 1795000000000,
                **extra,
            }
        ]
    }


LIST = {"SourceArn": DLQ_ARN, "MaxResults": 1}


def test_move_task_started_to_the_named_queue_and_followed_to_completion():
    sqs = _offline_client("sqs")
    lines: list[str] = []
    with Stubber(sqs) as stub:
        _stub_lookup(stub, waiting=42)
        stub.add_response("list_message_move_tasks", {"Results": []}, LIST)
        stub.add_response(
            "start_message_move_task",
            {"TaskHandle": "handle-1"},
            {"SourceArn": DLQ_ARN, "DestinationArn": QUEUE_ARN, "MaxNumberOfMessagesPerSecond": 50},
        )
        stub.add_response(
            "list_message_move_tasks", _task("RUNNING", 10, 42, TaskHandle="handle-1"), LIST
        )
        stub.add_response("list_message_move_tasks", _task("COMPLETED", 42, 42), LIST)
        summary = redrive_feedback(
            sqs, DLQ_ARN, QUEUE_ARN, rate=50, progress=lines.append, sleep=lambda _s: None
        )
        stub.assert_no_pending_responses()
    assert summary.ok
    assert (summary.status, summary.moved, summary.to_move) == ("COMPLETED", 42, 42)
    assert summary.task_handle == "handle-1"
    assert any("moved 10 of about 42" in line for line in lines), lines


def test_a_running_task_is_followed_not_duplicated():
    sqs = _offline_client("sqs")
    with Stubber(sqs) as stub:
        _stub_lookup(stub, waiting=5)
        elsewhere = "arn:aws:sqs:us-east-1:123456789012:inspection"
        stub.add_response(
            "list_message_move_tasks",
            _task("RUNNING", 1, 5, TaskHandle="earlier", DestinationArn=elsewhere),
            LIST,
        )
        stub.add_response(
            "list_message_move_tasks", _task("COMPLETED", 5, 5, DestinationArn=elsewhere), LIST
        )
        # no start_message_move_task stubbed: calling it would raise
        summary = redrive_feedback(sqs, DLQ_ARN, QUEUE_ARN, sleep=lambda _s: None)
        stub.assert_no_pending_responses()
    assert summary.followed_existing_task
    assert summary.destination_arn == elsewhere  # where that task really moves them
    assert summary.status == "COMPLETED"
    assert summary.moved == 5


def test_a_failed_task_is_a_failure_with_its_reason():
    sqs = _offline_client("sqs")
    with Stubber(sqs) as stub:
        _stub_lookup(stub, waiting=3)
        stub.add_response("list_message_move_tasks", {"Results": []}, LIST)
        stub.add_response(
            "start_message_move_task",
            {"TaskHandle": "h"},
            {"SourceArn": DLQ_ARN, "DestinationArn": QUEUE_ARN},
        )
        stub.add_response(
            "list_message_move_tasks",
            _task("FAILED", 1, 3, FailureReason="AWS.SimpleQueueService.AccessDenied"),
            LIST,
        )
        summary = redrive_feedback(sqs, DLQ_ARN, QUEUE_ARN, sleep=lambda _s: None)
    assert not summary.ok
    assert summary.failure_reason == "AWS.SimpleQueueService.AccessDenied"


def test_dry_run_and_an_empty_dlq_start_nothing():
    sqs = _offline_client("sqs")
    with Stubber(sqs) as stub:
        _stub_lookup(stub, waiting=7)
        stub.add_response("list_message_move_tasks", {"Results": []}, LIST)
        _stub_lookup(stub, waiting=0)
        stub.add_response("list_message_move_tasks", _task("COMPLETED", 7, 7), LIST)
        dry = redrive_feedback(sqs, DLQ_ARN, QUEUE_ARN, dry_run=True)
        empty = redrive_feedback(sqs, DLQ_ARN, QUEUE_ARN)
        stub.assert_no_pending_responses()
    assert (dry.waiting, dry.status, dry.task_handle) == (7, "NOT_STARTED", None)
    assert (empty.waiting, empty.status) == (0, "NOT_STARTED")
    assert dry.ok and empty.ok


# --- inbound DLQ: invocation records re-invoked (moto SQS + Stubbed Lambda) -------------------

_queue_numbers = itertools.count()


@pytest.fixture
def inbound_dlq(aws_endpoint: str) -> Any:
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName=f"inbound-dlq-{next(_queue_numbers)}")["QueueUrl"]
    yield sqs, url
    sqs.delete_queue(QueueUrl=url)


def invocation_record(payload: Any, function_arn: str = FUNCTION_ARN) -> str:
    """An on-failure record as Lambda writes it (version 1.0)."""
    return json.dumps(
        {
            "version": "1.0",
            "timestamp": "2026-11-29T10:00:00.000Z",
            "requestContext": {
                "requestId": "79104EXAMPLEB723",
                "functionArn": f"{function_arn}:$LATEST",
                "condition": "RetriesExhausted",
                "approximateInvokeCount": 3,
            },
            "requestPayload": payload,
            "responseContext": {
                "statusCode": 200,
                "executedVersion": "$LATEST",
                "functionError": "Unhandled",
            },
            "responsePayload": {"errorMessage": "DynamoDB unreachable", "errorType": "Error"},
        }
    )


def _remaining(sqs: Any, url: str) -> list[str]:
    bodies = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30)
        if not got.get("Messages"):
            return bodies
        bodies += [m["Body"] for m in got["Messages"]]


def _payload(event: Any) -> bytes:
    return json.dumps(event, separators=(",", ":")).encode()


def test_records_are_reinvoked_then_deleted_and_the_rest_kept_visible(inbound_dlq):
    sqs, url = inbound_dlq
    ses_event = json.loads((EVENTS / "InboundFunction" / "ses-lambda-action.json").read_text())
    s3_event = json.loads(
        (EVENTS / "InboundFunction" / "s3-object-created-encoded-key.json").read_text()
    )
    other = invocation_record({"Records": []}, "arn:aws:lambda:us-east-1:123456789012:function:x")
    for body in (invocation_record(ses_event), "not a record", other, invocation_record(s3_event)):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    lam = _offline_client("lambda")
    with Stubber(lam) as stub:
        for _ in range(2):  # SQS does not promise an order; the payload is checked below
            stub.add_response(
                "invoke",
                {"StatusCode": 202},
                {"FunctionName": FUNCTION, "InvocationType": "Event", "Payload": ANY},
            )
        summary = reinvoke_failed_events(sqs, lam, url, FUNCTION, wait_seconds=0)
        stub.assert_no_pending_responses()
    assert (summary.received, summary.reinvoked) == (4, 2)
    assert (summary.kept_not_a_record, summary.kept_other_function, summary.failed) == (1, 1, 0)
    assert summary.ok
    # the two records are gone; what was kept is visible again at once (not after 300 s)
    assert sorted(_remaining(sqs, url)) == sorted(["not a record", other])


def test_the_invoke_sends_the_original_event_asynchronously(inbound_dlq):
    sqs, url = inbound_dlq
    event = json.loads((EVENTS / "InboundFunction" / "sns-s3-action-received.json").read_text())
    sqs.send_message(QueueUrl=url, MessageBody=invocation_record(event))
    lam = _offline_client("lambda")
    with Stubber(lam) as stub:
        stub.add_response(
            "invoke",
            {"StatusCode": 202},
            {"FunctionName": FUNCTION, "InvocationType": "Event", "Payload": _payload(event)},
        )
        summary = reinvoke_failed_events(sqs, lam, url, FUNCTION, wait_seconds=0)
        stub.assert_no_pending_responses()
    assert summary.reinvoked == 1
    assert _remaining(sqs, url) == []


def test_a_failed_invoke_deletes_nothing_and_stops_the_pass(inbound_dlq):
    sqs, url = inbound_dlq
    bodies = [invocation_record({"n": n}) for n in range(3)]
    for body in bodies:
        sqs.send_message(QueueUrl=url, MessageBody=body)
    lam = _offline_client("lambda")
    with Stubber(lam) as stub:
        stub.add_client_error("invoke", "TooManyRequestsException", "Rate exceeded", 429)
        summary = reinvoke_failed_events(sqs, lam, url, FUNCTION, wait_seconds=0)
    assert (summary.reinvoked, summary.failed) == (0, 1)
    assert not summary.ok
    assert "TooManyRequestsException" in summary.errors[0]
    assert sorted(_remaining(sqs, url)) == sorted(bodies)  # all three, visible again


def test_dry_run_counts_and_receives_nothing(inbound_dlq):
    sqs, url = inbound_dlq
    for n in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=invocation_record({"n": n}))
    lam = _offline_client("lambda")
    with Stubber(lam):  # any invoke would raise
        summary = reinvoke_failed_events(sqs, lam, url, FUNCTION, dry_run=True)
    assert (summary.waiting, summary.received) == (3, 0)
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "3"
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_command_line_summary_json_and_exit_status(inbound_dlq):
    sqs, url = inbound_dlq
    sqs.send_message(QueueUrl=url, MessageBody=invocation_record({"Records": []}))
    lam = _offline_client("lambda")
    args = build_parser().parse_args(
        ["redrive", "inbound", "--inbound-dlq-url", url, "--function", FUNCTION, "--json"]
    )
    out, err = io.StringIO(), io.StringIO()
    with Stubber(lam) as stub, redirect_stdout(out), redirect_stderr(err):
        stub.add_response("invoke", {"StatusCode": 202})
        code = run(args, clients=lambda name: {"sqs": sqs, "lambda": lam}[name])
    assert code == 0
    report = json.loads(out.getvalue())
    assert report["inbound"]["reinvoked"] == 1
    assert report["dry_run"] is False
    assert "re-invoked 1" in err.getvalue()  # progress on stderr, not stdout


# --- the command: stack outputs, both queues ------------------------------------------------

OUTPUTS_READ = (
    "FeedbackDeadLetterQueueUrl",
    "FeedbackQueueUrl",
    "InboundDeadLetterQueueUrl",
    "InboundFunctionName",
    "ChangeEventsDeadLetterQueueUrl",
    "ChangeEventsFunctionName",
    "SuppressionTableStreamArn",
)


def test_the_outputs_redrive_reads_are_in_the_template(template):
    assert set(OUTPUTS_READ) <= set(template["Outputs"])


def test_all_dry_run_finds_everything_from_the_stack_outputs():
    queue_url = DLQ_URL.replace("-dlq", "")
    inbound_url = DLQ_URL.replace("events-dlq", "inbound-dlq")
    changes_url = DLQ_URL.replace("events-dlq", "change-events-dlq")
    outputs = {
        "FeedbackDeadLetterQueueUrl": DLQ_URL,
        "FeedbackQueueUrl": queue_url,
        "InboundDeadLetterQueueUrl": inbound_url,
        "InboundFunctionName": FUNCTION,
        "ChangeEventsDeadLetterQueueUrl": changes_url,
        "ChangeEventsFunctionName": "ses-feedback-dev-change-events",
        "SuppressionTableStreamArn": "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/x",
    }
    stack = {
        "Stacks": [
            {
                "StackName": "ses-feedback-test",
                "CreationTime": "2026-11-01T00:00:00Z",
                "StackStatus": "UPDATE_COMPLETE",
                "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()],
            }
        ]
    }
    cfn, sqs, lam, streams = (
        _offline_client(s) for s in ("cloudformation", "sqs", "lambda", "dynamodbstreams")
    )
    args = build_parser().parse_args(
        ["redrive", "--stack", "ses-feedback-test", "--dry-run", "--json"]
    )
    out, err = io.StringIO(), io.StringIO()
    with Stubber(cfn) as cfn_stub, Stubber(sqs) as sqs_stub, Stubber(lam):
        for _ in OUTPUTS_READ:
            cfn_stub.add_response("describe_stacks", stack, {"StackName": "ses-feedback-test"})
        for url, arn in ((DLQ_URL, DLQ_ARN), (queue_url, QUEUE_ARN)):
            sqs_stub.add_response(
                "get_queue_attributes",
                {"Attributes": {"QueueArn": arn}},
                {"QueueUrl": url, "AttributeNames": ["QueueArn"]},
            )
        _stub_lookup(sqs_stub, waiting=4)
        sqs_stub.add_response("list_message_move_tasks", {"Results": []}, LIST)
        sqs_stub.add_response(
            "get_queue_attributes",
            {
                "Attributes": {
                    "ApproximateNumberOfMessages": "2",
                    "ApproximateNumberOfMessagesNotVisible": "1",
                }
            },
            {"QueueUrl": inbound_url, "AttributeNames": ANY},
        )
        sqs_stub.add_response(
            "get_queue_attributes",
            {
                "Attributes": {
                    "ApproximateNumberOfMessages": "5",
                    "ApproximateNumberOfMessagesNotVisible": "0",
                }
            },
            {"QueueUrl": changes_url, "AttributeNames": ANY},
        )
        clients = {"cloudformation": cfn, "sqs": sqs, "lambda": lam, "dynamodbstreams": streams}
        with redirect_stdout(out), redirect_stderr(err):
            code = run(args, clients=clients.get)
        sqs_stub.assert_no_pending_responses()
        cfn_stub.assert_no_pending_responses()
    assert code == 0
    report = json.loads(out.getvalue())
    assert report["dry_run"] is True
    assert (report["feedback"]["source_arn"], report["feedback"]["destination_arn"]) == (
        DLQ_ARN,
        QUEUE_ARN,
    )
    assert (report["feedback"]["waiting"], report["feedback"]["status"]) == (4, "NOT_STARTED")
    assert (report["inbound"]["waiting"], report["inbound"]["received"]) == (3, 0)
    assert report["inbound"]["function"] == FUNCTION
    assert (report["change_events"]["waiting"], report["change_events"]["received"]) == (5, 0)
    assert report["change_events"]["function"] == "ses-feedback-dev-change-events"


def test_rate_above_the_sqs_limit_is_refused():
    with pytest.raises(SystemExit), redirect_stderr(io.StringIO()):
        build_parser().parse_args(["redrive", "feedback", "--rate", "501"])


def test_change_events_dry_run_says_what_waits_in_plain_text():
    url = DLQ_URL.replace("events-dlq", "change-events-dlq")
    sqs = _offline_client("sqs")
    args = build_parser().parse_args(
        [
            "redrive",
            "change-events",
            "--change-events-dlq-url",
            url,
            "--change-events-function",
            "ses-feedback-dev-change-events",
            "--stream-arn",
            "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/x",
            "--dry-run",
        ]
    )
    out = io.StringIO()
    with Stubber(sqs) as stub, redirect_stdout(out), redirect_stderr(io.StringIO()):
        stub.add_response(
            "get_queue_attributes",
            {
                "Attributes": {
                    "ApproximateNumberOfMessages": "3",
                    "ApproximateNumberOfMessagesNotVisible": "0",
                }
            },
            {"QueueUrl": url, "AttributeNames": ANY},
        )
        code = run(args, clients=lambda name: {"sqs": sqs}[name] if name == "sqs" else None)
    assert code == 0
    assert out.getvalue() == (
        "change-events DLQ -> ses-feedback-dev-change-events: about 3 batch(es) waiting "
        "(dry run: nothing changed)\n"
    )
