"""WebhookFunction end to end: Function URL events carrying SNS messages signed with a
TEST-ONLY key, applied to a SuppressionTable on the embedded moto server."""

from __future__ import annotations

import io
import json
import logging
from datetime import timedelta

import boto3
import pytest

from adapters import factory
from handlers import webhook
from tests.sns_signing import (
    CERT_URL,
    SAMPLE_TIME,
    TOPIC_ARN,
    FakeFetcher,
    SnsTestSigner,
    confirmation,
    fixed_clock,
    function_url_event,
    notification,
)

pytestmark = pytest.mark.integration

BOUNCED = "recipient@example.com"  # the address in tests/fixtures/ses/event-bounce.json


@pytest.fixture(scope="module")
def signer() -> SnsTestSigner:
    return SnsTestSigner()


@pytest.fixture
def fetcher(signer, suppression_table, monkeypatch) -> FakeFetcher:
    monkeypatch.setenv(
        "WEBHOOK_ALLOWED_TOPIC_ARNS",
        f"{TOPIC_ARN}, arn:aws:sns:eu-west-1:210987654321:other-events",
    )
    factory.reset()
    fake = FakeFetcher({CERT_URL: signer.cert_pem})
    factory.override(sns_fetcher=fake, sns_clock=fixed_clock(SAMPLE_TIME + timedelta(seconds=5)))
    return fake


def items(table: str) -> dict[str, dict]:
    return {i["address"]: i for i in boto3.resource("dynamodb").Table(table).scan()["Items"]}


def test_signed_notification_applies_the_bounce(
    signer, fetcher, suppression_table, ses_sample, lambda_context
):
    event = function_url_event(signer.sign(notification(ses_sample("event-bounce.json"))))
    response = webhook.lambda_handler(event, lambda_context)
    assert response["statusCode"] == 200, response
    stored = items(suppression_table)
    assert stored[BOUNCED]["state"] == "suppressed"
    assert stored[BOUNCED]["reason"] == "userunknown"
    assert fetcher.calls == [CERT_URL]


def test_redelivery_is_idempotent(signer, fetcher, suppression_table, ses_sample, lambda_context):
    event = function_url_event(signer.sign(notification(ses_sample("event-bounce.json")), "2"))
    assert webhook.lambda_handler(event, lambda_context)["statusCode"] == 200
    first = items(suppression_table)
    assert webhook.lambda_handler(event, lambda_context)["statusCode"] == 200
    assert items(suppression_table) == first
    assert first[BOUNCED]["version"] == 1


def test_base64_body_and_ses_validation_text(signer, fetcher, suppression_table, lambda_context):
    text = "Successfully validated SNS topic for Amazon SES event publishing."
    event = function_url_event(signer.sign(notification(text)), base64_body=True)
    response = webhook.lambda_handler(event, lambda_context)
    assert (response["statusCode"], response["body"]) == (200, "skipped")
    assert items(suppression_table) == {}


def test_subscription_confirmation_visits_the_subscribe_url(signer, fetcher, lambda_context):
    body = signer.sign(confirmation(), "2")
    response = webhook.lambda_handler(function_url_event(body), lambda_context)
    assert response["statusCode"] == 200, response
    assert fetcher.calls == [CERT_URL, body["SubscribeURL"]]


def test_unsubscribe_confirmation_does_not_resubscribe(signer, fetcher, lambda_context):
    body = signer.sign(confirmation("UnsubscribeConfirmation"))
    response = webhook.lambda_handler(function_url_event(body), lambda_context)
    assert response["statusCode"] == 200
    assert body["SubscribeURL"] not in fetcher.calls


def test_bad_signature_is_403_and_writes_nothing(
    signer, fetcher, suppression_table, ses_sample, lambda_context
):
    body = signer.sign(notification(ses_sample("event-bounce.json")))
    body["Message"] = body["Message"].replace("General", "Suppressed")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(webhook.logger.registered_formatter)
    webhook.logger.addHandler(handler)
    try:
        response = webhook.lambda_handler(function_url_event(body), lambda_context)
    finally:
        webhook.logger.removeHandler(handler)
    assert response["statusCode"] == 403
    assert response["body"] == "signature does not verify"
    assert items(suppression_table) == {}
    logged = stream.getvalue()
    assert "webhook request rejected" in logged  # the logger did write
    assert BOUNCED not in logged  # rejected content is never logged


