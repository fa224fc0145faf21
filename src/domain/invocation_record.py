"""Lambda's asynchronous-invocation records, as its on-failure destination stores them.

When an asynchronous invocation fails after its retries, Lambda sends the destination (here an
SQS queue) one JSON document: `version`, `timestamp`, `requestContext` (`requestId`,
`functionArn`, `condition` such as RetriesExhausted or EventAgeExceeded,
`approximateInvokeCount`), `requestPayload` (the event exactly as the function received it),
and `responseContext` / `responsePayload` (what the last attempt answered). Re-invoking the
function with `requestPayload` gives it the same event again.

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
    try:
        document = json.loads(body)
    except (ValueError, TypeError):
        raise NotAnInvocationRecordError("body is not JSON") from None
    if not isinstance(document, dict):
        raise NotAnInvocationRecordError("body is not a JSON object")
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
