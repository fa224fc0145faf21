"""FirehoseTransformFunction: the Firehose response contract, and that it never writes the
suppression table (an in-memory store that refuses every call stands behind the factory)."""

from __future__ import annotations

import base64
import json

import orjson
import pytest

from adapters import factory
from domain.analytics import COLUMNS
from domain.service import SuppressionService
from handlers import firehose_transform
from tests.conftest import EVENTS
from tests.fakes import InMemoryRepository


def firehose_event(*datas: bytes, ids: list[str] | None = None) -> dict:
    ids = ids or [f"rec-{i}" for i in range(len(datas))]
    return {
        "invocationId": "inv-1",
        "deliveryStreamArn": "arn:aws:firehose:us-east-1:123456789012:deliverystream/s",
        "region": "us-east-1",
        "records": [
            {
                "recordId": rid,
                "approximateArrivalTimestamp": 1764583200000,
                "data": base64.b64encode(d).decode(),
            }
            for rid, d in zip(ids, datas, strict=True)
        ],
    }


def ses(payload: dict) -> bytes:
    return json.dumps(payload).encode() + b"\n"


class UntouchableRepository(InMemoryRepository):
    """Fails the test on any read or write: the transform must not use the table."""

    def get(self, address):
        raise AssertionError("the transform read the suppression table")

    def get_many(self, addresses):
        raise AssertionError("the transform read the suppression table")

    def save(self, record, expected_version):
        raise AssertionError("the transform wrote the suppression table")


@pytest.fixture
def repo(policy):
    store = UntouchableRepository()
    factory.override(SuppressionService(store, policy))
    yield store
    factory.reset()


def test_one_answer_per_record_in_order(repo, ses_sample, lambda_context):
    ids = ["zz-last", "aa-first", "mm-middle", "0"]
    event = firehose_event(
        ses(ses_sample("event-send.json")),
        ses(ses_sample("event-bounce.json")),
        b'{"not": "ses"}\n',
        ses(ses_sample("event-delivery.json")),
        ids=ids,
    )
    response = firehose_transform.lambda_handler(event, lambda_context)
    assert [r["recordId"] for r in response["records"]] == ids
    assert [r["result"] for r in response["records"]] == ["Ok", "Ok", "Dropped", "Ok"]


def test_malformed_record_fails_alone(repo, ses_sample, lambda_context):
    event = firehose_event(
        ses(ses_sample("event-bounce.json")),
        b'{"eventType": "Bounce", "mail": {"messageId": "trunc',
        ses(ses_sample("event-complaint.json")),
        b"bm90IGJhc2U2NA=",  # replaced below by invalid base64
    )
    event["records"][3]["data"] = "***not base64***"
    response = firehose_transform.lambda_handler(event, lambda_context)
    results = [r["result"] for r in response["records"]]
    assert results == ["Ok", "ProcessingFailed", "Ok", "ProcessingFailed"]
    # The failed record keeps its original data (Firehose writes it to processing-failed/).
    assert response["records"][1]["data"] == event["records"][1]["data"]


def test_output_decodes_to_the_documented_schema(repo, ses_sample, lambda_context):
    names = ["event-send.json", "event-bounce.json", "event-open.json", "event-click.json"]
    response = firehose_transform.lambda_handler(
        firehose_event(*(ses(ses_sample(n)) for n in names)), lambda_context
    )
    for entry, name in zip(response["records"], names, strict=True):
        data = base64.b64decode(entry["data"])
        assert data.endswith(b"\n") and data.count(b"\n") == 1
        row = orjson.loads(data)
        assert tuple(row) == COLUMNS
        assert (
            row["event_type"]
            == json.loads((EVENTS.parent / "tests/fixtures/ses" / name).read_text())["eventType"]
        )
        keys = entry["metadata"]["partitionKeys"]
        assert keys == {"event_type": row["event_type"].lower(), "dt": row["event_date"]}


def test_suppression_relevant_events_are_archived_and_left_to_the_queue_path(
    repo, ses_sample, lambda_context
):
    bounces = []
    for i in range(5):
        payload = ses_sample("event-bounce.json")
        payload["bounce"]["feedbackId"] = f"fb-{i}"
        payload["bounce"]["bouncedRecipients"][0]["emailAddress"] = f"user{i}@example.com"
        bounces.append(ses(payload))
    complaint = ses(ses_sample("event-complaint.json"))
    response = firehose_transform.lambda_handler(
        firehose_event(*bounces, complaint), lambda_context
    )
    # every record is archived (Ok) and the store behind the factory was never called
    assert [r["result"] for r in response["records"]] == ["Ok"] * 6
    assert repo.records == {} and repo.batch_reads == 0


