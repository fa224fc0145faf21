"""Reading archived feedback for replay: local files or the Firehose archive in S3.

Objects are listed first (so progress can be shown by bytes), then read one at a time and
gunzipped when they start with the gzip magic (Firehose writes GZIP objects). With a
`since` date, objects under a Hive-style `dt=YYYY-MM-DD/` partition or a
`processing-failed/YYYY/MM/DD/` prefix older than that day are not downloaded at all.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

_GZIP_MAGIC = b"\x1f\x8b"
_DT_PARTITION = re.compile(r"(?:^|/)dt=(\d{4})-(\d{2})-(\d{2})/")
_DATED_PREFIX = re.compile(r"(?:^|/)processing-failed/(\d{4})/(\d{2})/(\d{2})/")


class ArchiveError(RuntimeError):
    """The archive location cannot be read (message names it)."""


@dataclass(frozen=True, slots=True)
class ArchiveObject:
    name: str  # path or s3://bucket/key
    size: int


def decompress(data: bytes) -> bytes:
    return gzip.decompress(data) if data[:2] == _GZIP_MAGIC else data


def object_date(name: str) -> date | None:
    """The day a key's partition names, if any."""
    match = _DT_PARTITION.search(name) or _DATED_PREFIX.search(name)
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _before(name: str, since: date | None) -> bool:
    if since is None:
        return False
    day = object_date(name)
    return day is not None and day < since


class LocalArchive:
    def __init__(self, path: Path) -> None:
        if not path.exists():
            raise ArchiveError(f"{path} does not exist")
        self._path = path

    def list(self, since: date | None = None) -> list[ArchiveObject]:
        files = [self._path] if self._path.is_file() else sorted(self._path.rglob("*"))
        return [
            ArchiveObject(str(f), f.stat().st_size)
            for f in files
            if f.is_file() and not f.name.startswith(".") and not _before(str(f), since)
        ]

    def read(self, obj: ArchiveObject) -> bytes:
        return decompress(Path(obj.name).read_bytes())


class S3Archive:
    def __init__(self, url: str, client: Any = None) -> None:
        bucket, _, prefix = url.removeprefix("s3://").partition("/")
        if not bucket:
            raise ArchiveError(f"{url} names no bucket (expected s3://bucket/prefix)")
        self._bucket = bucket
        self._prefix = prefix
        if client is None:
            import boto3

            client = boto3.client("s3")
        self._client = client

    def list(self, since: date | None = None) -> list[ArchiveObject]:
        from botocore.exceptions import BotoCoreError, ClientError

        objects: list[ArchiveObject] = []
        try:
            paginator = self._client.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=self._bucket, Prefix=self._prefix):
                for item in page.get("Contents", []):
                    key = item["Key"]
                    if key.endswith("/") or _before(key, since):
                        continue
                    objects.append(ArchiveObject(f"s3://{self._bucket}/{key}", item["Size"]))
        except (BotoCoreError, ClientError) as exc:
            raise ArchiveError(f"cannot list s3://{self._bucket}/{self._prefix}: {exc}") from exc
        return objects

    def read(self, obj: ArchiveObject) -> bytes:
        key = obj.name.removeprefix(f"s3://{self._bucket}/")
        response = self._client.get_object(Bucket=self._bucket, Key=key)
        return decompress(response["Body"].read())


def open_archive(location: str, s3_client: Any = None) -> LocalArchive | S3Archive:
    if location.startswith("s3://"):
        return S3Archive(location, s3_client)
    return LocalArchive(Path(location))
