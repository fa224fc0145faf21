"""Test doubles shared through conftest.py."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import replace

from cli.local_env import LocalSendingControl, LocalSesSuppressionList
from domain.policy import SuppressionRecord
from domain.service import ConcurrentUpdateError


class InMemoryRepository:
    """The SuppressionRepository port in memory, with the same version semantics as DynamoDB.

    `interfere` lets a test make another writer win the next N saves, to exercise retries.
    """

    def __init__(self) -> None:
        self.records: dict[str, SuppressionRecord] = {}
        self.reads = 0
        self.batch_reads = 0
        self.writes = 0
        self.interfere = 0
        self._lock = threading.Lock()

    def get(self, address: str) -> SuppressionRecord | None:
        self.reads += 1
        return self.records.get(address)

    def get_many(self, addresses: Iterable[str]) -> Mapping[str, SuppressionRecord]:
        self.batch_reads += 1
        return {a: self.records[a] for a in addresses if a in self.records}

    def save(self, record: SuppressionRecord, expected_version: int | None) -> None:
        with self._lock:
            current = self.records.get(record.address)
            if self.interfere:
                self.interfere -= 1
                raise ConcurrentUpdateError(record.address)
            current_version = current.version if current is not None else None
            if current_version != expected_version:
                raise ConcurrentUpdateError(record.address)
            self.writes += 1
            self.records[record.address] = replace(record, version=(expected_version or 0) + 1)


# The in-memory SES list lives with the demo's other stand-ins; tests use it under this name.
FakeSesList = LocalSesSuppressionList


def stubbed_client(service: str):
    """A botocore client that can never reach a network, and its Stubber (for the APIs the
    emulator lacks, and for exact request/response checks)."""
    import boto3
    from botocore.stub import Stubber

    client = boto3.client(
        service,
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        endpoint_url="http://127.0.0.1:9",
    )
    return client, Stubber(client)


FakeSendingControl = LocalSendingControl