def test_reputation_metrics_per_configuration_set(repo, ses_sample, lambda_context, capsys):
    other = ses_sample("event-send.json")
    other["mail"]["tags"]["ses:configuration-set"] = ["marketing"]
    firehose_transform.lambda_handler(
        firehose_event(
            ses(ses_sample("event-bounce.json")), ses(ses_sample("event-send.json")), ses(other)
        ),
        lambda_context,
    )
    blobs = [
        json.loads(line)
        for line in capsys.readouterr().out.splitlines()
        if line.startswith('{"_aws"')
    ]
    by_set = {b["ConfigurationSet"]: b for b in blobs if "ConfigurationSet" in b}
    assert by_set["ConfigSet"]["HardBounces"] == [1.0]
    assert by_set["ConfigSet"]["EventsSend"] == [1.0]
    # suppressions are counted by the path that applies them (FeedbackFunction, Pipeline=sqs)
    assert "SuppressionsAdded" not in by_set["ConfigSet"]
    assert by_set["ConfigSet"]["Pipeline"] == "firehose"
    assert by_set["marketing"]["EventsSend"] == [1.0]
    assert "HardBounces" not in by_set["marketing"]
    dims = by_set["ConfigSet"]["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0]
    assert set(dims) == {"ConfigurationSet", "Pipeline", "service"}


def test_logs_carry_no_addresses(repo, ses_sample, lambda_context, capsys):
    firehose_transform.lambda_handler(
        firehose_event(ses(ses_sample("event-bounce.json")), b"{broken"), lambda_context
    )
    assert "recipient@example.com" not in capsys.readouterr().out


def test_sample_event_files(repo, lambda_context):
    path = (
        EVENTS
        / "FirehoseTransformFunction"
        / ("ses-events-with-malformed-and-non-ses-records.json")
    )
    event = json.loads(path.read_text())
    response = firehose_transform.lambda_handler(event, lambda_context)
    assert [r["result"] for r in response["records"]] == [
        "Ok",
        "Ok",
        "ProcessingFailed",
        "Dropped",
        "Dropped",
        "Ok",
    ]


def test_an_identity_notification_copied_by_sns_is_archived(repo, ses_sample, lambda_context):
    # IdentityNotificationArchiveSubscription delivers the raw notification, with no newline
    raw = json.dumps(ses_sample("sns-identity-bounce-permanent-general-with-dsn.json")).encode()
    response = firehose_transform.lambda_handler(firehose_event(raw), lambda_context)
    (record,) = response["records"]
    assert record["result"] == "Ok"
    row = orjson.loads(base64.b64decode(record["data"]))
    assert row["event_type"] == "Bounce"
    assert [r["address"] for r in row["recipients"]] == ["jane@example.com"]


@pytest.mark.parametrize(
    ("data", "result"),
    [
        (
            ses(json.loads((EVENTS.parent / "tests/fixtures/ses/event-bounce.json").read_text())),
            "Ok",
        ),
        (b'{"not": "ses"}\n', "Dropped"),
        (b'{"eventType": "Bounce", "mail": {"messageId": "trunc', "ProcessingFailed"),
    ],
)
def test_response_entries_match_powertools_data_classes(data, result):
    """The handler builds its response entries as plain dicts (cheaper per record); they must
    be exactly what Powertools' Firehose response classes would give."""
    from aws_lambda_powertools.utilities.data_classes import (
        KinesisFirehoseDataTransformationRecord,
        KinesisFirehoseDataTransformationRecordMetadata,
    )

    encoded = base64.b64encode(data).decode()
    transform = firehose_transform._transform(encoded)
    assert transform.result == result
    if result == "Ok":
        expected = KinesisFirehoseDataTransformationRecord(
            record_id="rec-1",
            result="Ok",
            data=base64.b64encode(transform.data()).decode(),
            metadata=KinesisFirehoseDataTransformationRecordMetadata(
                partition_keys=transform.partition_keys()
            ),
        )
    else:
        expected = KinesisFirehoseDataTransformationRecord(
            record_id="rec-1", result=result, data=encoded
        )
    ours = firehose_transform._response_record("rec-1", encoded, transform)
    assert orjson.dumps(ours) == orjson.dumps(expected.asdict())
