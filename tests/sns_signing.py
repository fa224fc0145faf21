"""Sign SNS HTTP messages the way SNS does, with a TEST-ONLY key, and wrap them in Lambda
Function URL events.

Real SNS signatures cannot be produced, so the webhook's tests and samples use a self-signed
certificate and a fetcher that serves it in place of SNS's. `python -m tests.sns_signing`
regenerates events/WebhookFunction/*.json and tests/fixtures/sns/TEST-ONLY-sns-signing-cert.pem
with a fresh key that is thrown away afterwards (no private key is committed).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from domain.sns_signature import string_to_sign

ROOT = Path(__file__).resolve().parents[1]
TEST_CERT_PATH = ROOT / "tests" / "fixtures" / "sns" / "TEST-ONLY-sns-signing-cert.pem"
WEBHOOK_EVENTS = ROOT / "events" / "WebhookFunction"

REGION = "us-east-1"
TOPIC_ARN = f"arn:aws:sns:{REGION}:123456789012:ses-feedback-dev-events"
CERT_URL = (
    f"https://sns.{REGION}.amazonaws.com/SimpleNotificationService-"
    "0000000000000000000000000000test.pem"
)
SUBSCRIPTION_ARN = f"{TOPIC_ARN}:0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d"
URL_ID = "abcdefghijklmnopqrstuvwxyz012345"
SAMPLE_TIME = datetime(2026, 11, 20, 9, 41, 3, tzinfo=UTC)
CONFIRM_RESPONSE = (
    b"<ConfirmSubscriptionResponse><ConfirmSubscriptionResult/></ConfirmSubscriptionResponse>"
)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


VALID_FROM = datetime(2020, 1, 1, tzinfo=UTC)
VALID_UNTIL = VALID_FROM + timedelta(days=365 * 100)


@dataclass
class SnsTestSigner:
    """A TEST-ONLY RSA key and self-signed certificate standing in for SNS's.

    By default the certificate looks like a real SNS signing certificate (issued to
    sns.amazonaws.com, valid for a century); tests build wrongly named, expired or
    not-yet-valid ones with the fields below. `common_name` None leaves the subject without a
    CN; `alt_names` empty leaves out the subjectAltName extension."""

    key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    common_name: str | None = "sns.amazonaws.com"
    alt_names: tuple[str, ...] = ("sns.amazonaws.com",)
    not_before: datetime = VALID_FROM
    not_after: datetime = VALID_UNTIL

    def __post_init__(self) -> None:
        attributes = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, "TEST ONLY, not Amazon")]
        if self.common_name is not None:
            attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, self.common_name))
        name = x509.Name(attributes)
        builder = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(self.not_before)
            .not_valid_after(self.not_after)
        )
        if self.alt_names:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(n) for n in self.alt_names]),
                critical=False,
            )
        self.certificate = builder.sign(self.key, hashes.SHA256())
        self.cert_pem = self.certificate.public_bytes(serialization.Encoding.PEM)

    def sign(self, body: Mapping[str, Any], version: str | None = None) -> dict[str, Any]:
        """Return `body` with SignatureVersion (default: the body's, else "1") and Signature."""
        signed = dict(body)
        signed["SignatureVersion"] = version or str(signed.get("SignatureVersion") or "1")
        algorithm = hashes.SHA1() if signed["SignatureVersion"] == "1" else hashes.SHA256()
        signature = self.key.sign(string_to_sign(signed), padding.PKCS1v15(), algorithm)
        signed["Signature"] = base64.b64encode(signature).decode("ascii")
        return signed


class FakeFetcher:
    """Serves `certificates` by URL; any other URL (a SubscribeURL) answers a
    ConfirmSubscriptionResponse. Records every URL asked for."""

    def __init__(self, certificates: Mapping[str, bytes]) -> None:
        self.certificates = dict(certificates)
        self.calls: list[str] = []

    def __call__(self, url: str) -> bytes:
        self.calls.append(url)
        if url.endswith(".pem"):
            from adapters.sns_certificates import FetchError

            if url not in self.certificates:
                raise FetchError("HTTP 404", retryable=False)
            return self.certificates[url]
        return CONFIRM_RESPONSE


def fixed_clock(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


def notification(message: str | Mapping[str, Any], **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "Type": "Notification",
        "MessageId": "7f3c2a1e-5b6d-4e8f-9a0b-1c2d3e4f5a6b",
        "TopicArn": TOPIC_ARN,
        "Message": message if isinstance(message, str) else json.dumps(message),
        "Timestamp": iso(SAMPLE_TIME),
        "SignatureVersion": "1",
        "SigningCertURL": CERT_URL,
        "UnsubscribeURL": (
            f"https://sns.{REGION}.amazonaws.com/?Action=Unsubscribe"
            f"&SubscriptionArn={SUBSCRIPTION_ARN}"
        ),
    }
    body.update(fields)
    return body


def confirmation(kind: str = "SubscriptionConfirmation", **fields: Any) -> dict[str, Any]:
    token = "2336412f37fb687f5d51e6e2425f004aed1e3c2e0TEST0ONLY0TOKEN"
    text = (
        f"You have chosen to subscribe to the topic {TOPIC_ARN}.\n"
        "To confirm the subscription, visit the SubscribeURL included in this message."
        if kind == "SubscriptionConfirmation"
        else f"You have chosen to deactivate subscription {SUBSCRIPTION_ARN}.\n"
        "To cancel this operation and restore the subscription, visit the SubscribeURL "
        "included in this message."
    )
    body: dict[str, Any] = {
        "Type": kind,
        "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
        "Token": token,
        "TopicArn": TOPIC_ARN,
        "Message": text,
        "SubscribeURL": (
            f"https://sns.{REGION}.amazonaws.com/?Action=ConfirmSubscription"
            f"&TopicArn={TOPIC_ARN}&Token={token}"
        ),
        "Timestamp": iso(SAMPLE_TIME),
        "SignatureVersion": "1",
        "SigningCertURL": CERT_URL,
    }
    body.update(fields)
    return body


def function_url_event(
    body: Mapping[str, Any] | str,
    *,
    method: str = "POST",
    headers: Mapping[str, str] | None = None,
    base64_body: bool = False,
) -> dict[str, Any]:
    """A Lambda Function URL request (payload format 2.0) as SNS would send it."""
    text = body if isinstance(body, str) else json.dumps(body, indent=2)
    sns_headers = {}
    if isinstance(body, Mapping):
        sns_headers = {
            "x-amz-sns-message-type": str(body.get("Type")),
            "x-amz-sns-message-id": str(body.get("MessageId")),
            "x-amz-sns-topic-arn": str(body.get("TopicArn")),
        }
        if body.get("Type") != "SubscriptionConfirmation":
            sns_headers["x-amz-sns-subscription-arn"] = SUBSCRIPTION_ARN
    all_headers = {
        "content-type": "text/plain; charset=UTF-8",
        "host": f"{URL_ID}.lambda-url.{REGION}.on.aws",
        "user-agent": "Amazon Simple Notification Service Agent",
        "x-amzn-trace-id": "Root=1-673da5f3-0123456789abcdef01234567",
        "x-forwarded-for": "54.240.197.233",
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
        **sns_headers,
        **(headers or {}),
    }
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/",
        "rawQueryString": "",
        "headers": all_headers,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": URL_ID,
            "domainName": f"{URL_ID}.lambda-url.{REGION}.on.aws",
            "domainPrefix": URL_ID,
            "http": {
                "method": method,
                "path": "/",
                "protocol": "HTTP/1.1",
                "sourceIp": "54.240.197.233",
                "userAgent": "Amazon Simple Notification Service Agent",
            },
            "requestId": "4a5b6c7d-8e9f-4a0b-9c1d-2e3f4a5b6c7d",
            "routeKey": "$default",
            "stage": "$default",
            "time": "20/Nov/2026:09:41:03 +0000",
            "timeEpoch": int(SAMPLE_TIME.timestamp() * 1000),
        },
        "body": base64.b64encode(text.encode()).decode() if base64_body else text,
        "isBase64Encoded": base64_body,
    }


