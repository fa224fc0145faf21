"""`ses-feedback replay` with local files and an in-memory store (the DynamoDB-backed replay,
twice over the same archive, is in tests/integration/test_firehose.py)."""

from __future__ import annotations

import base64
import gzip
import io
import json

import pytest

from adapters.archive import LocalArchive, object_date
from cli import main as cli_main
from cli.replay import format_summary, replay
from domain.analytics import transform_record
from domain.dry_run import DryRunRepository
from domain.service import SuppressionService


def analytics_lines(*payloads: dict) -> bytes:
    return b"".join(transform_record(json.dumps(p).encode() + b"\n").data() for p in payloads)


def run_replay(path, service, **kwargs):
    return replay(LocalArchive(path), service, progress_stream=io.StringIO(), **kwargs)


def test_gzip_analytics_archive_is_applied_once(tmp_path, memory_repo, memory_service, ses_sample):
    folder = tmp_path / "events" / "type=bounce" / "dt=2017-08-05"
    folder.mkdir(parents=True)
    (folder / "part-1.gz").write_bytes(
        gzip.compress(
            analytics_lines(ses_sample("event-bounce.json"), ses_sample("event-send.json"))
        )
    )
    first = run_replay(tmp_path, memory_service)
    assert first.documents == {"analytics": 2}
    assert first.applied.written == 1
    assert memory_repo.records["recipient@example.com"].decision.state == "suppressed"
    snapshot = dict(memory_repo.records)
    second = run_replay(tmp_path, memory_service)
    assert second.applied.written == 0
    assert memory_repo.records == snapshot


def test_every_document_kind(tmp_path, memory_service, ses_sample):
    bounce = ses_sample("event-bounce.json")
    raw = json.dumps(bounce).encode() + b"\n"
    failed = {
        "attemptsMade": 4,
        "arrivalTimestamp": 1,
        "errorCode": "Lambda.ProcessingFailed",
        "errorMessage": "x",
        "attemptEndingTimestamp": 2,
        "lambdaArn": "arn",
        "rawData": base64.b64encode(raw).decode(),
    }
    sns = {
        "Type": "Notification",
        "MessageId": "m",
        "TopicArn": "arn:t",
        "Message": json.dumps(ses_sample("sns-identity-delivery.json")),
    }
    sqs_event = {"Records": [{"messageId": "1", "body": json.dumps(sns), "eventSource": "aws:sqs"}]}
    (tmp_path / "a.jsonl").write_bytes(
        json.dumps(failed).encode() + b"\n" + b'{"hello": 1}\n' + b"{broken\n"
    )
    (tmp_path / "b.json").write_text(json.dumps(ses_sample("event-complaint.json"), indent=2))
    (tmp_path / "c.json").write_text(json.dumps(sqs_event))
    (tmp_path / "d.json").write_text(json.dumps([sns, ses_sample("event-open.json")]))
    summary = run_replay(tmp_path, memory_service)
    assert summary.documents == {
        "processing-failed": 1,
        "skipped": 1,
        "malformed": 1,
        "ses": 4,
    }
    assert summary.objects == 4


def test_since_skips_older_events_and_partitions(tmp_path, memory_service, ses_sample):
    old = tmp_path / "events" / "type=bounce" / "dt=2017-08-05"
    old.mkdir(parents=True)
    (old / "x").write_bytes(analytics_lines(ses_sample("event-bounce.json")))
    recent = ses_sample("event-bounce.json")
    recent["bounce"]["timestamp"] = "2026-11-20T00:00:00.000Z"
    stale_inside_new_partition = ses_sample("event-complaint.json")
    new = tmp_path / "events" / "type=mixed" / "dt=2026-11-20"
    new.mkdir(parents=True)
    (new / "y").write_bytes(analytics_lines(recent, stale_inside_new_partition))
    from cli.table_options import parse_when

    summary = run_replay(tmp_path, memory_service, since=parse_when("2026-11-01"))
    assert summary.objects == 1  # the 2017 partition is not read at all
    assert summary.before_since == 1
    assert summary.applied.outcomes == 1


