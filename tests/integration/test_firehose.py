"""FirehoseTransformFunction and replay against DynamoDB on the embedded moto server.

moto ignores Firehose Lambda processors, so the handler is invoked directly with a
transformation event, and its output is written out as Firehose would (gzip objects of
analytics lines) for the replay. The same events reach the table through the queue path
(FeedbackFunction), as they do in the stack: the transform itself never writes it.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import io
import json

import boto3
import pytest

from adapters.archive import LocalArchive, S3Archive
from cli import replay as replay_cli
from cli.table_options import parse_when
from handlers import feedback, firehose_transform
from tests.builders import sqs_event
from tests.conftest import EVENTS

pytestmark = pytest.mark.integration

SAMPLE = EVENTS / "FirehoseTransformFunction" / "ses-events.json"


def cli_args(dry_run: bool = False) -> argparse.Namespace:
    # No --table: the CLI takes SUPPRESSION_TABLE, which the suppression_table fixture sets.
    return argparse.Namespace(table=None, stack="unused", dry_run=dry_run)


def scan(table: str) -> dict[str, dict]:
    items = boto3.resource("dynamodb").Table(table).scan(ConsistentRead=True)["Items"]
    return {i["address"]: i for i in items}


def transform_to_archive(lambda_context, tmp_path) -> tuple[dict, object]:
    event = json.loads(SAMPLE.read_text())
    response = firehose_transform.lambda_handler(event, lambda_context)
    lines = b"".join(
        base64.b64decode(r["data"]) for r in response["records"] if r["result"] == "Ok"
    )
    folder = tmp_path / "events" / "type=mixed" / "dt=2017-08-05"
    folder.mkdir(parents=True)
    (folder / "ses-feedback-dev-events-1.gz").write_bytes(gzip.compress(lines))
    return response, tmp_path


def through_the_queue_path(lambda_context) -> None:
    """The sample's SES records as the feedback queue delivers them (raw message bodies)."""
    event = json.loads(SAMPLE.read_text())
    bodies = [base64.b64decode(r["data"]).decode() for r in event["records"]]
    response = feedback.lambda_handler(sqs_event(*bodies), lambda_context)
    assert response["batchItemFailures"] == []


def test_the_transform_archives_and_the_queue_path_applies(
    suppression_table, lambda_context, tmp_path
):
    response, _ = transform_to_archive(lambda_context, tmp_path)
    assert {r["result"] for r in response["records"]} == {"Ok"}
    assert scan(suppression_table) == {}  # the transform never writes the table

    through_the_queue_path(lambda_context)
    stored = scan(suppression_table)
    assert stored["recipient@example.com"]["state"] == "suppressed"
    # The sample bounce and complaint name the same recipient: the complaint wins.
    assert stored["recipient@example.com"]["reason"] == "feedback"


def test_replaying_the_archive_twice_leaves_the_table_unchanged(
    suppression_table, lambda_context, tmp_path
):
    # The queue path fills the table; the archive is then replayed on top of it, twice.
    _, archive_dir = transform_to_archive(lambda_context, tmp_path)
    through_the_queue_path(lambda_context)
    live = scan(suppression_table)
    assert live, "the sample batch should create suppression records"
    service = replay_cli._build_service(cli_args())

    first = replay_cli.replay(LocalArchive(archive_dir), service, progress_stream=io.StringIO())
    assert first.error is None
    assert first.documents["analytics"] == 10
    after_first = scan(suppression_table)
    # Same decisions as the live path. (The first replay may still add evidence the live
    # batch skipped: a delivery that preceded the address's first bounce in that batch, see
    # docs/decisions.md "Deliveries to unknown addresses are not stored".)
    decision = ("state", "reason", "category", "suppressed", "expires_at")
    assert {a: [i.get(k) for k in decision] for a, i in after_first.items()} == {
        a: [i.get(k) for k in decision] for a, i in live.items()
    }

    second = replay_cli.replay(LocalArchive(archive_dir), service, progress_stream=io.StringIO())
    assert second.error is None
    assert second.applied.written == 0
    assert scan(suppression_table) == after_first


def test_replay_into_an_empty_table_then_again(suppression_table, tmp_path, ses_sample):
    # An archive replayed into a fresh table rebuilds it; the second replay writes nothing.
    bounce = ses_sample("event-bounce.json")
    complaint = ses_sample("event-complaint.json")
    (tmp_path / "bounce.json").write_text(json.dumps(bounce))
    (tmp_path / "complaint.json").write_text(json.dumps(complaint))
    service = replay_cli._build_service(cli_args())

    first = replay_cli.replay(LocalArchive(tmp_path), service, progress_stream=io.StringIO())
    after_first = scan(suppression_table)
    assert first.applied.written == 1  # bounce and complaint of one address: one write
    assert {a for a, i in after_first.items() if i["state"] == "suppressed"} >= {
        "recipient@example.com"
    }

    second = replay_cli.replay(LocalArchive(tmp_path), service, progress_stream=io.StringIO())
    assert second.applied.written == 0
    assert scan(suppression_table) == after_first


def test_replay_from_s3_processing_failed(suppression_table, ses_sample, lambda_context):
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="archive-test")
    bounce = ses_sample("event-bounce.json")
    bounce["bounce"]["timestamp"] = "2026-11-27T10:00:00.000Z"  # after --since
    raw = json.dumps(bounce).encode() + b"\n"
    error_record = {
        "attemptsMade": 1,
        "arrivalTimestamp": 1764583200000,
        "errorCode": "Lambda.FunctionError",
        "errorMessage": "suppression store failed",
        "attemptEndingTimestamp": 1764583201000,
        "rawData": base64.b64encode(raw).decode(),
        "lambdaArn": "arn:aws:lambda:us-east-1:123456789012:function:f",
    }
    s3.put_object(
        Bucket="archive-test",
        Key="processing-failed/2026/11/28/obj-1",
        Body=json.dumps(error_record).encode() + b"\n",
    )
    s3.put_object(Bucket="archive-test", Key="processing-failed/2020/01/01/old", Body=b"{broken")
    service = replay_cli._build_service(cli_args())
    summary = replay_cli.replay(
        S3Archive("s3://archive-test/processing-failed/"),
        service,
        since=parse_when("2026-11-01"),
        progress_stream=io.StringIO(),
    )
    assert summary.objects == 1  # the 2020 object is older than --since: not downloaded
    assert summary.documents["processing-failed"] == 1
    assert scan(suppression_table)["recipient@example.com"]["state"] == "suppressed"


def test_dry_run_writes_nothing(suppression_table, tmp_path, ses_sample):
    (tmp_path / "bounce.json").write_text(json.dumps(ses_sample("event-bounce.json")))
    service = replay_cli._build_service(cli_args(dry_run=True))
    summary = replay_cli.replay(LocalArchive(tmp_path), service, progress_stream=io.StringIO())
    assert summary.applied.written == 1
    assert scan(suppression_table) == {}
