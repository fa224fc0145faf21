"""Send failed events back to be processed: the operations behind `ses-feedback redrive`.

The feedback DLQ goes back to the feedback queue with an SQS message move task (run by SQS,
followed here until it ends); InboundFunction's on-failure records (Lambda invocation records
in an SQS queue) are re-invoked one by one, each message deleted only after Lambda accepted
its event; ChangeEventsFunction's on-failure records (descriptions of stream batches) have
their records read back from the stream and handed to the function again, each message
deleted only after the function processed every record. All work on boto3 clients the caller
builds (the factory, or a test's Stubber or fake); the pure part, reading the records, is
`domain.invocation_record`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from adapters.stream_batches import StreamRecordsGoneError, read_stream_batch
from domain.invocation_record import (
    NotAnInvocationRecordError,
    StreamBatchRecord,
    function_name_of,
    parse_invocation_record,
    parse_stream_batch_record,
)

# While a redrive pass runs, the messages it has seen stay invisible, so it sees each once;
# long enough for a slow pass, and whatever is kept is made visible again at the end.
PASS_VISIBILITY_SECONDS = 300
MAX_MOVE_RATE = 500  # StartMessageMoveTask's MaxNumberOfMessagesPerSecond limit
MOVE_TASK_DONE = frozenset({"COMPLETED", "FAILED", "CANCELLED"})

Progress = Callable[[str], None]


# --- the feedback DLQ: an SQS message move task ------------------------------------------------


@dataclass
class MoveSummary:
    source_arn: str
    destination_arn: str
    waiting: int = 0  # approximate, before the task
    task_handle: str | None = None
    status: str = "NOT_STARTED"
    moved: int = 0
    to_move: int = 0
    failure_reason: str | None = None
    followed_existing_task: bool = False

    @property
    def ok(self) -> bool:
        return self.status in ("COMPLETED", "NOT_STARTED", "RUNNING") and not self.failure_reason


def redrive_feedback(
    sqs: Any,
    dlq_arn: str,
    queue_arn: str,
    *,
    dry_run: bool = False,
    wait: bool = True,
    rate: int | None = None,
    poll_seconds: float = 5.0,
    progress: Progress = lambda _line: None,
    sleep: Callable[[float], None] = time.sleep,
) -> MoveSummary:
    """Move the feedback DLQ back to the feedback queue with an SQS message move task.

    The destination is always named: the DLQ also receives FeedbackFunction's own on-failure
    records (direct SNS invocations), which have no source queue to return to.
    """
    summary = MoveSummary(source_arn=dlq_arn, destination_arn=queue_arn)
    summary.waiting = _approximate_count(sqs, queue_url_of(sqs, dlq_arn))
    latest = _latest_move_task(sqs, dlq_arn)
    running = latest is not None and latest.get("Status") == "RUNNING"
    if dry_run:
        if running and latest is not None:
            _copy_task(summary, latest)
            summary.followed_existing_task = True
        progress(f"feedback DLQ: about {summary.waiting} message(s) would be moved (dry run)")
        return summary
    if running and latest is not None:
        progress("feedback DLQ: a move task is already running; following it")
        summary.followed_existing_task = True
        _copy_task(summary, latest)
    elif summary.waiting == 0:
        progress("feedback DLQ: empty, nothing to move")
        return summary
    else:
        request: dict[str, Any] = {"SourceArn": dlq_arn, "DestinationArn": queue_arn}
        if rate is not None:
            request["MaxNumberOfMessagesPerSecond"] = rate
        summary.task_handle = sqs.start_message_move_task(**request)["TaskHandle"]
        summary.status = "RUNNING"
        progress(f"feedback DLQ: move task started for about {summary.waiting} message(s)")
    if not wait:
        return summary
    while summary.status not in MOVE_TASK_DONE:
        sleep(poll_seconds)
        task = _latest_move_task(sqs, dlq_arn)
        if task is None:  # cannot happen once a task started; do not spin on it
            summary.failure_reason = "the move task is no longer listed"
            break
        _copy_task(summary, task)
        progress(
            f"feedback DLQ: {summary.status.lower()}, moved {summary.moved} of about "
            f"{summary.to_move}"
        )
    return summary


def _latest_move_task(sqs: Any, dlq_arn: str) -> dict[str, Any] | None:
    """The most recent move task of this DLQ (ListMessageMoveTasks lists newest first)."""
    results = sqs.list_message_move_tasks(SourceArn=dlq_arn, MaxResults=1).get("Results", [])
    return dict(results[0]) if results else None


def _copy_task(summary: MoveSummary, task: dict[str, Any]) -> None:
    summary.status = str(task.get("Status", "UNKNOWN"))
    # a task someone else started may move elsewhere: report where it really goes
    summary.destination_arn = task.get("DestinationArn", summary.destination_arn)
    summary.task_handle = task.get("TaskHandle", summary.task_handle)
    summary.moved = int(task.get("ApproximateNumberOfMessagesMoved", 0))
    summary.to_move = int(task.get("ApproximateNumberOfMessagesToMove", summary.to_move))
    summary.failure_reason = task.get("FailureReason") or None


# --- the inbound DLQ: Lambda invocation records, re-invoked --------------------------------------


@dataclass
class ReinvokeSummary:
    queue_url: str
    function: str
    waiting: int = 0  # approximate, before the pass
    received: int = 0
    reinvoked: int = 0
    kept_not_a_record: int = 0
    kept_other_function: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.failed == 0 and not self.errors


def reinvoke_failed_events(
    sqs: Any,
    lambda_client: Any,
    queue_url: str,
    function: str,
    *,
    dry_run: bool = False,
    max_messages: int | None = None,
    wait_seconds: int = 1,
    progress: Progress = lambda _line: None,
) -> ReinvokeSummary:
    """Re-invoke `function` (asynchronously) with the original event of each invocation record
    in `queue_url`; delete a message only after Lambda accepted its event (202). The pass stops
    at the first failed invoke: what causes one (permissions, a missing function, throttling)
    would fail the rest too. Messages kept are made visible again before returning."""
    summary = ReinvokeSummary(queue_url=queue_url, function=function)
    summary.waiting = _approximate_count(sqs, queue_url)
    if dry_run:
        progress(f"inbound DLQ: about {summary.waiting} record(s) would be re-invoked (dry run)")
        return summary
    wanted = function_name_of(function)
    kept: list[str] = []  # receipt handles to make visible again
    try:
        for batch in _receive_batches(sqs, queue_url, max_messages, wait_seconds):
            summary.received += len(batch)
            for index, message in enumerate(batch):
                outcome, why = _reinvoke_one(
                    message,
                    sqs=sqs,
                    lambda_client=lambda_client,
                    queue_url=queue_url,
                    function=function,
                    wanted=wanted,
                )
                if outcome in ("reinvoked", "delete-failed"):
                    summary.reinvoked += 1
                    if why:  # the event went out; the message reappears after the timeout
                        summary.errors.append(f"delete after invoke: {why} (may run twice)")
                    continue
                kept.append(message["ReceiptHandle"])
                if outcome == "not-a-record":
                    summary.kept_not_a_record += 1
                elif outcome == "other-function":
                    summary.kept_other_function += 1
                else:  # a failed invoke: stop, and give back the rest of the batch untouched
                    summary.failed += 1
                    summary.errors.append(f"invoke: {why}")
                    kept.extend(m["ReceiptHandle"] for m in batch[index + 1 :])
                    return summary
            if summary.received % 100 < len(batch):  # about every 100 messages
                progress(_reinvoke_progress(summary))
    finally:
        _make_visible(sqs, queue_url, kept, summary.errors)
        progress(_reinvoke_progress(summary))
    return summary


def _reinvoke_one(
    message: Any, *, sqs: Any, lambda_client: Any, queue_url: str, function: str, wanted: str
) -> tuple[str, str]:
    """(reinvoked | not-a-record | other-function | invoke-failed | delete-failed, why)"""
    try:
        record = parse_invocation_record(message.get("Body", ""))
    except NotAnInvocationRecordError:
        return "not-a-record", ""
    if record.function_name != wanted:
        return "other-function", ""
    error = _invoke(lambda_client, function, record.payload_bytes())
    if error:
        return "invoke-failed", error
    try:
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    except Exception as exc:  # noqa: BLE001 - the event was sent; report it and go on
        return "delete-failed", str(exc)
    return "reinvoked", ""


def _receive_batches(
    sqs: Any, queue_url: str, limit: int | None, wait_seconds: int
) -> Iterator[list[dict[str, Any]]]:
    """Every message once: received ones stay invisible for the pass, and an empty long
    poll (which asks every SQS server, unlike a short one) ends it."""
    seen = 0
    while limit is None or seen < limit:
        batch = min(10, limit - seen) if limit is not None else 10
        messages = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=batch,
            VisibilityTimeout=PASS_VISIBILITY_SECONDS,
            WaitTimeSeconds=wait_seconds,
        ).get("Messages", [])
        if not messages:
            return
        seen += len(messages)
        yield list(messages)


def _invoke(lambda_client: Any, function: str, payload: bytes) -> str | None:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        answer = lambda_client.invoke(
            FunctionName=function, InvocationType="Event", Payload=payload
        )
    except (ClientError, BotoCoreError) as exc:
        return str(exc)
    status = answer.get("StatusCode")
    if status != 202:
        return f"Lambda answered status {status}, not 202 (accepted)"
    return None


def _make_visible(sqs: Any, queue_url: str, handles: list[str], errors: list[str]) -> None:
    for start in range(0, len(handles), 10):
        entries = [
            {"Id": str(i), "ReceiptHandle": h, "VisibilityTimeout": 0}
            for i, h in enumerate(handles[start : start + 10])
        ]
        try:
            failed = sqs.change_message_visibility_batch(QueueUrl=queue_url, Entries=entries).get(
                "Failed", []
            )
        except Exception as exc:  # noqa: BLE001 - they reappear after the timeout anyway
            errors.append(f"release kept messages: {exc}")
            continue
        if failed:
            errors.append(
                f"{len(failed)} kept message(s) stay invisible for up to {PASS_VISIBILITY_SECONDS}s"
            )


def _reinvoke_progress(s: ReinvokeSummary) -> str:
    return (
        f"inbound DLQ: received {s.received}, re-invoked {s.reinvoked}, kept "
        f"{s.kept_not_a_record + s.kept_other_function + s.failed}"
    )


# --- change events: stream batches read back and handed to the function again ---------------------

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
    summary.waiting = _approximate_count(sqs, queue_url)
    if dry_run:
        progress(
            f"change-events DLQ: about {summary.waiting} batch(es) would be replayed (dry run)"
        )
        return summary
    wanted = function_name_of(function)
    kept: list[str] = []
    try:
        for batch in _receive_batches(sqs, queue_url, max_messages, wait_seconds):
            summary.received += len(batch)
            for index, message in enumerate(batch):
                outcome = _replay_one(
                    message,
                    streams=streams,
                    lambda_client=lambda_client,
                    function=function,
                    wanted=(wanted, stream_arn),
                    summary=summary,
                )
                if outcome == "replayed":
                    _delete(sqs, queue_url, message, summary)
                    continue
                kept.append(message["ReceiptHandle"])
                if outcome == "failed":  # stop, and give back the rest of the batch untouched
                    kept.extend(m["ReceiptHandle"] for m in batch[index + 1 :])
                    return summary
    finally:
        _make_visible(sqs, queue_url, kept, summary.errors)
        progress(_replay_progress(summary))
    return summary


def _replay_one(
    message: Any,
    *,
    streams: Any,
    lambda_client: Any,
    function: str,
    wanted: tuple[str, str],
    summary: StreamReplaySummary,
) -> str:
    """replayed | kept | failed (the summary counts why). `wanted`: (function name, stream
    ARN) a batch must name."""
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
        return "failed"
    for part in _payload_parts(records):
        error = _invoke_sync(lambda_client, function, part)
        if error:
            summary.failed += 1
            summary.errors.append(f"{_batch_name(batch)}: {error}")
            return "failed"
        summary.records += len(part)
    if batch.batch_size and len(records) < batch.batch_size:
        summary.errors.append(
            f"{_batch_name(batch)}: {len(records)} of {batch.batch_size} records found; kept"
        )
        return "kept"
    summary.replayed += 1
    return "replayed"


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


def _delete(sqs: Any, queue_url: str, message: Any, summary: StreamReplaySummary) -> None:
    try:
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    except Exception as exc:  # noqa: BLE001 - replayed already; a second replay is harmless
        summary.errors.append(f"delete after replay: {exc} (the batch may be replayed again)")


def _replay_progress(s: StreamReplaySummary) -> str:
    return (
        f"change-events DLQ: received {s.received}, replayed {s.replayed} "
        f"({s.records} records), expired {s.expired}, kept "
        f"{s.kept_not_a_record + s.kept_other_function + s.kept_other_stream}, failed {s.failed}"
    )


# --- shared -------------------------------------------------------------------------------------


def queue_url_of(sqs: Any, queue_arn: str) -> str:
    """arn:aws:sqs:REGION:ACCOUNT:NAME -> its URL (GetQueueUrl)."""
    parts = queue_arn.split(":")
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "sqs":
        raise ValueError(f"not an SQS queue ARN: {queue_arn!r}")
    url: str = sqs.get_queue_url(QueueName=parts[5], QueueOwnerAWSAccountId=parts[4])["QueueUrl"]
    return url


def queue_arn_of(sqs: Any, queue_url: str) -> str:
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    return str(attributes["Attributes"]["QueueArn"])


def _approximate_count(sqs: Any, queue_url: str) -> int:
    """Visible plus in-flight messages (SQS's figures are approximate)."""
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=names)["Attributes"]
    return sum(int(attributes.get(name, 0)) for name in names)
