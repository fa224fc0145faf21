"""Function URL events for UnsubscribeFunction, as a mail client or a browser sends them
(shared by the unit, integration and contract tests and used to write events/)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from domain.unsubscribe_token import UnsubscribeTokens
from tests.conftest import SAMPLE_RETURN_PATH_KEY

HOST = "abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws"
#: when the events/ samples' tokens were minted (with the public demo key)
SAMPLE_MINTED_AT = datetime(2026, 11, 30, tzinfo=UTC)
BOUNDARY = "----one-click-7d1f0c9a"
FORM_BODY = b"List-Unsubscribe=One-Click"


def demo_tokens(**kwargs: Any) -> UnsubscribeTokens:
    return UnsubscribeTokens([SAMPLE_RETURN_PATH_KEY.encode()], **kwargs)


def multipart_body(value: str = "One-Click", name: str = "List-Unsubscribe") -> bytes:
    return (
        f"--{BOUNDARY}\r\n"
        f'Content-Disposition: form-data; name="{name}"\r\n\r\n'
        f"{value}\r\n"
        f"--{BOUNDARY}--\r\n"
    ).encode()


def function_url_event(
    method: str,
    path: str,
    body: bytes | None = None,
    content_type: str | None = None,
    *,
    base64_body: bool = False,
) -> dict[str, Any]:
    headers = {
        "host": HOST,
        "user-agent": "Mozilla/5.0 (one-click test)",
        "x-forwarded-proto": "https",
        "x-forwarded-port": "443",
        "x-forwarded-for": "203.0.113.7",
    }
    if content_type:
        headers["content-type"] = content_type
    text = ""
    if body is not None:
        text = base64.b64encode(body).decode() if base64_body else body.decode("latin-1")
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": HOST.split(".", maxsplit=1)[0],
            "domainName": HOST,
            "domainPrefix": HOST.split(".", maxsplit=1)[0],
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
                "userAgent": headers["user-agent"],
            },
            "requestId": "5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e",
            "routeKey": "$default",
            "stage": "$default",
            "time": "30/Nov/2026:10:00:00 +0000",
            "timeEpoch": 1795989600000,
        },
        "body": text,
        "isBase64Encoded": base64_body,
    }


def one_click_post(token: str, *, multipart: bool = True) -> dict[str, Any]:
    """What Gmail-like clients send (RFC 8058: multipart SHOULD, form-encoded MAY)."""
    if multipart:
        return function_url_event(
            "POST",
            f"/unsubscribe/{token}",
            multipart_body(),
            f"multipart/form-data; boundary={BOUNDARY}",
            base64_body=True,
        )
    return function_url_event(
        "POST", f"/unsubscribe/{token}", FORM_BODY, "application/x-www-form-urlencoded"
    )
