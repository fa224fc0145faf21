"""SES's account-level suppression list (SESv2), throttled to its 1 request/s quota: entries
one at a time, and import jobs (CreateImportJob / GetImportJob) for large sets.

Every call waits for the minimum interval since the previous one and backs off
exponentially on TooManyRequestsException. The local emulator has no SESv2 suppression API,
so this adapter is tested with botocore's Stubber.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from domain.ses_import import ImportAction, ImportJobStatus
from domain.ses_sync import SesListEntry


class SesSuppressionList:
    def __init__(
        self,
        client: Any = None,
        *,
        min_interval: float = 1.0,
        max_attempts: int = 6,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if client is None:
            import boto3

            client = boto3.client("sesv2")
        self._client = client
        self._min_interval = min_interval
        self._max_attempts = max_attempts
        self._sleep = sleep
        self._monotonic = monotonic
        self._last_call: float | None = None
        self.requests = 0

    def entries(
        self,
        reasons: tuple[str, ...] = ("BOUNCE", "COMPLAINT"),
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> Iterator[SesListEntry]:
        """Every entry, following NextToken (botocore has no paginator for this call)."""
        params: dict[str, Any] = {"Reasons": list(reasons), "PageSize": 1000}
        if start is not None:
            params["StartDate"] = start
        if end is not None:
            params["EndDate"] = end
        while True:
            page = self._call("list_suppressed_destinations", **params)
            for summary in page.get("SuppressedDestinationSummaries", []):
                yield SesListEntry(
                    address=summary["EmailAddress"],
                    reason=summary["Reason"],
                    last_update=summary["LastUpdateTime"],
                )
            token = page.get("NextToken")
            if not token:
                return
            params["NextToken"] = token

    def put(self, address: str, reason: str) -> None:
        self._call("put_suppressed_destination", EmailAddress=address, Reason=reason)

    def delete(self, address: str) -> bool:
        """Take an address off the list; False when SES did not have it (NotFoundException
        is the answer we want, not an error)."""
        try:
            self._call("delete_suppressed_destination", EmailAddress=address)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "NotFoundException":
                return False
            raise
        return True

    def start_import_job(self, action: ImportAction, s3_url: str, data_format: str) -> str:
        """CreateImportJob for the account-level list; SES reads the object at `s3_url`."""
        response = self._call(
            "create_import_job",
            ImportDestination={
                "SuppressionListDestination": {"SuppressionListImportAction": action}
            },
            ImportDataSource={"S3Url": s3_url, "DataFormat": data_format},
        )
        return str(response["JobId"])

    def import_job(self, job_id: str) -> ImportJobStatus:
        """GetImportJob, as the pure status the domain follows."""
        job = self._call("get_import_job", JobId=job_id)
        destination = job.get("ImportDestination", {}).get("SuppressionListDestination", {})
        failure = job.get("FailureInfo") or {}
        return ImportJobStatus(
            job_id=str(job.get("JobId", job_id)),
            action=destination.get("SuppressionListImportAction", "PUT"),
            state=job.get("JobStatus", "CREATED"),
            processed=int(job.get("ProcessedRecordsCount") or 0),
            failed=int(job.get("FailedRecordsCount") or 0),
            failed_records_url=failure.get("FailedRecordsS3Url") or None,
            error=failure.get("ErrorMessage") or None,
        )

    def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        delay = self._min_interval
        for attempt in range(self._max_attempts):
            self._throttle()
            try:
                self.requests += 1
                result: dict[str, Any] = getattr(self._client, operation)(**params)
                return result
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code")
                if code != "TooManyRequestsException" or attempt == self._max_attempts - 1:
                    raise
                self._sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover

    def _throttle(self) -> None:
        now = self._monotonic()
        if self._last_call is not None:
            wait = self._min_interval - (now - self._last_call)
            if wait > 0:
                self._sleep(wait)
                now += wait
        self._last_call = now
