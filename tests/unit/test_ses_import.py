"""Import jobs for large changes to SES's list: file format, threshold, job following (pure)."""

from __future__ import annotations

import json

import pytest

from domain.ses_import import (
    ADDRESSES_PER_JOB,
    DELETE,
    PUT,
    BulkPath,
    ImportFileError,
    ImportJobStatus,
    JobWait,
    apply_to_ses,
    follow_import_job,
    render_import_file,
    split_for_jobs,
    uses_import_job,
)
from tests.fakes import FakeSesList


def parse(body: bytes) -> list[dict]:
    """Read an import file back the way SES documents it: one JSON object per line."""
    text = body.decode("utf-8")
    assert text.endswith("\n") and "\r" not in text
    return [json.loads(line) for line in text.splitlines()]


# --- the file SES reads ---------------------------------------------------------------------


def test_put_file_is_one_json_object_per_line_with_address_and_reason():
    body = render_import_file(
        PUT, [("jane@example.com", "BOUNCE"), ("rick@example.com", "COMPLAINT")]
    )
    assert parse(body) == [
        {"emailAddress": "jane@example.com", "reason": "BOUNCE"},
        {"emailAddress": "rick@example.com", "reason": "COMPLAINT"},
    ]
    # exactly the documented shape: no header, no spaces, no other fields
    assert body == (
        b'{"emailAddress":"jane@example.com","reason":"BOUNCE"}\n'
        b'{"emailAddress":"rick@example.com","reason":"COMPLAINT"}\n'
    )


def test_delete_file_carries_addresses_only():
    assert parse(render_import_file(DELETE, [("Jane@Example.com", None)])) == [
        {"emailAddress": "Jane@Example.com"}
    ]


def test_addresses_csv_could_not_carry_survive_the_round_trip():
    odd = ['"a,b"@example.com', '"say \\"hi\\""@example.com', "jürgen@bücher.example"]
    rows = [(a, "BOUNCE") for a in odd]
    assert [r["emailAddress"] for r in parse(render_import_file(PUT, rows))] == odd


@pytest.mark.parametrize(
    ("action", "rows", "message"),
    [
        (PUT, [("a@example.com", None)], "BOUNCE or COMPLAINT"),
        (PUT, [("a@example.com", "bounce")], "BOUNCE or COMPLAINT"),
        (PUT, [("a@example.com\n{}", "BOUNCE")], "one non-empty line"),
        (DELETE, [("", None)], "one non-empty line"),
        (DELETE, [], "at least one address"),
    ],
)
def test_a_file_ses_would_misread_is_refused(action, rows, message):
    with pytest.raises(ImportFileError, match=message):
        render_import_file(action, rows)


def test_sets_are_cut_at_ses_per_object_limits():
    puts = [(f"u{i}@example.com", "BOUNCE") for i in range(ADDRESSES_PER_JOB[PUT] + 1)]
    parts = split_for_jobs(PUT, puts)
    assert [len(p) for p in parts] == [100_000, 1] and parts[1][0] == puts[-1]
    deletes = [(f"u{i}@example.com", None) for i in range(20_000)]
    assert [len(p) for p in split_for_jobs(DELETE, deletes)] == [10_000, 10_000]


# --- fakes for the two ports, and a clock ---------------------------------------------------


class FakeClock:
    def __init__(self, budget: float) -> None:
        self.now = 0.0
        self.budget = budget
        self.sleeps: list[float] = []

    def seconds_left(self) -> float:
        return self.budget - self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class FakeFiles:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.removed: list[str] = []

    def write(self, action, body):
        url = f"s3://imports/suppression-list/{len(self.objects)}-{action.lower()}.jsonl"
        self.objects[url] = body
        return url

    def remove(self, s3_url):
        self.removed.append(s3_url)


class FakeJobs:
    """Each job reports the states in `script` in turn (the last one repeats)."""

    def __init__(self, *script: dict) -> None:
        self.script = script
        self.started: list[tuple[str, str, str]] = []
        self.polls: dict[str, int] = {}

    def start_import_job(self, action, s3_url, data_format):
        job_id = f"job-{len(self.started)}"
        self.started.append((action, s3_url, data_format))
        return job_id

    def import_job(self, job_id):
        n = self.polls.get(job_id, 0)
        self.polls[job_id] = n + 1
        step = self.script[min(n, len(self.script) - 1)]
        action = self.started[int(job_id.split("-")[1])][0]
        return ImportJobStatus(job_id, action, **step)


def bulk(jobs, files, clock, threshold=100):
    return BulkPath(jobs, files, JobWait(clock.seconds_left, clock.sleep, 10.0), threshold)


DONE = {"state": "COMPLETED", "processed": 0}


# --- per address or by job: the threshold ---------------------------------------------------


@pytest.mark.parametrize(
    ("count", "method"), [(99, "per-address"), (100, "import-job"), (101, "import-job")]
)
def test_threshold_boundary(count, method):
    rows = [(f"u{i}@example.com", "BOUNCE") for i in range(count)]
    ses, files, jobs = (
        FakeSesList(),
        FakeFiles(),
        FakeJobs({"state": "COMPLETED", "processed": count}),
    )
    report = apply_to_ses(PUT, rows, ses, bulk(jobs, files, FakeClock(900)))
    assert report.method == method and report.count == count and report.applied == count
    if method == "per-address":
        assert ses.puts == rows and jobs.started == [] and files.objects == {}
    else:
        assert ses.puts == [] and len(jobs.started) == 1
        [(action, url, data_format)] = jobs.started
        assert (action, data_format) == ("PUT", "JSON")
        assert [(r["emailAddress"], r["reason"]) for r in parse(files.objects[url])] == rows


