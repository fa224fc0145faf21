"""One pass over a dead-letter queue, as the redrive operations read them.

Each message is received once (it stays invisible for the pass), those the pass keeps are
made visible again at the end, and an empty long poll ends the pass. `run_pass` is the loop
the inbound re-invoke (adapters/redrive.py) and the stream-batch replay
(adapters/stream_replay.py) share: each says only what to do with one message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Literal

# While a redrive pass runs, the messages it has seen stay invisible, so it sees each once;
# long enough for a slow pass, and whatever is kept is made visible again at the end.
PASS_VISIBILITY_SECONDS = 300

Progress = Callable[[str], None]

#: What a pass does with a message after its handler: delete it (done), give it back at the
#: end of the pass (kept), or give it back and end the pass (stop: what failed would fail
#: the rest too, so the rest of its batch is given back untouched).
Outcome = Literal["done", "kept", "stop"]


def run_pass(
    sqs: Any,
    queue_url: str,
    handle: Callable[[dict[str, Any]], Outcome],
    *,
    limit: int | None,
    wait_seconds: int,
    errors: list[str],
    delete_failed: str,
    report: Callable[[int], None],
) -> None:
    """Receive every message once and act on `handle`'s answer for each, in order. A delete
    that fails after the message was handled is noted in `errors` (`delete_failed`, with
    `{}` for the error, says what that means). `report(received)` is called about every 100
    messages and once at the end, after the kept messages were made visible again."""
    kept: list[str] = []  # receipt handles to make visible again
    received = 0
    try:
        for batch in receive_batches(sqs, queue_url, limit, wait_seconds):
            received += len(batch)
            for index, message in enumerate(batch):
                outcome = handle(message)
                if outcome == "done":
                    try:
                        sqs.delete_message(
                            QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"]
                        )
                    except Exception as exc:  # noqa: BLE001 - handled already: say so, go on
                        errors.append(delete_failed.format(exc))
                    continue
                kept.append(message["ReceiptHandle"])
                if outcome == "stop":
                    kept.extend(m["ReceiptHandle"] for m in batch[index + 1 :])
                    return
            if received % 100 < len(batch):  # about every 100 messages
                report(received)
    finally:
        make_visible(sqs, queue_url, kept, errors)
        report(received)


def receive_batches(
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


def make_visible(sqs: Any, queue_url: str, handles: list[str], errors: list[str]) -> None:
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


def approximate_count(sqs: Any, queue_url: str) -> int:
    """Visible plus in-flight messages (SQS's figures are approximate)."""
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=names)["Attributes"]
    return sum(int(attributes.get(name, 0)) for name in names)
