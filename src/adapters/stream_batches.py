"""Read a failed stream batch back from DynamoDB Streams, in the shape Lambda delivers it.

A stream event source mapping that gives up on a batch keeps only its description
(`domain.invocation_record.StreamBatchRecord`); the records themselves stay in the stream for
24 hours. `read_stream_batch` fetches them (GetShardIterator at the first sequence number,
then GetRecords until the last) and turns each into the record Lambda would have handed the
function: `ApproximateCreationDateTime` as epoch seconds rather than a datetime, binary
attribute values as base64 text rather than bytes, and `eventSourceARN` added.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from domain.invocation_record import StreamBatchRecord

# GetRecords returns at most 1,000 records or 1 MB per call; a batch of the mapping holds at
# most 100 records (template.yaml), so a few calls suffice. An open shard may answer empty
# pages before the next records: this bounds the walk.
MAX_GET_RECORDS_CALLS = 50


class StreamRecordsGoneError(Exception):
    """The batch's records are no longer in the stream (older than 24 hours, or the stream
    was replaced): they cannot be read back."""


def read_stream_batch(streams: Any, batch: StreamBatchRecord) -> list[dict[str, Any]]:
    """The batch's records in stream order, Lambda-shaped. Raises StreamRecordsGoneError
    when the stream no longer holds them; may return fewer than `batch.batch_size` records
    when the shard answered nothing more within MAX_GET_RECORDS_CALLS calls."""
    from botocore.exceptions import ClientError

    try:
        iterator = streams.get_shard_iterator(
            StreamArn=batch.stream_arn,
            ShardId=batch.shard_id,
            ShardIteratorType="AT_SEQUENCE_NUMBER",
            SequenceNumber=batch.first_sequence,
        )["ShardIterator"]
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in ("TrimmedDataAccessException", "ResourceNotFoundException"):
            raise StreamRecordsGoneError(code) from None
        raise
    last = int(batch.last_sequence)
    found: list[dict[str, Any]] = []
    for _ in range(MAX_GET_RECORDS_CALLS):
        page = streams.get_records(ShardIterator=iterator, Limit=1000)
        for record in page.get("Records", []):
            if int(record["dynamodb"]["SequenceNumber"]) > last:
                return [lambda_shaped(r, batch.stream_arn) for r in found]
            found.append(record)
        iterator = page.get("NextShardIterator")
        if not iterator or (batch.batch_size and len(found) >= batch.batch_size):
            break
    if not found:
        raise StreamRecordsGoneError("no record left between the batch's sequence numbers")
    return [lambda_shaped(r, batch.stream_arn) for r in found]


def lambda_shaped(record: Mapping[str, Any], stream_arn: str) -> dict[str, Any]:
    """One GetRecords record as a DynamoDB stream event record of Lambda."""
    shaped = {key: _json_ready(value) for key, value in record.items()}
    shaped["eventSourceARN"] = stream_arn
    return shaped


def _json_ready(value: Any) -> Any:
    if isinstance(value, datetime):
        return int(value.timestamp())
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, Mapping):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    return value
