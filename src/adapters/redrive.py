"""Send failed events back to be processed: the operations behind `ses-feedback redrive`.

The feedback DLQ goes back to the feedback queue with an SQS message move task (run by SQS,
followed here until it ends); InboundFunction's on-failure records (Lambda invocation records
in an SQS queue) are re-invoked one by one, each message deleted only after Lambda accepted
its event. ChangeEventsFunction's failed stream batches are replayed by
adapters/stream_replay.py. Both work on boto3 clients the caller builds (the factory, or a
test's Stubber); the pure part, reading an invocation record, is `domain.invocation_record`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from adapters.queue_pass import Outcome, Progress, approximate_count, queue_url_of, run_pass
from domain.invocation_record import (
    NotAnInvocationRecordError,
    function_name_of,
    parse_invocation_record,
)

MAX_MOVE_RATE = 500  # StartMessageMoveTask's MaxNumberOfMessagesPerSecond limit
MOVE_TASK_DONE = frozenset({"COMPLETED", "FAILED", "CANCELLED"})


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
    summary.waiting = approximate_count(sqs, queue_url_of(sqs, dlq_arn))
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
    summary.waiting = approximate_count(sqs, queue_url)
    if dry_run:
        progress(f"inbound DLQ: about {summary.waiting} record(s) would be re-invoked (dry run)")
        return summary
    wanted = function_name_of(function)

    def handle(message: dict[str, Any]) -> Outcome:
        return _reinvoke_one(
            message, lambda_client=lambda_client, function=function, wanted=wanted, summary=summary
        )

    def report(received: int) -> None:
        summary.received = received
        progress(_reinvoke_progress(summary))

    run_pass(
        sqs,
        queue_url,
        handle,
        limit=max_messages,
        wait_seconds=wait_seconds,
        errors=summary.errors,
        # the event went out; the message reappears after the timeout
        delete_failed="delete after invoke: {} (may run twice)",
        report=report,
    )
    return summary


def _reinvoke_one(
    message: Any, *, lambda_client: Any, function: str, wanted: str, summary: ReinvokeSummary
) -> Outcome:
    """done (Lambda accepted the event) | kept | stop (the summary counts why)."""
    try:
        record = parse_invocation_record(message.get("Body", ""))
    except NotAnInvocationRecordError:
        summary.kept_not_a_record += 1
        return "kept"
    if record.function_name != wanted:
        summary.kept_other_function += 1
        return "kept"
    error = _invoke(lambda_client, function, record.payload_bytes())
    if error:
        summary.failed += 1
        summary.errors.append(f"invoke: {error}")
        return "stop"
    summary.reinvoked += 1
    return "done"


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


def _reinvoke_progress(s: ReinvokeSummary) -> str:
    return (
        f"inbound DLQ: received {s.received}, re-invoked {s.reinvoked}, kept "
        f"{s.kept_not_a_record + s.kept_other_function + s.failed}"
    )
