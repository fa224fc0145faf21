"""The import-job path of the commands that change SES's list (`export`, `ses-sync`).

Sets of SES_SYNC_BULK_THRESHOLD (100) addresses or more go to SES as SESv2 import jobs
(domain/ses_import.py); this module gives those commands their options, the bucket for the
import file (looked up only when a set needs it), the jobs' rows and the exit status.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from domain.ses_import import BulkPath, ImportJobStatus, JobWait

#: How long a command follows an import job before it hands back the job id.
JOB_WAIT_SECONDS = 30 * 60
JOB_COLUMNS = ["job_id", "action", "state", "processed", "failed", "failed_records_url", "error"]


def add_bulk_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--per-address",
        action="store_true",
        help="one request per address (1/s) even for large sets; no import job, no bucket",
    )
    p.add_argument(
        "--import-bucket",
        help="bucket for import files (default: $SES_IMPORT_BUCKET or the stack's output)",
    )


def bulk_path(args: argparse.Namespace, ses: Any) -> BulkPath | None:
    """The import-job path for this command through `ses` (the SES list adapter), or None
    with --per-address."""
    from adapters.settings import load_bulk_threshold

    if args.per_address:
        return None
    deadline = time.monotonic() + JOB_WAIT_SECONDS
    wait = JobWait(lambda: deadline - time.monotonic(), time.sleep)
    return BulkPath(AnnouncedJobs(ses), LazyImportFiles(args), wait, load_bulk_threshold())


class AnnouncedJobs:
    """The SES list's import jobs, each announced on stderr as it starts: an interrupted
    command still tells the operator which job to look at (`ses-sync --job ID`)."""

    def __init__(self, ses: Any) -> None:
        self._ses = ses

    def start_import_job(self, action: str, s3_url: str, data_format: str) -> str:
        job_id: str = self._ses.start_import_job(action, s3_url, data_format)
        print(f"started SES import job {job_id} ({action}); following it...", file=sys.stderr)
        return job_id

    def import_job(self, job_id: str) -> ImportJobStatus:
        status: ImportJobStatus = self._ses.import_job(job_id)
        return status


class LazyImportFiles:
    """The import file store in --import-bucket, $SES_IMPORT_BUCKET or the stack's
    SesImportBucketName output, found on first use (small sets never need one)."""

    def __init__(self, args: argparse.Namespace) -> None:
        self._args = args
        self._files: Any = None

    def _resolved(self) -> Any:
        if self._files is None:
            from adapters import factory
            from adapters.settings import ConfigurationError, import_bucket_from_environment
            from adapters.stack_outputs import StackLookupError, stack_output

            bucket = self._args.import_bucket or import_bucket_from_environment()
            if not bucket:
                try:
                    bucket = stack_output(self._args.stack, "SesImportBucketName")
                except StackLookupError as exc:
                    raise ConfigurationError(
                        f"no bucket for the import file ({exc}); give --import-bucket, set "
                        "SES_IMPORT_BUCKET, or use --per-address"
                    ) from None
            self._files = factory.ses_import_files(bucket)
        return self._files

    def write(self, action: str, body: bytes) -> str:
        url: str = self._resolved().write(action, body)
        return url

    def remove(self, s3_url: str) -> None:
        self._resolved().remove(s3_url)


def job_rows(jobs: list[ImportJobStatus]) -> list[dict[str, Any]]:
    """One row per job, with SES's failure-file URL: the operator's own terminal may show
    it (the scheduled function's logs never do)."""
    return [job.to_json() for job in jobs]


def jobs_exit_status(jobs: list[ImportJobStatus]) -> int:
    """1 when a job failed, has failed records or was still running when the wait ended."""
    if any(not job.finished or job.state == "FAILED" or job.failed for job in jobs):
        print(
            "error: an SES import job did not finish cleanly; see its row above "
            "(`ses-feedback ses-sync --job JOB_ID` shows it again)",
            file=sys.stderr,
        )
        return 1
    return 0