def test_dry_run_repository_does_not_write(memory_repo, policy, tmp_path, ses_sample):
    (tmp_path / "b.json").write_text(json.dumps(ses_sample("event-bounce.json")))
    service = SuppressionService(DryRunRepository(memory_repo), policy)
    summary = run_replay(tmp_path, service)
    assert summary.applied.written == 1
    assert memory_repo.records == {}
    assert "would write 1" in format_summary(summary, str(tmp_path), dry_run=True)


def test_store_failure_is_reported_not_raised(tmp_path, policy, ses_sample):
    class Broken:
        def get_many(self, addresses):
            raise ConnectionError("down")

    (tmp_path / "b.json").write_text(json.dumps(ses_sample("event-bounce.json")))
    summary = run_replay(tmp_path, SuppressionService(Broken(), policy))
    assert summary.error and "ConnectionError" in summary.error
    assert "re-running the replay is safe" in format_summary(summary, "x", dry_run=False)


def test_object_dates():
    assert str(object_date("events/type=send/dt=2026-11-20/f.gz")) == "2026-11-20"
    assert str(object_date("processing-failed/2026/11/20/f")) == "2026-11-20"
    assert object_date("anything/else.json") is None


def test_command_line(tmp_path, monkeypatch, capsys, memory_service, ses_sample):
    import cli.replay as replay_module

    (tmp_path / "b.json").write_text(json.dumps(ses_sample("event-bounce.json")))
    (tmp_path / "bad.json").write_text("{broken")
    monkeypatch.setattr(replay_module, "_build_service", lambda args: memory_service)
    code = cli_main.main(["replay", str(tmp_path), "--no-progress"])
    out = capsys.readouterr()
    assert code == 1  # one malformed document
    assert "malformed 1" in out.out and "ses 1" in out.out
    assert cli_main.main(["replay", str(tmp_path / "missing")]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_command_line_json(tmp_path, monkeypatch, capsys, memory_service, ses_sample):
    import cli.replay as replay_module

    (tmp_path / "b.json").write_text(json.dumps(ses_sample("event-bounce.json")))
    (tmp_path / "bad.json").write_text("{broken")
    monkeypatch.setattr(replay_module, "_build_service", lambda args: memory_service)
    code = cli_main.main(["replay", str(tmp_path), "--no-progress", "--json"])
    assert code == 1  # one malformed document
    [line] = capsys.readouterr().out.splitlines()
    summary = json.loads(line)["summary"]
    assert summary["objects"] == 2 and summary["dry_run"] is False
    assert summary["documents"] == {"malformed": 1, "ses": 1}
    assert summary["written"] >= 1 and summary["newly_suppressed"] == summary["written"]
    assert summary["error"] is None and summary["source"] == str(tmp_path)


def test_since_must_be_iso():
    with pytest.raises(SystemExit):
        cli_main.main(["replay", ".", "--since", "last tuesday"])


def test_use_case_reports_totals_then_each_object(tmp_path, memory_service, ses_sample):
    from domain.replay import replay_archive

    (tmp_path / "a.json").write_text(json.dumps(ses_sample("event-bounce.json")))
    (tmp_path / "b.json").write_text(json.dumps(ses_sample("event-complaint.json")))
    sizes = [(tmp_path / name).stat().st_size for name in ("a.json", "b.json")]

    class Recorder:
        def __init__(self):
            self.calls = []

        def start(self, total_bytes, total_objects):
            self.calls.append(("start", total_bytes, total_objects))

        def update(self, done_bytes, done_objects, events):
            self.calls.append(("update", done_bytes, done_objects, events))

    recorder = Recorder()
    summary = replay_archive(LocalArchive(tmp_path), memory_service, progress=recorder)
    assert recorder.calls == [
        ("start", sum(sizes), 2),
        ("update", sizes[0], 1, 1),
        ("update", sum(sizes), 2, 2),
    ]
    assert summary.documents == {"ses": 2} and summary.error is None
