"""Large changes to SES's account-level suppression list through SESv2 import jobs (pure).

SES allows about one suppression-list request per second, so putting or deleting n addresses
one at a time takes n seconds. An import job reads the addresses from one S3 object instead:
one CreateImportJob call, then GetImportJob until SES reports it finished. What goes through
a job and what stays per address is decided here, as is the file's exact content; the S3
object and the SESv2 calls are behind the two ports below (adapters/).

The file format is SES's newline-delimited JSON (SES developer guide, "Adding email addresses
in bulk" / "Removing email addresses in bulk"): one object per line, `emailAddress` and, for
PUT, `reason` (`BOUNCE` or `COMPLAINT`). JSON rather than CSV because a valid address may
contain a comma or a quote in a quoted local part, and SES documents no CSV quoting.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from domain.ses_import_threshold import DEFAULT_BULK_THRESHOLD

ImportAction = Literal["PUT", "DELETE"]
PUT: ImportAction = "PUT"
DELETE: ImportAction = "DELETE"

#: Addresses SES accepts in one object per job: "a bulk add limit of 100,000 addresses" and
#: "a bulk delete limit of 10,000 addresses in an Amazon S3 object per API call".
ADDRESSES_PER_JOB: dict[ImportAction, int] = {PUT: 100_000, DELETE: 10_000}

DATA_FORMAT = "JSON"
JobState = Literal["CREATED", "PROCESSING", "COMPLETED", "FAILED"]
FINISHED_STATES = frozenset({"COMPLETED", "FAILED"})


class ImportFileError(ValueError):
    """An import file that SES would not read the way we mean it."""


def render_import_file(action: ImportAction, rows: Iterable[tuple[str, str | None]]) -> bytes:
    """The object SES reads: one JSON line per (address, reason); DELETE lines carry no
    reason. Refuses (rather than writes) a PUT without a valid reason or an empty address."""
    lines = []
    for address, reason in rows:
        if not address or "\n" in address or "\r" in address:
            raise ImportFileError("an import file address must be one non-empty line")
        record: dict[str, str] = {"emailAddress": address}
        if action == PUT:
            if reason not in ("BOUNCE", "COMPLAINT"):
                raise ImportFileError(f"PUT needs reason BOUNCE or COMPLAINT, got {reason!r}")
            record["reason"] = reason
        lines.append(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
    if not lines:
        raise ImportFileError("an import file needs at least one address")
    return ("\n".join(lines) + "\n").encode("utf-8")


def split_for_jobs(
    action: ImportAction, rows: Sequence[tuple[str, str | None]]
) -> list[Sequence[tuple[str, str | None]]]:
    """The rows cut into SES's per-object limit for the action, in order."""
    size = ADDRESSES_PER_JOB[action]
    return [rows[i : i + size] for i in range(0, len(rows), size)]


def uses_import_job(count: int, threshold: int) -> bool:
    """Whether `count` addresses go through an import job: `threshold` or more do."""
    if threshold < 1:
        raise ValueError("the bulk threshold is at least 1")
    return count >= threshold


@dataclass(frozen=True, slots=True)
class ImportJobStatus:
    """What GetImportJob says about one job. `failed_records_url` is SES's presigned URL of
    the records it could not apply (personal data: show it to the operator, never log it)."""

    job_id: str
    action: ImportAction
    state: JobState
    processed: int = 0
    failed: int = 0
    failed_records_url: str | None = None
    error: str | None = None

    @property
    def finished(self) -> bool:
        return self.state in FINISHED_STATES

    def to_json(self, *, with_failure_url: bool = True) -> dict[str, object]:
        shown: dict[str, object] = {
            "job_id": self.job_id,
            "action": self.action,
            "state": self.state,
            "processed": self.processed,
            "failed": self.failed,
            "error": self.error,
        }
        if with_failure_url:
            shown["failed_records_url"] = self.failed_records_url
        else:
            shown["failure_file"] = self.failed_records_url is not None
        return shown


class ImportJobPort(Protocol):
    def start_import_job(self, action: ImportAction, s3_url: str, data_format: str) -> str: ...

    def import_job(self, job_id: str) -> ImportJobStatus: ...


