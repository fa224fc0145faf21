"""UnsubscribeFunction: the RFC 8058 one-click unsubscribe endpoint (a public Function URL).

``POST /unsubscribe/<token>`` with the body ``List-Unsubscribe=One-Click`` (multipart or
form-encoded) unsubscribes the token's recipient from the token's scope, with no further
step: that is what Gmail, Yahoo and other clients send when the user clicks "unsubscribe".
``GET`` (and ``HEAD``) change nothing, because mail scanners and link previews fetch URLs
found in mail: they answer a small page whose button POSTs the same request.

Anyone can reach the URL; the token is the only credential (domain.unsubscribe_token): it
is sealed with our key for one recipient and scope, so it can unsubscribe only the person
the message was sent to. Answers never repeat the request, and the log never holds the
token or the address (docs/security.md).
"""

from __future__ import annotations

import base64
import binascii
import html
import re
from collections.abc import Mapping
from typing import Any, Final

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import LambdaFunctionUrlEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

# What the first request uses, loaded at init though the factory imports it where it builds
# the service.
import adapters.suppression_repository
import adapters.unsubscribe_settings  # noqa: F401
from adapters import factory
from domain.one_click import (
    MAX_BODY_BYTES,
    NotOneClickError,
    check_one_click_body,
    one_click_outcome,
)
from domain.scopes import GLOBAL_SCOPE
from domain.unsubscribe_token import (
    MAX_TOKEN_CHARS,
    ExpiredTokenError,
    UnsubscribeRequest,
    UnsubscribeTokenError,
)

logger = Logger()
metrics = Metrics()

# The token is the last path segment after `unsubscribe` (a custom domain may put a prefix
# in front of it). Anything else is 404 without looking further.
_PATH_RE: Final = re.compile(
    rf"(?:/[A-Za-z0-9._~-]+)*/unsubscribe/([A-Za-z0-9_-]{{1,{MAX_TOKEN_CHARS}}})/?"
)
_ALLOWED: Final = "GET, HEAD, POST"
_HEADERS: Final = {
    "content-type": "text/html; charset=utf-8",
    # the token is in the URL: keep it out of caches and of other sites' Referer
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "x-robots-tag": "noindex",
    "content-security-policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
}
_PAGE: Final = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{title}</title>
<style>body{{font-family:sans-serif;max-width:32em;margin:3em auto;padding:0 1em}}</style>
</head><body><h1>{title}</h1>{body}</body></html>
"""
_INVALID: Final = (
    "This unsubscribe link is not valid. Use the unsubscribe link of a recent message, "
    "or reply to it asking to unsubscribe."
)
_EXPIRED: Final = (
    "This unsubscribe link has expired. Use the unsubscribe link of a recent message, "
    "or reply to it asking to unsubscribe."
)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = LambdaFunctionUrlEvent(event)
    method = (request.request_context.http.method or "").upper()
    if method not in ("GET", "HEAD", "POST"):
        return _reject(405, "method not allowed", "Not allowed", _INVALID, {"allow": _ALLOWED})
    match = _PATH_RE.fullmatch(request.raw_path or "")
    if match is None:
        return _reject(404, "no token in the path", "Not found", _INVALID)
    if method == "POST":
        try:
            check_one_click_body(_header(request, "content-type"), _body(request))
        except NotOneClickError as exc:
            return _reject(exc.status, str(exc), "Not a one-click request", _INVALID)
    try:
        unsubscribe = factory.unsubscribe_tokens().verify(match.group(1), factory.clock()())
    except ExpiredTokenError:
        return _reject(410, "token expired", "Link expired", _EXPIRED)
    except UnsubscribeTokenError as exc:
        return _reject(400, type(exc).__name__, "Link not valid", _INVALID)
    if method == "POST":
        return _apply(unsubscribe)
    return _confirmation_page(unsubscribe)


def _apply(unsubscribe: UnsubscribeRequest) -> dict[str, Any]:
    # A storage failure propagates: the caller gets 5xx, the errors alarm counts it, and the
    # mail client (or the user) may POST again, which is safe (domain.one_click).
    result = factory.suppression_service().apply_outcomes([one_click_outcome(unsubscribe)])
    logger.info(
        "one-click unsubscribe applied",
        extra={
            "scope": unsubscribe.scope,
            "token_id": unsubscribe.token_id,
            "written": result.written,
        },
    )
    metrics.add_metric(name="OneClickUnsubscribed", unit=MetricUnit.Count, value=1)
    return _page(
        200,
        "Unsubscribed",
        f"<p>You will no longer receive {_what(unsubscribe.scope)} from us at this address.</p>",
    )


def _confirmation_page(unsubscribe: UnsubscribeRequest) -> dict[str, Any]:
    # The form posts to this very URL (no action attribute) what a mail client would. Counted:
    # many pages and few POSTs mean scanners, or clients without one-click support.
    metrics.add_metric(name="OneClickUnsubscribePageShown", unit=MetricUnit.Count, value=1)
    body = (
        f"<p>Stop receiving {_what(unsubscribe.scope)} from us at this address?</p>"
        '<form method="post" enctype="application/x-www-form-urlencoded">'
        '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
        '<button type="submit">Unsubscribe</button></form>'
    )
    return _page(200, "Unsubscribe", body)


def _what(scope: str) -> str:
    if scope == GLOBAL_SCOPE:
        return "any mail"
    return f"&ldquo;{html.escape(scope)}&rdquo; mail"


def _reject(
    status: int,
    reason: str,
    title: str,
    text: str,
    headers: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    # The reason is ours, never request content: no token, address or body in the log.
    logger.warning("unsubscribe request refused", extra={"status": status, "reason": reason})
    metrics.add_metric(name="OneClickUnsubscribeRefused", unit=MetricUnit.Count, value=1)
    return _page(status, title, f"<p>{html.escape(text)}</p>", headers)


def _page(
    status: int, title: str, body: str, headers: Mapping[str, str] | None = None
) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {**_HEADERS, **(headers or {})},
        "body": _PAGE.format(title=html.escape(title), body=body),
    }


def _body(request: LambdaFunctionUrlEvent) -> bytes:
    text = request.body or ""
    # checked before decoding: base64 is 4/3 the size, and nothing larger is worth reading
    if len(text) > MAX_BODY_BYTES * 2:
        raise NotOneClickError("request body too large", 413)
    if not request.is_base64_encoded:
        return text.encode("utf-8")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise NotOneClickError("body is not valid base64") from None


def _header(request: LambdaFunctionUrlEvent, name: str) -> str | None:
    value = request.headers.get(name)  # Function URLs deliver header names in lower case
    return value if isinstance(value, str) else None