def test_uses_import_job_rejects_a_threshold_below_one():
    assert uses_import_job(1, 1) and not uses_import_job(0, 1)
    with pytest.raises(ValueError):
        uses_import_job(5, 0)


def test_without_a_bulk_path_every_set_goes_per_address():
    rows = [(f"u{i}@example.com", None) for i in range(150)]
    ses = FakeSesList()
    report = apply_to_ses(DELETE, rows, ses, None)
    assert report.method == "per-address" and ses.deletes == [a for a, _ in rows]
    assert report.applied == 0 and report.not_listed == 150  # the fake listed none of them


def test_delete_jobs_and_dry_runs():
    rows = [(f"u{i}@example.com", None) for i in range(120)]
    ses, files, jobs = (
        FakeSesList(),
        FakeFiles(),
        FakeJobs({"state": "COMPLETED", "processed": 120}),
    )
    planned = apply_to_ses(DELETE, rows, ses, bulk(jobs, files, FakeClock(900)), dry_run=True)
    assert planned.method == "import-job" and planned.applied == 0
    assert jobs.started == [] and files.objects == {} and ses.deletes == []
    done = apply_to_ses(DELETE, rows, ses, bulk(jobs, files, FakeClock(900)))
    [(action, url, _)] = jobs.started
    assert action == "DELETE" and parse(files.objects[url])[0] == {"emailAddress": "u0@example.com"}
    assert done.applied == 120 and files.removed == [url]  # removed once the job finished


# --- following a job ------------------------------------------------------------------------


def test_a_job_is_polled_until_it_completes():
    jobs = FakeJobs(
        {"state": "CREATED"},
        {"state": "PROCESSING"},
        {"state": "COMPLETED", "processed": 250},
    )
    clock = FakeClock(900)
    rows = [(f"u{i}@example.com", "COMPLAINT") for i in range(250)]
    report = apply_to_ses(PUT, rows, FakeSesList(), bulk(jobs, FakeFiles(), clock))
    assert jobs.polls == {"job-0": 3} and clock.sleeps == [10.0, 10.0]
    assert report.applied == 250 and report.failed == 0 and report.unfinished == []


def test_a_job_still_running_when_time_runs_out_is_reported_unfinished_and_its_file_kept():
    jobs, files = FakeJobs({"state": "PROCESSING"}), FakeFiles()
    clock = FakeClock(35)  # polls at 0, 10, 20 and 30 s; at 30 s no time for another
    report = apply_to_ses(
        PUT,
        [(f"u{i}@x.example", "BOUNCE") for i in range(100)],
        FakeSesList(),
        bulk(jobs, files, clock),
    )
    assert jobs.polls == {"job-0": 4} and clock.now == 30.0
    assert report.unfinished == ["job-0"] and report.applied == 0
    assert files.removed == []  # SES may still read it; lifecycle expiry removes it later


def test_a_failed_job_and_failed_records_are_reported_with_the_failure_file():
    failed = {"state": "FAILED", "error": "Access denied to the S3 object"}
    jobs = FakeJobs(failed)
    report = apply_to_ses(
        PUT,
        [(f"u{i}@x.example", "BOUNCE") for i in range(100)],
        FakeSesList(),
        bulk(jobs, FakeFiles(), FakeClock(900)),
    )
    assert [j.error for j in report.failed_jobs] == ["Access denied to the S3 object"]
    assert report.applied == 0

    partial = {
        "state": "COMPLETED",
        "processed": 98,
        "failed": 2,
        "failed_records_url": "https://ses-failures.example/presigned?sig=x",
    }
    report = apply_to_ses(
        PUT,
        [(f"u{i}@x.example", "BOUNCE") for i in range(100)],
        FakeSesList(),
        bulk(FakeJobs(partial), FakeFiles(), FakeClock(900)),
    )
    [job] = report.jobs
    assert report.failed == 2 and report.applied == 98 and report.failed_jobs == []
    assert job.to_json()["failed_records_url"] == partial["failed_records_url"]
    logged = job.to_json(with_failure_url=False)
    assert logged["failure_file"] is True and "failed_records_url" not in logged


def test_follow_returns_at_once_for_a_finished_job():
    jobs = FakeJobs(DONE)
    jobs.started.append(("PUT", "s3://b/k", "JSON"))
    clock = FakeClock(900)
    assert follow_import_job(jobs, "job-0", JobWait(clock.seconds_left, clock.sleep)).finished
    assert clock.sleeps == []


def test_large_sets_start_one_job_per_part():
    rows = [(f"u{i}@example.com", None) for i in range(10_001)]
    jobs, files = FakeJobs({"state": "COMPLETED", "processed": 1}), FakeFiles()
    report = apply_to_ses(DELETE, rows, FakeSesList(), bulk(jobs, files, FakeClock(900)))
    assert len(jobs.started) == 2 and report.summary()["jobs"] == 2
    sizes = sorted(len(parse(body)) for body in files.objects.values())
    assert sizes == [1, 10_000]