@pytest.mark.parametrize(
    "change, status",
    [
        ({"TopicArn": "arn:aws:sns:us-east-1:999999999999:other"}, 403),
        ({"SigningCertURL": "https://attacker.example/cert.pem"}, 403),
        ({"Timestamp": "2026-11-20T07:00:00.000Z"}, 403),
        ({"SignatureVersion": "3"}, 403),
        ({"Type": "Teleport"}, 400),
    ],
)
def test_refused_messages(signer, fetcher, suppression_table, lambda_context, change, status):
    # Not re-signed: each of these is refused before the signature is even checked.
    event = function_url_event({**signer.sign(notification("{}")), **change})
    response = webhook.lambda_handler(event, lambda_context)
    assert response["statusCode"] == status, response
    assert fetcher.calls == []  # refused before any certificate was fetched
    assert items(suppression_table) == {}


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_wrong_method_is_405(signer, fetcher, lambda_context, method):
    event = function_url_event(signer.sign(notification("{}")), method=method)
    response = webhook.lambda_handler(event, lambda_context)
    assert response["statusCode"] == 405
    assert response["headers"]["allow"] == "POST"


@pytest.mark.parametrize(
    "body, headers",
    [
        ("not json", None),
        ("[1, 2]", None),
        ("", None),
        (None, {"x-amz-sns-message-type": "SubscriptionConfirmation"}),
        (None, {"x-amz-sns-topic-arn": "arn:aws:sns:us-east-1:123456789012:other"}),
    ],
)
def test_malformed_requests_are_400(signer, fetcher, lambda_context, body, headers):
    payload = body if body is not None else signer.sign(notification("{}"))
    event = function_url_event(payload, headers=headers)
    response = webhook.lambda_handler(event, lambda_context)
    assert response["statusCode"] == 400, response
    assert fetcher.calls == []


def test_sns_headers_are_matched_whatever_the_case_of_their_names(signer, fetcher, lambda_context):
    # Function URLs deliver lower-case names; the checks do not depend on it.
    body = signer.sign(confirmation(), "2")
    event = function_url_event(body)
    headers = event["headers"]
    headers["X-Amz-SNS-Message-Type"] = headers.pop("x-amz-sns-message-type")
    headers["X-Amz-Sns-Topic-Arn"] = headers.pop("x-amz-sns-topic-arn")
    assert webhook.lambda_handler(event, lambda_context)["statusCode"] == 200
    headers["X-Amz-Sns-Topic-Arn"] = "arn:aws:sns:us-east-1:123456789012:other"
    response = webhook.lambda_handler(event, lambda_context)
    assert (response["statusCode"], response["body"]) == (
        400,
        "x-amz-sns-topic-arn does not match the body",
    )


def test_an_event_without_a_request_method_fails_the_invocation(signer, fetcher, lambda_context):
    event = function_url_event(signer.sign(confirmation()))
    del event["requestContext"]["http"]
    with pytest.raises(KeyError):
        webhook.lambda_handler(event, lambda_context)
    assert fetcher.calls == []


def test_unreadable_ses_record_is_400(signer, fetcher, suppression_table, lambda_context):
    body = signer.sign(notification(json.dumps({"eventType": "Bounce"})))
    response = webhook.lambda_handler(function_url_event(body), lambda_context)
    assert response["statusCode"] == 400
    assert response["body"].startswith("unreadable SES record")


def test_processing_failure_after_verification_fails_the_invocation(
    signer, fetcher, ses_sample, lambda_context
):
    class DynamoDown:
        def apply_event(self, event):
            raise ConnectionError("DynamoDB unreachable")

    factory.override(service=DynamoDown())
    event = function_url_event(signer.sign(notification(ses_sample("event-bounce.json"))))
    # The Function URL answers 502 to an invocation error: SNS retries; the alarm counts it.
    with pytest.raises(ConnectionError):
        webhook.lambda_handler(event, lambda_context)


def test_unreachable_certificate_is_503(signer, suppression_table, monkeypatch, lambda_context):
    from adapters.sns_certificates import FetchError

    def unreachable(url: str) -> bytes:
        raise FetchError("TimeoutError", retryable=True)

    monkeypatch.setenv("WEBHOOK_ALLOWED_TOPIC_ARNS", TOPIC_ARN)
    factory.reset()
    factory.override(sns_fetcher=unreachable, sns_clock=fixed_clock(SAMPLE_TIME))
    event = function_url_event(signer.sign(notification("{}")))
    assert webhook.lambda_handler(event, lambda_context)["statusCode"] == 503


def test_missing_allow_list_is_a_configuration_error(
    signer, suppression_table, monkeypatch, lambda_context
):
    from adapters.settings import ConfigurationError

    monkeypatch.delenv("WEBHOOK_ALLOWED_TOPIC_ARNS", raising=False)
    factory.reset()
    with pytest.raises(ConfigurationError, match="WEBHOOK_ALLOWED_TOPIC_ARNS"):
        webhook.lambda_handler(function_url_event(signer.sign(notification("{}"))), lambda_context)


