"""Import files for SES suppression-list import jobs, in the stack's SesImportBucket.

Each file gets a fresh key under one prefix (no address in the key): the time, the action
and a random id. The bucket encrypts with SSE-S3, which SES reads without a key grant, and
expires the prefix after SesImportRetentionDays; a file is also removed as soon as its job
has finished, since it holds addresses.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from domain.ses_import import ImportAction

DEFAULT_PREFIX = "suppression-list/"


class S3ImportFiles:
    def __init__(
        self,
        bucket: str,
        prefix: str = DEFAULT_PREFIX,
        client: Any = None,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if client is None:
            import boto3

            client = boto3.client("s3")
        self.bucket = bucket
        self.prefix = prefix
        self._client = client
        self._clock = clock

    def write(self, action: ImportAction, body: bytes) -> str:
        stamp = self._clock().strftime("%Y%m%dT%H%M%SZ")
        key = f"{self.prefix}{stamp}-{action.lower()}-{uuid.uuid4().hex}.jsonl"
        self._client.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=body,
            ContentType="application/x-ndjson",
            ServerSideEncryption="AES256",
        )
        return f"s3://{self.bucket}/{key}"

    def remove(self, s3_url: str) -> None:
        """Delete a file this store wrote; any other URL is left alone (never someone
        else's object because SES reported a different source)."""
        key = self.key_of(s3_url)
        if key is not None:
            self._client.delete_object(Bucket=self.bucket, Key=key)

    def key_of(self, s3_url: str) -> str | None:
        head = f"s3://{self.bucket}/"
        if not s3_url.startswith(head):
            return None
        key = s3_url[len(head) :]
        return key if key.startswith(self.prefix) and "/../" not in f"/{key}" else None
