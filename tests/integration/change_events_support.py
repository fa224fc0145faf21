"""The change-event pipeline on the embedded emulator, shared by its tests: a recording
EventBridge client and a reader of SuppressionTable's moto stream (the `change_env` fixture in
tests/integration/conftest.py wires them to the handler's factory).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any


class RecordingEvents:
    """An EventBridge client that keeps every entry it accepted and can refuse entries: the
    next `refuse` entries put get ErrorCode InternalFailure (or those whose detail matches
    `refuse_change`)."""

    def __init__(self) -> None:
        self.accepted: list[dict[str, Any]] = []
        self.requests = 0
        self.refuse = 0
        self.refuse_change: str | None = None

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        assert 1 <= len(Entries) <= 10
        self.requests += 1
        results = []
        for entry in Entries:
            change = json.loads(entry["Detail"])["change"]
            if self.refuse > 0 or change == self.refuse_change:
                self.refuse = max(0, self.refuse - 1)
                results.append({"ErrorCode": "InternalFailure", "ErrorMessage": "try again"})
            else:
                self.accepted.append(entry)
                results.append({"EventId": f"eb-{len(self.accepted)}"})
        failed = sum(1 for r in results if "ErrorCode" in r)
        return {"FailedEntryCount": failed, "Entries": results}

    def details(self) -> list[dict[str, Any]]:
        return [json.loads(e["Detail"]) for e in self.accepted]


class Stream:
    """Reads SuppressionTable's stream on the emulator from where the last read stopped."""

    def __init__(self, table: str) -> None:
        import boto3

        self.arn = boto3.client("dynamodb").describe_table(TableName=table)["Table"][
            "LatestStreamArn"
        ]
        self.client = boto3.client("dynamodbstreams")
        shards = self.client.describe_stream(StreamArn=self.arn)["StreamDescription"]["Shards"]
        self.shard_id = shards[0]["ShardId"]
        self.iterator = self.client.get_shard_iterator(
            StreamArn=self.arn, ShardId=self.shard_id, ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]

    def batch(self) -> dict[str, Any]:
        """The new records, as Lambda hands them to the function."""
        page = self.client.get_records(ShardIterator=self.iterator)
        self.iterator = page["NextShardIterator"]
        records = json.loads(json.dumps(page["Records"], default=_epoch))
        return {"Records": records}


def _epoch(value: Any) -> Any:
    if isinstance(value, datetime):
        return int(value.timestamp())
    raise TypeError(type(value))
