"""Import jobs against the embedded S3 (moto) and a stubbed SESv2 client (moto has no import
jobs): the file SES reads, the exact CreateImportJob / GetImportJob calls, and the scheduled
function taking the bulk path (tests/integration/conftest.py checks its IAM statements)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.stub import ANY

from adapters import factory
from adapters.import_files import S3ImportFiles
from adapters.ses_suppression_list import SesSuppressionList
from handlers import ses_sync
from tests.builders import outcome
from tests.fakes import stubbed_client

pytestmark = pytest.mark.integration
BUCKET = "ses-feedback-test-ses-import"
RECENT = datetime.now(UTC) - timedelta(hours=2)
JOB_ID = "755380d7-fbdb-4ed2-a9a3-06866220f5b5"


class NoWait:
    def __init__(self) -> None:
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)


@pytest.fixture
def import_bucket(aws_endpoint, monkeypatch):
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    monkeypatch.setenv("SES_IMPORT_BUCKET", BUCKET)
    yield s3
    for obj in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        s3.delete_object(Bucket=BUCKET, Key=obj["Key"])
    s3.delete_bucket(Bucket=BUCKET)


def job_response(state, action="PUT", processed=0, failed=0, failure=None, url="s3://b/k"):
    response = {
        "JobId": JOB_ID,
        "ImportDestination": {
            "SuppressionListDestination": {"SuppressionListImportAction": action}
        },
        "ImportDataSource": {"S3Url": url, "DataFormat": "JSON"},
        "JobStatus": state,
        "CreatedTimestamp": datetime(2026, 11, 30, tzinfo=UTC),
        "ProcessedRecordsCount": processed,
        "FailedRecordsCount": failed,
    }
    if failure:
        response["FailureInfo"] = failure
    return response


def test_import_files_are_private_encrypted_jsonl_under_the_prefix(import_bucket):
    files = S3ImportFiles(BUCKET)
    url = files.write("PUT", b'{"emailAddress":"jane@example.com","reason":"BOUNCE"}\n')
    key = files.key_of(url)
    assert url == f"s3://{BUCKET}/{key}" and key.startswith("suppression-list/")
    assert key.endswith("-put-" + key.rsplit("-", 1)[1]) and "jane" not in key
    stored = import_bucket.get_object(Bucket=BUCKET, Key=key)
    assert stored["ServerSideEncryption"] == "AES256"
    assert json.loads(stored["Body"].read()) == {
        "emailAddress": "jane@example.com",
        "reason": "BOUNCE",
    }
    files.remove(f"s3://other-bucket/{key}")  # not ours: left alone
    files.remove(f"s3://{BUCKET}/elsewhere/{key}")
    assert import_bucket.list_objects_v2(Bucket=BUCKET)["KeyCount"] == 1
    files.remove(url)
    assert import_bucket.list_objects_v2(Bucket=BUCKET)["KeyCount"] == 0


def test_create_and_get_import_job_calls_are_exactly_what_sesv2_expects():
    client, stub = stubbed_client("sesv2")
    stub.add_response(
        "create_import_job",
        {"JobId": JOB_ID},
        {
            "ImportDestination": {
                "SuppressionListDestination": {"SuppressionListImportAction": "DELETE"}
            },
            "ImportDataSource": {"S3Url": "s3://b/suppression-list/k.jsonl", "DataFormat": "JSON"},
        },
    )
    failure = {
        "FailedRecordsS3Url": "https://s3.example/failed?X-Amz-Signature=abc",
        "ErrorMessage": "",
    }
    stub.add_response(
        "get_import_job", job_response("COMPLETED", "DELETE", 9, 1, failure), {"JobId": JOB_ID}
    )
    waits = NoWait()
    ses = SesSuppressionList(client, sleep=waits.sleep, monotonic=lambda: 0.0)
    with stub:
        assert ses.start_import_job("DELETE", "s3://b/suppression-list/k.jsonl", "JSON") == JOB_ID
        status = ses.import_job(JOB_ID)
    stub.assert_no_pending_responses()
    assert (status.action, status.state, status.processed, status.failed) == (
        "DELETE",
        "COMPLETED",
        9,
        1,
    )
    assert status.failed_records_url == failure["FailedRecordsS3Url"] and status.error is None
    assert waits.sleeps == [1.0]  # the second call waited for SES's 1 request/s quota


class RecordingFiles(S3ImportFiles):
    """The real S3 store, keeping what it wrote so the test can read it after removal."""

    def __init__(self, bucket):
        super().__init__(bucket)
        self.written: dict[str, bytes] = {}
        self.removed: list[str] = []

    def write(self, action, body):
        url = super().write(action, body)
        self.written[url] = body
        return url

    def remove(self, s3_url):
        self.removed.append(s3_url)
        super().remove(s3_url)


def test_scheduled_sync_exports_a_large_set_through_one_import_job(
    suppression_table, import_bucket, lambda_context, monkeypatch
):
    monkeypatch.setenv("SES_SYNC_BULK_THRESHOLD", "100")
    factory.reset()
    addresses = [f"user{i:03d}@example.com" for i in range(120)]
    factory.suppression_service().apply_outcomes(
        [outcome("hard", RECENT, address=a) for a in addresses]
    )
    client, stub = stubbed_client("sesv2")
    stub.add_response(
        "list_suppressed_destinations",
        {"SuppressedDestinationSummaries": []},
        {"Reasons": ["BOUNCE", "COMPLAINT"], "PageSize": 1000, "StartDate": ANY},
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
    stub.add_response("get_import_job", job_response("PROCESSING"), {"JobId": JOB_ID})
    stub.add_response(
        "get_import_job",
        job_response(
            "COMPLETED",
            processed=119,
            failed=1,
            failure={"FailedRecordsS3Url": "https://s3.example/failed?X-Amz-Signature=secret"},
        ),
        {"JobId": JOB_ID},
    )
    waits = NoWait()
    files = RecordingFiles(BUCKET)
    factory.override(
        ses_list=SesSuppressionList(client, sleep=waits.sleep, monotonic=lambda: 0.0),
        import_files=files,
    )
    monkeypatch.setattr(ses_sync.time, "sleep", waits.sleep)
    monkeypatch.setattr(
        type(lambda_context), "get_remaining_time_in_millis", staticmethod(lambda: 600_000)
    )
    with stub:
        summary = ses_sync.lambda_handler({}, lambda_context)
    stub.assert_no_pending_responses()
    assert summary["exported"] == 120 and summary["export_method"] == "import-job"
    [job] = summary["import_jobs"]
    assert job == {
        "job_id": JOB_ID,
        "action": "PUT",
        "state": "COMPLETED",
        "processed": 119,
        "failed": 1,
        "error": None,
        "failure_file": True,  # the presigned URL itself stays out of the logs
    }
    [(url, body)] = files.written.items()
    rows = [json.loads(line) for line in body.decode().splitlines()]
    assert sorted(r["emailAddress"] for r in rows) == addresses
    assert {r["reason"] for r in rows} == {"BOUNCE"}
    assert files.removed == [url] and import_bucket.list_objects_v2(Bucket=BUCKET)["KeyCount"] == 0
    assert 10.0 in waits.sleeps  # one poll interval between PROCESSING and COMPLETED
