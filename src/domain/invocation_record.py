"""Lambda's asynchronous-invocation records, as its on-failure destination stores them.

When an asynchronous invocation fails after its retries, Lambda sends the destination (here an
SQS queue) one JSON document: `version`, `timestamp`, `requestContext` (`requestId`,
`functionArn`, `condition` such as RetriesExhausted or EventAgeExceeded,
`approximateInvokeCount`), `requestPayload` (the event exactly as the function received it),
and `responseContext` / `responsePayload` (what the last attempt answered). Re-invoking the
function with `requestPayload` gives it the same event again.

A stream event source mapping (SuppressionTable's stream -> ChangeEventsFunction) that gives
up on a batch sends a different document: the same `requestContext`, but instead of the event
a `DDBStreamBatchInfo` object that says where the batch is (`streamArn`, `shardId`, first and
last `SequenceNumber`, `batchSize`). The records stay in the stream, for 24 hours only.

Pure: reads a message body, performs no I/O.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


class NotAnInvocationRecordError(ValueError):
    """The body is not a Lambda invocation record (the message says why, without content)."""


@dataclass(frozen=True, slots=True)
class InvocationRecord:
    function_arn: str
    request_id: str
    condition: str
    payload: Any  # the original event: any JSON value

    @property
    def function_name(self) -> str:
        return function_name_of(self.function_arn)

    def payload_bytes(self) -> bytes:
        """The event as Lambda's Invoke API takes it (JSON)."""
        return json.dumps(self.payload, separators=(",", ":")).encode("utf-8")


def function_name_of(name_or_arn: str) -> str:
    """`arn:aws:lambda:region:account:function:NAME[:qualifier]` -> NAME; a name stays as is."""
    parts = name_or_arn.split(":")
    if len(parts) >= 7 and parts[0] == "arn" and parts[5] == "function":
        return parts[6]
    return name_or_arn


def parse_invocation_record(body: str) -> InvocationRecord:
    document = _json_object(body)
    context = document.get("requestContext")
    if not isinstance(context, dict):
        raise NotAnInvocationRecordError("no requestContext object")
    function_arn = context.get("functionArn")
    if not isinstance(function_arn, str) or not function_arn:
        raise NotAnInvocationRecordError("requestContext has no functionArn")
    if "requestPayload" not in document:
        raise NotAnInvocationRecordError("no requestPayload")
    return InvocationRecord(
        function_arn=function_arn,
        request_id=str(context.get("requestId") or ""),
        condition=str(context.get("condition") or ""),
        payload=document["requestPayload"],
    )


@dataclass(frozen=True, slots=True)
class StreamBatchRecord:
    """Where a stream batch that failed all its retries is: its records are read back from
    the stream (between the two sequence numbers, both included)."""

    function_arn: str
    condition: str
    stream_arn: str
    shard_id: str
    first_sequence: str
    last_sequence: str
    batch_size: int

    @property
    def function_name(self) -> str:
        return function_name_of(self.function_arn)


def parse_stream_batch_record(body: str) -> StreamBatchRecord:
    document = _json_object(body)
    context = document.get("requestContext")
    info = document.get("DDBStreamBatchInfo")
    if not isinstance(context, dict) or not isinstance(info, dict):
        raise NotAnInvocationRecordError("no requestContext or DDBStreamBatchInfo object")
    fields = {
        key: info.get(key)
        for key in ("streamArn", "shardId", "startSequenceNumber", "endSequenceNumber")
    }
    function_arn = context.get("functionArn")
    if not isinstance(function_arn, str) or not function_arn:
        raise NotAnInvocationRecordError("requestContext has no functionArn")
    missing = sorted(k for k, v in fields.items() if not isinstance(v, str) or not v)
    if missing:
        raise NotAnInvocationRecordError(f"DDBStreamBatchInfo lacks {', '.join(missing)}")
    first, last = fields["startSequenceNumber"], fields["endSequenceNumber"]
    assert isinstance(first, str) and isinstance(last, str)  # checked above
    if not (first.isdigit() and last.isdigit()) or int(first) > int(last):
        raise NotAnInvocationRecordError("DDBStreamBatchInfo has no usable sequence range")
    size = info.get("batchSize")
    return StreamBatchRecord(
        function_arn=function_arn,
        condition=str(context.get("condition") or ""),
        stream_arn=str(fields["streamArn"]),
        shard_id=str(fields["shardId"]),
        first_sequence=first,
        last_sequence=last,
        batch_size=size if isinstance(size, int) and size > 0 else 0,
    )


def _json_object(body: str) -> dict[str, Any]:
    try:
        document = json.loads(body)
    except (ValueError, TypeError):
        raise NotAnInvocationRecordError("body is not JSON") from None
    if not isinstance(document, dict):
        raise NotAnInvocationRecordError("body is not a JSON object")
    return document
