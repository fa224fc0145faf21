"""Replay the stream batches ChangeEventsFunction gave up on: `ses-feedback redrive
change-events`.

The stream mapping's on-failure queue holds descriptions of batches (domain.invocation_record
.StreamBatchRecord), not records. Each batch that names the stack's function and the table's
own stream is read back from the stream (adapters/stream_batches.py, within the stream's 24
hours) and handed to the function by synchronous Invoke, as the mapping does; its message is
deleted only when the function reported no failed record.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from adapters.queue_pass import Outcome, Progress, approximate_count, run_pass
from adapters.stream_batches import StreamRecordsGoneError, read_stream_batch
from domain.invocation_record import (
    NotAnInvocationRecordError,
    StreamBatchRecord,
    function_name_of,
    parse_stream_batch_record,
)

# A synchronous invocation takes at most 6 MB of payload; batches are split below that (a
# batch is processed in order, and a part that fails stops the rest).
MAX_INVOKE_PAYLOAD_BYTES = 5_000_000


@dataclass
class StreamReplaySummary:
    queue_url: str
    function: str
    waiting: int = 0
    received: int = 0
    replayed: int = 0  # messages whose every record the function processed (then deleted)
    records: int = 0  # records handed to the function
    kept_not_a_record: int = 0
    kept_other_function: int = 0
    kept_other_stream: int = 0  # batches of another stream than the table's (never replayed)
    expired: int = 0  # batches whose records the stream no longer holds (kept)
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.expired == 0 and not self.errors


def replay_stream_failures(
    sqs: Any,
    streams: Any,
    lambda_client: Any,
    queue_url: str,
    function: str,
    *,
    stream_arn: str,
    dry_run: bool = False,
    max_messages: int | None = None,
    wait_seconds: int = 1,
    progress: Progress = lambda _line: None,
) -> StreamReplaySummary:
    """For each stream-batch record in `queue_url` that names `function` and `stream_arn`
    (the table's stream: a message pointing elsewhere, whoever queued it, could otherwise make
    the function announce, and delete from SES, what another table holds): read its records
    back from the stream and invoke the function with them synchronously, as the event
    source mapping would; delete the message once the function reported no failed record.
    The function is idempotent (ChangeEventsFunction skips events it already published), so
    records it had processed before are harmless. The pass stops at the first failed
    invocation; a batch whose records have left the stream is kept and counted as expired."""
    summary = StreamReplaySummary(queue_url=queue_url, function=function)
    summary.waiting = approximate_count(sqs, queue_url)
    if dry_run:
        progress(
            f"change-events DLQ: about {summary.waiting} batch(es) would be replayed (dry run)"
        )
        return summary
    wanted = (function_name_of(function), stream_arn)

    def handle(message: dict[str, Any]) -> Outcome:
        return _replay_one(
            message,
            streams=streams,
            lambda_client=lambda_client,
            function=function,
            wanted=wanted,
            summary=summary,
        )

    def report(received: int) -> None:
        summary.received = received
        progress(_replay_progress(summary))

    run_pass(
        sqs,
        queue_url,
        handle,
        limit=max_messages,
        wait_seconds=wait_seconds,
        errors=summary.errors,
        # replayed already; a second replay is harmless
        delete_failed="delete after replay: {} (the batch may be replayed again)",
        report=report,
    )
    return summary


def _replay_one(
    message: Any,
    *,
    streams: Any,
    lambda_client: Any,
    function: str,
    wanted: tuple[str, str],
    summary: StreamReplaySummary,
) -> Outcome:
    """done (every record processed) | kept | stop (the summary counts why). `wanted`:
    (function name, stream ARN) a batch must name."""
    try:
        batch = parse_stream_batch_record(message.get("Body", ""))
    except NotAnInvocationRecordError:
        summary.kept_not_a_record += 1
        return "kept"
    if batch.function_name != wanted[0]:
        summary.kept_other_function += 1
        return "kept"
    if batch.stream_arn != wanted[1]:
        summary.kept_other_stream += 1
        return "kept"
    try:
        records = read_stream_batch(streams, batch)
    except StreamRecordsGoneError as exc:
        summary.expired += 1
        summary.errors.append(f"{_batch_name(batch)}: records no longer in the stream ({exc})")
        return "kept"
    except Exception as exc:  # noqa: BLE001 - a read that fails now fails for the rest too
        summary.failed += 1
        summary.errors.append(f"{_batch_name(batch)}: reading the stream: {exc}")
        return "stop"
    for part in _payload_parts(records):
        error = _invoke_sync(lambda_client, function, part)
        if error:
            summary.failed += 1
            summary.errors.append(f"{_batch_name(batch)}: {error}")
            return "stop"
        summary.records += len(part)
    if batch.batch_size and len(records) < batch.batch_size:
        summary.errors.append(
            f"{_batch_name(batch)}: {len(records)} of {batch.batch_size} records found; kept"
        )
        return "kept"
    summary.replayed += 1
    return "done"


def _batch_name(batch: StreamBatchRecord) -> str:
    return f"batch {batch.first_sequence}..{batch.last_sequence} of {batch.shard_id}"


def _payload_parts(records: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    part: list[dict[str, Any]] = []
    size = 0
    for record in records:
        length = len(json.dumps(record, separators=(",", ":")))
        if part and size + length > MAX_INVOKE_PAYLOAD_BYTES:
            yield part
            part, size = [], 0
        part.append(record)
        size += length
    if part:
        yield part


def _invoke_sync(lambda_client: Any, function: str, records: list[dict[str, Any]]) -> str | None:
    """None when the function processed every record; else what went wrong."""
    from botocore.exceptions import BotoCoreError, ClientError

    payload = json.dumps({"Records": records}, separators=(",", ":")).encode("utf-8")
    try:
        answer = lambda_client.invoke(
            FunctionName=function, InvocationType="RequestResponse", Payload=payload
        )
    except (ClientError, BotoCoreError) as exc:
        return f"invoke: {exc}"
    if answer.get("FunctionError"):
        return f"the function failed ({answer['FunctionError']})"
    body = answer.get("Payload")
    try:
        response = json.loads(body.read() if hasattr(body, "read") else body or b"null")
    except ValueError:
        return "the function's answer is not JSON"
    failures = response.get("batchItemFailures") if isinstance(response, dict) else None
    if failures:
        return f"the function reported {len(failures)} failed record(s)"
    return None


def _replay_progress(s: StreamReplaySummary) -> str:
    return (
        f"change-events DLQ: received {s.received}, replayed {s.replayed} "
        f"({s.records} records), expired {s.expired}, kept "
        f"{s.kept_not_a_record + s.kept_other_function + s.kept_other_stream}, failed {s.failed}"
    )
