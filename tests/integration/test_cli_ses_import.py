"""`ses-feedback ses-sync --reconcile / --job` and the import-job path of `export`, against
the emulator's table and S3, with SES's list as an in-memory fake or a stubbed client."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.stub import ANY

from adapters import factory
from adapters.ses_suppression_list import SesSuppressionList
from adapters.suppression_repository import DynamoSuppressionRepository
from cli.main import main
from domain.policy import PolicySettings
from domain.service import SuppressionService
from domain.ses_sync import SesListEntry
from tests.builders import outcome
from tests.fakes import FakeSesList, stubbed_client

pytestmark = pytest.mark.integration
RECENT = datetime.now(UTC) - timedelta(days=2)
BUCKET = "ses-feedback-test-cli-import"
JOB_ID = "6e261869-bd30-4b33-b1f2-9e035a83a395"
FAILURE_URL = "https://s3.example/failed-records?X-Amz-Signature=abc"


@pytest.fixture
def table(suppression_table, monkeypatch):
    monkeypatch.setenv("SES_SYNC_BULK_THRESHOLD", "3")  # small sets exercise the job path
    monkeypatch.delenv("SES_IMPORT_BUCKET", raising=False)
    settings = PolicySettings()
    service = SuppressionService(DynamoSuppressionRepository(suppression_table, settings), settings)
    service.apply_outcomes(
        [
            outcome("hard", RECENT, address="jane@example.com"),
            outcome("complaint", RECENT, address="rick@example.com"),
            outcome("hard", RECENT, address="lifted@example.com"),
        ]
    )
    return suppression_table


@pytest.fixture
def bucket(aws_endpoint):
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    yield s3
    for obj in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        s3.delete_object(Bucket=BUCKET, Key=obj["Key"])
    s3.delete_bucket(Bucket=BUCKET)


class ListingSesList(FakeSesList):
    """The fake list, with puts landing on it as they would on SES's."""

    def put(self, address, reason):
        super().put(address, reason)
        self._entries.append(SesListEntry(address, reason, datetime.now(UTC)))


def run(capsys, *argv):
    code = main([*argv, "--json"])
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines()], err


def test_reconcile_plans_then_puts_ours_and_deletes_what_was_lifted_here(table, capsys):
    ses = ListingSesList(
        [
            SesListEntry("jane@example.com", "BOUNCE", RECENT),  # agrees
            SesListEntry("Lifted@Example.com", "BOUNCE", RECENT),  # lifted below: delete
            SesListEntry("stranger@example.com", "COMPLAINT", RECENT),  # SES's own: keep
        ]
    )
    factory.override(ses_list=ses)
    assert main(["unsuppress", "lifted@example.com", "--reason", "fixed", "--no-ses"]) == 0
    capsys.readouterr()

    code, rows, _ = run(capsys, "ses-sync", "--reconcile", "--dry-run")
    assert code == 0 and ses.puts == [] and ses.deletes == []
    assert rows[:-1] == [
        {"action": "PUT", "address": "rick@example.com", "reason": "COMPLAINT"},
        {"action": "DELETE", "address": "Lifted@Example.com", "reason": None},  # SES's case
    ]
    summary = rows[-1]["summary"]
    assert summary["put"]["method"] == "per-address" and summary["put"]["count"] == 1
    assert summary["delete"]["count"] == 1 and summary["left"] == {"not-lifted-here": 1}

    code, rows, _ = run(capsys, "ses-sync", "--reconcile")
    assert code == 0
    assert ses.puts == [("rick@example.com", "COMPLAINT")]
    assert ses.deletes == ["Lifted@Example.com"]
    assert rows[-1]["summary"]["put"]["applied"] == 1
    assert rows[-1]["summary"]["delete"]["applied"] == 1

    # what is left is SES's own entry, which --check still reports (and suggests the fix)
    code, rows, err = run(capsys, "ses-sync", "--check")
    assert code == 2 and [r["address"] for r in rows[:-1]] == ["stranger@example.com"]
    assert "ses-sync --reconcile --dry-run" in err


