"""WebhookFunction: SES feedback POSTed by an SNS HTTPS subscription to a Lambda Function URL.

The URL is public (AuthType NONE: SNS cannot sign requests with SigV4); the SNS message
signature is the authentication. Nothing in a request is acted on before the signature, the
certificate URL (pinned to the topic's regional SNS endpoint), the certificate's names and
dates, the topic allow-list, the signature version and the message age have been checked.

Answers: 200 when done (or nothing to do); 4xx with a short reason when the request will never
be accepted (SNS does not retry those); a failure after verification (DynamoDB unreachable,
SNS unreachable while confirming) raises or answers 5xx, so SNS delivers again.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

import orjson
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

# What the first request uses, loaded at init though imported lazily where it is used.
import adapters.sns_certificates
import adapters.suppression_repository
import adapters.webhook_settings  # noqa: F401
import domain.classify  # noqa: F401
from adapters import factory
from domain.events import MalformedEventError
from domain.ingest import ingest_text
from domain.sns_signature import (
    NOTIFICATION,
    SUBSCRIPTION_CONFIRMATION,
    MalformedSnsMessageError,
    SnsMessage,
    SnsMessageError,
)

logger = Logger()
metrics = Metrics()

MAX_BODY_BYTES = 512 * 1024  # an SNS message is at most 256 KB, its envelope adds little
SOURCE = "webhook"


class _Request:
    """The four fields of a Function URL event (payload format 2.0) the webhook reads.

    Powertools' `LambdaFunctionUrlEvent` reads them the same way, but importing it imports
    every one of Powertools' event classes at cold start (docs/decisions.md); this class keeps
    its behaviour: a missing `requestContext.http.method` raises KeyError, header names are
    matched case-insensitively (Function URLs deliver them in lower case).
    """

    __slots__ = ("body", "headers", "is_base64_encoded", "method")

    def __init__(self, event: Mapping[str, Any]) -> None:
        self.method: str | None = event["requestContext"]["http"]["method"]
        self.body: str | None = event.get("body")
        self.is_base64_encoded: bool | None = event.get("isBase64Encoded")
        headers = event.get("headers") or {}
        self.headers: dict[str, Any] = {str(k).lower(): v for k, v in headers.items()}


def _response(status: int, text: str, headers: Mapping[str, str] | None = None) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"content-type": "text/plain; charset=utf-8", **(headers or {})},
        "body": text,
    }


def _reject(
    status: int,
    reason: str,
    message_id: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    # The reason is ours (never request content); the message id is SNS's (unverified before
    # the signature check, so truncated), not personal data.
    logger.warning(
        "webhook request rejected",
        extra={"status": status, "reason": reason, "message_id": (message_id or "")[:64]},
    )
    metrics.add_metric(name="WebhookRejected", unit=MetricUnit.Count, value=1)
    return _response(status, reason, headers)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = _Request(event)
    method = (request.method or "").upper()
    if method != "POST":
        return _reject(405, "method not allowed", headers={"allow": "POST"})
    try:
        body = _json_body(request)
        header_type = _header(request, "x-amz-sns-message-type")
        if header_type != body.get("Type"):
            raise MalformedSnsMessageError("x-amz-sns-message-type does not match the body")
        header_topic = _header(request, "x-amz-sns-topic-arn")
        if header_topic is not None and header_topic != body.get("TopicArn"):
            raise MalformedSnsMessageError("x-amz-sns-topic-arn does not match the body")
        cfg = factory.webhook_settings()
        message = factory.sns_verifier().verify(
            body,
            cfg.allowed_topic_arns,
            cfg.max_message_age,
            require_signature_version_2=cfg.require_signature_version_2,
        )
    except SnsMessageError as exc:
        return _reject(exc.http_status, str(exc), _header(request, "x-amz-sns-message-id"))

    logger.append_keys(message_id=message.message_id, topic_arn=message.topic_arn)
    try:
        return _act_on(message)
    except SnsMessageError as exc:  # e.g. SubscribeURL refused, or SNS unreachable (503)
        return _reject(exc.http_status, str(exc), message.message_id)


def _act_on(message: SnsMessage) -> dict[str, Any]:
    if message.type == NOTIFICATION:
        try:
            result = ingest_text(message.message, factory.suppression_service(), SOURCE)
        except MalformedEventError as exc:
            # Authentic but unreadable: redelivery would not help; say so and log no content.
            metrics.add_metric(name="RecordsRejected", unit=MetricUnit.Count, value=1)
            return _reject(400, f"unreadable SES record: {exc}"[:200], message.message_id)
        # Anything else (DynamoDB down, retries exhausted) propagates: the invocation fails,
        # the Function URL answers 5xx, SNS retries, and the errors alarm counts it.
        metrics.add_metric(
            name="RecordsApplied" if result.status == "applied" else "RecordsSkipped",
            unit=MetricUnit.Count,
            value=1,
        )
        logger.info(
            "notification processed",
            extra={
                "status": result.status,
                "detail": result.detail,
                "written": result.applied.written if result.applied else 0,
            },
        )
        return _response(200, result.status)
    if message.type == SUBSCRIPTION_CONFIRMATION:
        factory.subscription_confirmer().confirm(message)
        logger.info("subscription confirmed")
        metrics.add_metric(name="WebhookSubscriptionsConfirmed", unit=MetricUnit.Count, value=1)
        return _response(200, "subscription confirmed")
    # UnsubscribeConfirmation: the subscription is gone; visiting its SubscribeURL would
    # subscribe again, which is an operator's decision, not ours.
    logger.warning("subscription deleted (UnsubscribeConfirmation); not re-subscribing")
    metrics.add_metric(name="WebhookUnsubscribed", unit=MetricUnit.Count, value=1)
    return _response(200, "unsubscribe noted")


def _json_body(request: _Request) -> Mapping[str, Any]:
    raw: bytes = (request.body or "").encode("utf-8")
    if request.is_base64_encoded:
        try:
            raw = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise MalformedSnsMessageError("body is not valid base64") from None
    if len(raw) > MAX_BODY_BYTES:
        raise MalformedSnsMessageError("body too large")
    if not raw:
        raise MalformedSnsMessageError("empty body")
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise MalformedSnsMessageError("body is not JSON") from None
    if not isinstance(body, dict):
        raise MalformedSnsMessageError("body is not a JSON object")
    return body


def _header(request: _Request, name: str) -> str | None:
    value = request.headers.get(name)
    return value if isinstance(value, str) else None
