"""Reading raw received messages from S3 with bounded memory.

The body is streamed into one preallocated buffer of the object's size, so reading a 40 MB
message costs 40 MB plus one chunk, not the 2-3 copies a plain ``read()`` can make.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from adapters import botocore_clients
from domain.inbound import Location, MailUnavailableError

CHUNK = 1024 * 1024
_MISSING = frozenset({"NoSuchKey", "NoSuchBucket", "404", "NotFound", "AccessDenied", "403"})


class S3MailStore:
    def __init__(self, client: Any = None) -> None:
        self._client = client or botocore_clients.client("s3")

    def fetch(self, location: Location, max_bytes: int) -> bytearray:
        try:
            response = self._client.get_object(Bucket=location.bucket, Key=location.key)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in _MISSING:
                raise MailUnavailableError(f"S3 {code} for {location.uri}") from None
            raise  # throttling, 5xx: let the invocation be retried
        body = response["Body"]
        try:
            length = int(response.get("ContentLength", 0))
            if length > max_bytes:
                raise MailUnavailableError(
                    f"object is {length} bytes, over the {max_bytes}-byte limit",
                    retryable=False,
                )
            buf = bytearray(length)
            view = memoryview(buf)
            pos = 0
            while pos < length:
                chunk = body.read(min(CHUNK, length - pos))
                if not chunk:
                    break
                view[pos : pos + len(chunk)] = chunk
                pos += len(chunk)
            view.release()
            if pos != length:
                raise MailUnavailableError(f"read {pos} of {length} bytes of {location.uri}")
            return buf
        finally:
            body.close()