# --- the certificate pinned like AWS's SDKs pin it ----------------------------------

PEM = "/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem"


@pytest.mark.parametrize(
    "cert_url",
    [
        f"https://sns.s3-accelerate.amazonaws.com{PEM}",
        f"https://sns.s3-external-1.amazonaws.com{PEM}",
        f"https://sns.s3-us-east-1.amazonaws.com{PEM}",
        f"https://sns.s3.amazonaws.com{PEM}",
        f"https://sns.eu-west-1.amazonaws.com{PEM}",  # not the topic's region
        f"https://sns.us-east-1.amazonaws.com.evil.com{PEM}",
        f"https://user@sns.us-east-1.amazonaws.com{PEM}",
        f"http://sns.us-east-1.amazonaws.com{PEM}",
        f"https://sns.us-east-1.amazonaws.com:8443{PEM}",
        f"https://SNS.US-EAST-1.AMAZONAWS.COM{PEM}",
        f"https://sns.us-east-1.amazonaws.com.{PEM}",
    ],
)
def test_certificate_host_variants_are_refused_before_any_fetch(
    signer, fetcher, suppression_table, ses_sample, lambda_context, cert_url
):
    # Signed over the real body: only the (unsigned) certificate URL is the attacker's.
    body = signer.sign(notification(ses_sample("event-bounce.json"), SigningCertURL=cert_url))
    fetcher.certificates[cert_url] = signer.cert_pem  # would verify, were it ever fetched
    response = webhook.lambda_handler(function_url_event(body), lambda_context)
    assert response["statusCode"] == 403, response
    assert "SigningCertURL" in response["body"]
    assert fetcher.calls == []
    assert items(suppression_table) == {}


@pytest.mark.parametrize(
    "certificate, reason",
    [
        ({"not_after": SAMPLE_TIME - timedelta(days=1)}, "signing certificate has expired"),
        ({"not_before": SAMPLE_TIME + timedelta(days=1)}, "signing certificate is not yet valid"),
        (
            {"common_name": "attacker.example", "alt_names": ("attacker.example",)},
            "signing certificate is not issued to SNS",
        ),
    ],
)
def test_expired_or_wrongly_named_certificates_are_refused(
    fetcher, suppression_table, ses_sample, lambda_context, certificate, reason
):
    forger = SnsTestSigner(**certificate)
    fetcher.certificates[CERT_URL] = forger.cert_pem
    body = forger.sign(notification(ses_sample("event-bounce.json")), "2")
    response = webhook.lambda_handler(function_url_event(body), lambda_context)
    assert (response["statusCode"], response["body"]) == (403, reason)
    assert items(suppression_table) == {}


def test_junk_naming_a_failed_certificate_url_costs_one_fetch(
    signer, fetcher, suppression_table, lambda_context
):
    missing = f"https://sns.us-east-1.amazonaws.com{PEM}"
    body = signer.sign(notification("{}", SigningCertURL=missing))
    responses = [
        webhook.lambda_handler(function_url_event(body), lambda_context)["statusCode"]
        for _ in range(20)
    ]
    assert responses == [403] * 20
    assert fetcher.calls == [missing]  # the other 19 were answered from the failure cache
    # the genuine certificate URL is unaffected
    good = signer.sign(
        notification("Successfully validated SNS topic for Amazon SES event publishing.")
    )
    assert webhook.lambda_handler(function_url_event(good), lambda_context)["statusCode"] == 200


@pytest.mark.parametrize("required, v1_status", [("true", 403), ("false", 200)])
def test_signature_version_1_is_refused_when_required(
    signer, fetcher, suppression_table, monkeypatch, lambda_context, required, v1_status
):
    monkeypatch.setenv("WEBHOOK_REQUIRE_SIGNATURE_VERSION_2", required)
    factory.webhook_settings.cache_clear()
    text = "Successfully validated SNS topic for Amazon SES event publishing."
    v1 = webhook.lambda_handler(
        function_url_event(signer.sign(notification(text), "1")), lambda_context
    )
    assert v1["statusCode"] == v1_status, v1
    if v1_status == 403:
        assert "version 2" in v1["body"]
        assert fetcher.calls == []
    v2 = webhook.lambda_handler(
        function_url_event(signer.sign(notification(text), "2")), lambda_context
    )
    assert v2["statusCode"] == 200, v2
    assert items(suppression_table) == {}