def stubbed_ses(*job_states):
    client, stub = stubbed_client("sesv2")
    stub.add_response(
        "list_suppressed_destinations",
        {"SuppressedDestinationSummaries": []},
        {"Reasons": ["BOUNCE", "COMPLAINT"], "PageSize": 1000},
    )
    stub.add_response(
        "create_import_job",
        {"JobId": JOB_ID},
        {
            "ImportDestination": {
                "SuppressionListDestination": {"SuppressionListImportAction": "PUT"}
            },
            "ImportDataSource": {"S3Url": ANY, "DataFormat": "JSON"},
        },
    )
    for state in job_states:
        stub.add_response("get_import_job", state, {"JobId": JOB_ID})
    ses = SesSuppressionList(client, sleep=lambda s: None, monotonic=lambda: 0.0)
    return ses, stub


def job(state, processed=0, failed=0, failure_url=None):
    response = {
        "JobId": JOB_ID,
        "ImportDestination": {"SuppressionListDestination": {"SuppressionListImportAction": "PUT"}},
        "ImportDataSource": {
            "S3Url": f"s3://{BUCKET}/suppression-list/x.jsonl",
            "DataFormat": "JSON",
        },
        "JobStatus": state,
        "ProcessedRecordsCount": processed,
        "FailedRecordsCount": failed,
    }
    if failure_url:
        response["FailureInfo"] = {"FailedRecordsS3Url": failure_url}
    return response


def test_large_reconcile_goes_through_an_import_job_and_shows_failed_records(table, bucket, capsys):
    ses, stub = stubbed_ses(job("COMPLETED", processed=2, failed=1, failure_url=FAILURE_URL))
    factory.override(ses_list=ses)
    with stub:
        code, rows, err = run(capsys, "ses-sync", "--reconcile", "--import-bucket", BUCKET)
    stub.assert_no_pending_responses()
    assert code == 1 and "did not finish cleanly" in err and f"import job {JOB_ID}" in err
    [shown] = rows[:-1]
    assert shown["job_id"] == JOB_ID and shown["failed"] == 1
    assert shown["failed_records_url"] == FAILURE_URL  # the operator may open it
    summary = rows[-1]["summary"]
    assert summary["put"] == {
        "count": 3,
        "method": "import-job",
        "applied": 2,
        "failed": 1,
        "jobs": 1,
        "unfinished_jobs": 0,
    }
    assert bucket.list_objects_v2(Bucket=BUCKET)["KeyCount"] == 0  # removed after the job


def test_per_address_keeps_one_request_per_address_whatever_the_size(table, capsys):
    ses = FakeSesList()
    factory.override(ses_list=ses)
    code, rows, _ = run(capsys, "export", "--per-address")
    assert code == 0 and rows[-1]["summary"]["method"] == "per-address"
    assert len(ses.puts) == 3


def test_export_dry_run_says_it_would_use_a_job_and_touches_nothing(table, capsys):
    ses = FakeSesList()
    factory.override(ses_list=ses)
    code, rows, _ = run(capsys, "export", "--dry-run")
    assert code == 0 and len(rows) == 4 and ses.puts == []
    assert rows[-1]["summary"]["method"] == "import-job" and rows[-1]["summary"]["jobs"] == 0


def test_without_an_import_bucket_a_large_set_stops_before_anything_reaches_ses(
    table, aws_endpoint, capsys
):
    ses = FakeSesList()
    factory.override(ses_list=ses)
    code = main(["export", "--stack", "no-such-stack"])
    out, err = capsys.readouterr()
    assert code == 1 and ses.puts == [] and out == ""
    assert err.count("\n") == 1 and "--per-address" in err and "--import-bucket" in err


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (job("PROCESSING"), 2),
        (job("COMPLETED", processed=5), 0),
        (job("COMPLETED", processed=4, failed=1, failure_url=FAILURE_URL), 1),
        (job("FAILED"), 1),
    ],
)
def test_job_status(suppression_table, capsys, state, expected):
    client, stub = stubbed_client("sesv2")
    stub.add_response("get_import_job", state, {"JobId": JOB_ID})
    factory.override(ses_list=SesSuppressionList(client, sleep=lambda s: None))
    with stub:
        code, [row], _ = run(capsys, "ses-sync", "--job", JOB_ID)
    assert code == expected and row["state"] == state["JobStatus"]
    assert row["failed_records_url"] == state.get("FailureInfo", {}).get("FailedRecordsS3Url")


def test_dry_run_belongs_to_reconcile(suppression_table, capsys):
    assert main(["ses-sync", "--dry-run"]) == 1
    assert "--dry-run goes with --reconcile" in capsys.readouterr().err