class ImportFilePort(Protocol):
    def write(self, action: ImportAction, body: bytes) -> str: ...  # returns the s3:// URL

    def remove(self, s3_url: str) -> None: ...


@dataclass
class JobWait:
    """How long to follow a job: poll every `poll_seconds` while `seconds_left()` says there
    is time. The scheduled function passes its remaining invocation time, the CLI a limit."""

    seconds_left: Callable[[], float]
    sleep: Callable[[float], None]
    poll_seconds: float = 10.0


@dataclass
class BulkPath:
    jobs: ImportJobPort
    files: ImportFilePort
    wait: JobWait
    threshold: int = DEFAULT_BULK_THRESHOLD


class PerAddressPort(Protocol):
    def put(self, address: str, reason: str) -> None: ...

    def delete(self, address: str) -> bool: ...


@dataclass
class ApplyReport:
    """What applying one action's set did (or, in a dry run, would do). `method`: `none`
    (nothing to do), `per-address` or `import-job`; `applied` counts addresses SES confirmed
    (per-address calls, or finished jobs' processed records); `jobs` every job started."""

    action: ImportAction
    count: int = 0
    method: str = "none"
    applied: int = 0
    not_listed: int = 0  # DELETE per address: SES did not have it
    jobs: list[ImportJobStatus] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return sum(job.failed for job in self.jobs)

    @property
    def unfinished(self) -> list[str]:
        return [job.job_id for job in self.jobs if not job.finished]

    @property
    def failed_jobs(self) -> list[ImportJobStatus]:
        return [job for job in self.jobs if job.state == "FAILED"]

    def summary(self) -> dict[str, object]:
        return {
            "count": self.count,
            "method": self.method,
            "applied": self.applied,
            "failed": self.failed,
            "jobs": len(self.jobs),
            "unfinished_jobs": len(self.unfinished),
        }


def apply_to_ses(
    action: ImportAction,
    rows: Sequence[tuple[str, str | None]],
    ses: PerAddressPort,
    bulk: BulkPath | None,
    *,
    dry_run: bool = False,
) -> ApplyReport:
    """Put or delete `rows` on SES's list: through import jobs when there is a bulk path and
    the set reaches its threshold, else one request per address (the adapter throttles)."""
    report = ApplyReport(action, count=len(rows))
    if not rows:
        return report
    by_job = bulk is not None and uses_import_job(len(rows), bulk.threshold)
    if dry_run:
        report.method = "import-job" if by_job else "per-address"
        return report
    if bulk is not None and by_job:
        report.method = "import-job"
        report.jobs = run_import_jobs(action, rows, bulk)
        report.applied = sum(job.processed for job in report.jobs if job.finished)
        return report
    report.method = "per-address"
    for address, reason in rows:
        if action == PUT:
            ses.put(address, str(reason))
            report.applied += 1
        elif ses.delete(address):
            report.applied += 1
        else:
            report.not_listed += 1
    return report


def run_import_jobs(
    action: ImportAction, rows: Sequence[tuple[str, str | None]], bulk: BulkPath
) -> list[ImportJobStatus]:
    """Write each part's file, start its job, then follow every job while time allows. A
    finished job's file is removed at once (it holds addresses); lifecycle expiry removes
    the file of a job still running when time ran out."""
    started: list[tuple[str, str]] = []
    for part in split_for_jobs(action, rows):
        url = bulk.files.write(action, render_import_file(action, part))
        started.append((bulk.jobs.start_import_job(action, url, DATA_FORMAT), url))
    statuses = []
    for job_id, url in started:
        status = follow_import_job(bulk.jobs, job_id, bulk.wait)
        if status.finished:
            bulk.files.remove(url)
        statuses.append(status)
    return statuses


def follow_import_job(jobs: ImportJobPort, job_id: str, wait: JobWait) -> ImportJobStatus:
    """GetImportJob until the job finishes or no time is left for another poll."""
    status = jobs.import_job(job_id)
    while not status.finished and wait.seconds_left() > wait.poll_seconds:
        wait.sleep(wait.poll_seconds)
        status = jobs.import_job(job_id)
    return status
