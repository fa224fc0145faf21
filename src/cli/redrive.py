"""``ses-feedback redrive [feedback|inbound|change-events|all]``: send failed events back.

feedback  The feedback DLQ (SQS records that failed FeedbackFunction maxReceiveCount times)
          goes back to the feedback queue with an SQS message move task, run by SQS itself;
          the command follows its progress (ListMessageMoveTasks) until it ends (--no-wait:
          start it and return). One task per DLQ at a time: a task already running is
          followed, not duplicated.
inbound   InboundFunction's on-failure destination (an SQS queue of Lambda invocation
          records) is read; each record's original event is sent to the function again
          (asynchronous Invoke), and the message is deleted only after Lambda accepted it.
          Messages that are not invocation records of that function stay in the queue.
change-events
          ChangeEventsFunction's on-failure queue holds descriptions of stream batches
          (shard, first and last sequence number), not the records: each batch's records are
          read back from SuppressionTable's stream and handed to the function again
          (synchronous Invoke, as the stream mapping does), and the message is deleted only
          when the function reported no failed record. The stream keeps records 24 hours:
          an older batch is reported as expired and kept (then compare consumers with the
          table, and run `ses-sync --reconcile` for SES's list).

Queues and functions come from the stack's outputs (--stack), or from --dlq-arn/--queue-arn
(feedback), --inbound-dlq-url/--function (inbound) and --change-events-dlq-url/
--change-events-function/--stream-arn (change-events: only batches of the table's own stream
are replayed). --dry-run counts what is waiting and
changes nothing. Progress goes to stderr, the summary to stdout (--json: one JSON object).
The policy is idempotent, so redriving an event that was in fact applied changes nothing;
ChangeEventsFunction skips the events it published already.

Exit status: 0 when everything waiting was sent back; 1 when something failed (a move task
failed or was cancelled, an invoke or delete failed, a stream batch expired) or cannot be
resolved.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import asdict
from typing import Any, TextIO

from adapters.queue_pass import queue_arn_of
from adapters.redrive import MAX_MOVE_RATE, redrive_feedback, reinvoke_failed_events
from adapters.stream_replay import replay_stream_failures

EXIT_OK = 0
EXIT_FAILED = 1
DEFAULT_STACK = "ses-feedback-dev"


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "redrive",
        help="send failed events back: feedback DLQ, inbound and change-events failures",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "target",
        nargs="?",
        choices=("feedback", "inbound", "change-events", "all"),
        default="all",
        help="which dead-letter queue (default: all)",
    )
    p.add_argument("--stack", default=DEFAULT_STACK, help=f"stack to read ({DEFAULT_STACK})")
    p.add_argument("--dry-run", action="store_true", help="count what waits; change nothing")
    p.add_argument("--json", action="store_true", help="summary as one JSON object")
    feedback = p.add_argument_group("feedback")
    feedback.add_argument("--dlq-arn", help="feedback DLQ ARN (default: stack outputs)")
    feedback.add_argument("--queue-arn", help="feedback queue ARN (default: stack outputs)")
    feedback.add_argument(
        "--rate",
        type=_move_rate,
        metavar="N",
        help="messages per second the move task may move (1-500; default: SQS picks)",
    )
    feedback.add_argument(
        "--no-wait", action="store_true", help="start the move task and return at once"
    )
    feedback.add_argument(
        "--poll-seconds", type=float, default=5.0, help="how often to report the move task"
    )
    inbound = p.add_argument_group("inbound")
    inbound.add_argument("--inbound-dlq-url", help="inbound DLQ URL (default: stack outputs)")
    inbound.add_argument("--function", help="function to re-invoke (default: stack outputs)")
    inbound.add_argument(
        "--max-messages",
        type=_positive_int,
        metavar="N",
        help="stop after N messages (inbound and change-events, each)",
    )
    changes = p.add_argument_group("change-events")
    changes.add_argument(
        "--change-events-dlq-url", help="change-events DLQ URL (default: stack outputs)"
    )
    changes.add_argument(
        "--change-events-function", help="function to hand the batches (default: stack outputs)"
    )
    changes.add_argument(
        "--stream-arn",
        help="the table's stream; batches of any other are kept (default: stack outputs)",
    )
    p.set_defaults(func=run)


def _move_rate(text: str) -> int:
    value = _positive_int(text)
    if value > MAX_MOVE_RATE:
        raise argparse.ArgumentTypeError(f"SQS moves at most {MAX_MOVE_RATE} messages/s")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


# --- the command --------------------------------------------------------------------------------


def run(args: argparse.Namespace, clients: Any = None) -> int:
    """`clients(service_name)` builds boto3 clients (tests pass their own)."""
    make = clients or _aws_client
    sqs = make("sqs")
    stderr = sys.stderr

    def progress(line: str) -> None:
        print(line, file=stderr, flush=True)

    report: dict[str, Any] = {"dry_run": bool(args.dry_run)}
    ok = True
    if args.target in ("feedback", "all"):
        dlq_arn, queue_arn = _feedback_queues(args, sqs, make)
        moved = redrive_feedback(
            sqs,
            dlq_arn,
            queue_arn,
            dry_run=args.dry_run,
            wait=not args.no_wait,
            rate=args.rate,
            poll_seconds=args.poll_seconds,
            progress=progress,
        )
        report["feedback"] = asdict(moved)
        ok = ok and moved.ok
    if args.target in ("inbound", "all"):
        queue_url = args.inbound_dlq_url or _output(args, make, "InboundDeadLetterQueueUrl")
        function = args.function or _output(args, make, "InboundFunctionName")
        reinvoked = reinvoke_failed_events(
            sqs,
            make("lambda"),
            queue_url,
            function,
            dry_run=args.dry_run,
            max_messages=args.max_messages,
            progress=progress,
        )
        report["inbound"] = asdict(reinvoked)
        ok = ok and reinvoked.ok
    if args.target in ("change-events", "all"):
        replayed = replay_stream_failures(
            sqs,
            make("dynamodbstreams"),
            make("lambda"),
            args.change_events_dlq_url or _output(args, make, "ChangeEventsDeadLetterQueueUrl"),
            args.change_events_function or _output(args, make, "ChangeEventsFunctionName"),
            stream_arn=args.stream_arn or _output(args, make, "SuppressionTableStreamArn"),
            dry_run=args.dry_run,
            max_messages=args.max_messages,
            progress=progress,
        )
        report["change_events"] = asdict(replayed)
        ok = ok and replayed.ok
    _print_summary(report, args.json, sys.stdout)
    return EXIT_OK if ok else EXIT_FAILED


def _aws_client(service: str) -> Any:
    from adapters import factory

    return factory.aws_client(service)


def _output(args: argparse.Namespace, make: Callable[[str], Any], key: str) -> str:
    from adapters.stack_outputs import stack_output

    return stack_output(args.stack, key, client=make("cloudformation"))


def _feedback_queues(
    args: argparse.Namespace, sqs: Any, make: Callable[[str], Any]
) -> tuple[str, str]:
    """The template outputs the queues' URLs; a move task takes ARNs (one GetQueueAttributes
    each, unless given)."""
    dlq_arn = args.dlq_arn or queue_arn_of(sqs, _output(args, make, "FeedbackDeadLetterQueueUrl"))
    queue_arn = args.queue_arn or queue_arn_of(sqs, _output(args, make, "FeedbackQueueUrl"))
    return dlq_arn, queue_arn


def _print_summary(report: dict[str, Any], as_json: bool, out: TextIO) -> None:
    if as_json:
        print(json.dumps(report, sort_keys=True), file=out)
        return
    dry_run = report["dry_run"]
    note = " (dry run: nothing changed)" if dry_run else ""
    lines: list[str] = []
    if report.get("feedback"):
        lines.append(
            f"feedback DLQ -> feedback queue: {_feedback_line(report['feedback'], dry_run)}{note}"
        )
    for key, describe in (("inbound", _inbound_line), ("change_events", _change_events_line)):
        part = report.get(key)
        if part:
            queue = "inbound DLQ" if key == "inbound" else "change-events DLQ"
            lines.append(f"{queue} -> {part['function']}: {describe(part, dry_run)}{note}")
            lines.extend(f"  error: {error}" for error in part["errors"])
    for line in lines:
        print(line, file=out)


def _feedback_line(feedback: dict[str, Any], dry_run: bool) -> str:
    if dry_run:
        line = f"about {feedback['waiting']} message(s) waiting"
    else:
        line = (
            f"move task {feedback['status'].lower()}, moved {feedback['moved']} of about "
            f"{feedback['to_move'] or feedback['waiting']}"
        )
    if feedback["failure_reason"]:
        line += f"; failure: {feedback['failure_reason']}"
    return line


def _inbound_line(inbound: dict[str, Any], dry_run: bool) -> str:
    if dry_run:
        return f"about {inbound['waiting']} record(s) waiting"
    return (
        f"re-invoked {inbound['reinvoked']} of {inbound['received']} received; kept "
        f"{inbound['kept_not_a_record']} not invocation records, "
        f"{inbound['kept_other_function']} of another function, "
        f"{inbound['failed']} failed"
    )


def _change_events_line(changes: dict[str, Any], dry_run: bool) -> str:
    if dry_run:
        return f"about {changes['waiting']} batch(es) waiting"
    return (
        f"replayed {changes['replayed']} of {changes['received']} received "
        f"({changes['records']} records); {changes['expired']} expired, kept "
        f"{changes['kept_not_a_record']} not stream-batch records, "
        f"{changes['kept_other_function']} of another function, "
        f"{changes['kept_other_stream']} of another stream, {changes['failed']} failed"
    )