def sample_bodies_time(event: Mapping[str, Any]) -> datetime | None:
    """The Timestamp inside a sample event's body (the contract test sets its clock to it)."""
    try:
        body = json.loads(event.get("body") or "")
        return datetime.fromisoformat(body["Timestamp"].replace("Z", "+00:00"))
    except (ValueError, KeyError, TypeError):
        return None


def _write_samples() -> None:
    """Regenerate the committed samples with a throwaway key (see the module docstring)."""
    signer = SnsTestSigner()
    TEST_CERT_PATH.parent.mkdir(parents=True, exist_ok=True)
    TEST_CERT_PATH.write_bytes(signer.cert_pem)
    ses_bounce = json.loads(
        (
            ROOT
            / "tests"
            / "fixtures"
            / "ses"
            / "sns-identity-bounce-permanent-general-no-dsn.json"
        ).read_text()
    )
    samples = {
        "sns-https-notification-bounce.json": signer.sign(notification(ses_bounce), "2"),
        "sns-https-subscription-confirmation.json": signer.sign(confirmation(), "2"),
        "sns-https-malformed-unsigned-notification.json": {
            **notification(ses_bounce, MessageId="9d8c7b6a-0000-4000-8000-unsigned0001"),
            "Signature": base64.b64encode(b"\0" * 256).decode(),
        },
    }
    WEBHOOK_EVENTS.mkdir(parents=True, exist_ok=True)
    for name, body in samples.items():
        event = function_url_event(body)
        (WEBHOOK_EVENTS / name).write_text(json.dumps(event, indent=2) + "\n")
        print(f"wrote {WEBHOOK_EVENTS / name}")
    print(f"wrote {TEST_CERT_PATH}")


if __name__ == "__main__":
    _write_samples()
