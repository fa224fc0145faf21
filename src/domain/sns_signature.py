"""Checks on an SNS HTTP(S) message before and around its signature (pure: no I/O, no crypto).

SNS signs each message it POSTs to an HTTPS subscriber. The receiver builds the string to sign
from named fields, fetches the signing certificate from an SNS host, and verifies the
signature with it (adapters/sns_certificates.py does the fetching and the RSA part). What
belongs here: reading the envelope, the exact string to sign, which certificate and
subscription URLs are acceptable, the signature version, the topic allow-list and the
message-age window. Rules: docs reference ses.md section 5 (AWS's own validators).

Every rejection is an `SnsMessageError` subclass whose message is short and safe to log and
to return to the caller: it never contains the message body.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final
from urllib.parse import SplitResult, parse_qs, urlsplit

NOTIFICATION: Final = "Notification"
SUBSCRIPTION_CONFIRMATION: Final = "SubscriptionConfirmation"
UNSUBSCRIBE_CONFIRMATION: Final = "UnsubscribeConfirmation"

# Field names in byte-sort order, as SNS concatenates them. Subject only when present.
_NOTIFICATION_FIELDS: Final = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
_CONFIRMATION_FIELDS: Final = (
    "Message",
    "MessageId",
    "SubscribeURL",
    "Timestamp",
    "Token",
    "TopicArn",
    "Type",
)
_SIGNED_FIELDS: Final[Mapping[str, tuple[str, ...]]] = {
    NOTIFICATION: _NOTIFICATION_FIELDS,
    SUBSCRIPTION_CONFIRMATION: _CONFIRMATION_FIELDS,
    UNSUBSCRIBE_CONFIRMATION: _CONFIRMATION_FIELDS,
}
_OPTIONAL_FIELDS: Final = frozenset({"Subject"})
_MAY_BE_EMPTY: Final = frozenset({"Message", "Subject"})

# AWS's validators (aws-php-sns-message-validator, aws-js-sns-message-validator): an SNS
# endpoint in any partition; "something from the amazonaws domain" could be an S3 bucket.
SNS_HOST_PATTERN: Final = re.compile(r"^sns\.[a-zA-Z0-9\-]{3,}\.amazonaws\.com(\.cn)?$")

# SignatureVersion -> hash algorithm of the RSA PKCS#1 v1.5 signature.
SIGNATURE_HASHES: Final[Mapping[str, str]] = {"1": "sha1", "2": "sha256"}

DEFAULT_MAX_AGE: Final = timedelta(hours=1)
# A Timestamp this far in the future still passes (clock skew between SNS and us).
CLOCK_SKEW: Final = timedelta(minutes=5)
_MAX_SIGNATURE_BYTES: Final = 1024  # 8192-bit RSA; SNS uses 2048


class SnsMessageError(ValueError):
    """The message is rejected; str(exc) is a short reason without message content."""

    http_status = 403


class MalformedSnsMessageError(SnsMessageError):
    """Not an SNS message we can read: missing or mistyped fields, unknown Type."""

    http_status = 400


class UntrustedUrlError(SnsMessageError):
    """A certificate or subscription URL that is not https on an SNS host."""


class UnsupportedSignatureVersionError(SnsMessageError):
    """SignatureVersion is neither 1 (SHA1withRSA) nor 2 (SHA256withRSA)."""


class TopicNotAllowedError(SnsMessageError):
    """The TopicArn is not on the allow-list."""


class StaleMessageError(SnsMessageError):
    """The Timestamp is outside the accepted window (replay protection)."""


class InvalidSignatureError(SnsMessageError):
    """The signature does not verify with the certificate (raised by the adapter)."""


class SnsEndpointUnavailableError(SnsMessageError):
    """An SNS endpoint (certificate, SubscribeURL) could not be reached for a reason worth
    retrying (network, timeout, 5xx): the caller answers 5xx so SNS delivers again."""

    http_status = 503


@dataclass(frozen=True, slots=True)
class SnsMessage:
    """An SNS HTTP message, read but not yet verified unless `verify_message` returned it."""

    type: str
    message_id: str
    topic_arn: str
    message: str
    timestamp: datetime
    signature_version: str
    signature: bytes
    signing_cert_url: str
    signed_fields: Mapping[str, str]  # the values the string to sign is built from
    subject: str | None = None
    token: str | None = None
    subscribe_url: str | None = None
    unsubscribe_url: str | None = None

    @property
    def hash_algorithm(self) -> str:
        return SIGNATURE_HASHES[self.signature_version]

    def string_to_sign(self) -> bytes:
        return string_to_sign(self.signed_fields)


def string_to_sign(fields: Mapping[str, Any]) -> bytes:
    """The bytes SNS signed: "Name\\nvalue\\n" for each signed field of the message's Type,
    in byte-sort order; Subject only when present (a JSON null counts as absent)."""
    kind = fields.get("Type")
    names = _SIGNED_FIELDS.get(kind) if isinstance(kind, str) else None
    if names is None:
        raise MalformedSnsMessageError("unknown SNS message Type")
    parts: list[str] = []
    for name in names:
        value = fields.get(name)
        if value is None and name in _OPTIONAL_FIELDS:
            continue
        if not isinstance(value, str):
            raise MalformedSnsMessageError(f"SNS message field {name} is missing")
        parts.append(f"{name}\n{value}\n")
    return "".join(parts).encode("utf-8")


def parse_sns_message(body: Mapping[str, Any]) -> SnsMessage:
    """Read the HTTP POST body (already JSON-decoded). Lambda-style `SigningCertUrl` and
    `UnsubscribeUrl` are accepted as well as the HTTP spellings."""
    kind = body.get("Type")
    if not isinstance(kind, str) or kind not in _SIGNED_FIELDS:
        raise MalformedSnsMessageError("unknown SNS message Type")
    signed: dict[str, str] = {}
    for name in _SIGNED_FIELDS[kind]:
        value = body.get(name)
        if value is None and name in _OPTIONAL_FIELDS:
            continue
        if not isinstance(value, str) or (not value and name not in _MAY_BE_EMPTY):
            raise MalformedSnsMessageError(f"SNS message field {name} is missing")
        signed[name] = value
    version = _string(body, "SignatureVersion")
    cert_url = _string(body, "SigningCertURL", "SigningCertUrl")
    subject = signed.get("Subject")
    return SnsMessage(
        type=kind,
        message_id=signed["MessageId"],
        topic_arn=signed["TopicArn"],
        message=signed["Message"],
        timestamp=parse_timestamp(signed["Timestamp"]),
        signature_version=version,
        signature=_signature_bytes(_string(body, "Signature")),
        signing_cert_url=cert_url,
        signed_fields=signed,
        subject=subject,
        token=signed.get("Token"),
        subscribe_url=signed.get("SubscribeURL"),
        unsubscribe_url=_optional_string(body, "UnsubscribeURL", "UnsubscribeUrl"),
    )


def parse_timestamp(text: str) -> datetime:
    """SNS writes ISO 8601 UTC with milliseconds and a Z ("2012-05-02T00:54:06.655Z")."""
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise MalformedSnsMessageError("SNS message Timestamp is not ISO 8601") from None
    if parsed.tzinfo is None:
        raise MalformedSnsMessageError("SNS message Timestamp has no time zone")
    return parsed.astimezone(UTC)


def check_certificate_url(url: str) -> str:
    """https, an SNS host, a path ending .pem (no credentials, no port, no query)."""
    parts = _sns_url(url, "SigningCertURL")
    if not parts.path.endswith(".pem") or parts.query or parts.fragment:
        raise UntrustedUrlError("SigningCertURL is not an SNS certificate (.pem)")
    return url


def check_subscribe_url(message: SnsMessage) -> str:
    """The URL a SubscriptionConfirmation asks us to visit: https on an SNS host, action
    ConfirmSubscription, for the message's own topic when it names one."""
    if message.type != SUBSCRIPTION_CONFIRMATION or not message.subscribe_url:
        raise MalformedSnsMessageError("not a SubscriptionConfirmation")
    parts = _sns_url(message.subscribe_url, "SubscribeURL")
    query = parse_qs(parts.query)
    if query.get("Action") != ["ConfirmSubscription"]:
        raise UntrustedUrlError("SubscribeURL is not a ConfirmSubscription request")
    topics = query.get("TopicArn")
    if topics is not None and topics != [message.topic_arn]:
        raise UntrustedUrlError("SubscribeURL names another topic")
    return message.subscribe_url


def check_signature_version(version: str) -> str:
    if version not in SIGNATURE_HASHES:
        raise UnsupportedSignatureVersionError("SignatureVersion must be 1 or 2")
    return version


def check_topic(topic_arn: str, allowed: Collection[str]) -> str:
    if topic_arn not in allowed:
        raise TopicNotAllowedError("TopicArn is not allowed")
    return topic_arn


def check_age(timestamp: datetime, now: datetime, max_age: timedelta = DEFAULT_MAX_AGE) -> None:
    """Reject messages older than `max_age` (a captured message cannot be replayed later)
    or dated further ahead than the allowed clock skew."""
    age = now - timestamp
    if age > max_age:
        raise StaleMessageError("message Timestamp is too old")
    if age < -CLOCK_SKEW:
        raise StaleMessageError("message Timestamp is in the future")


def check_message(
    message: SnsMessage,
    allowed_topics: Collection[str],
    now: datetime,
    max_age: timedelta = DEFAULT_MAX_AGE,
) -> SnsMessage:
    """Everything but the RSA signature itself, cheapest first, so that stray traffic is
    turned away before any certificate is fetched."""
    check_signature_version(message.signature_version)
    check_certificate_url(message.signing_cert_url)
    check_topic(message.topic_arn, allowed_topics)
    check_age(message.timestamp, now, max_age)
    return message


def is_sns_host(host: str | None) -> bool:
    return host is not None and SNS_HOST_PATTERN.fullmatch(host) is not None


def _sns_url(url: str, what: str) -> SplitResult:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UntrustedUrlError(f"{what} is not a valid URL") from None
    if parts.scheme != "https":
        raise UntrustedUrlError(f"{what} must use https")
    if parts.username is not None or parts.password is not None or port is not None:
        raise UntrustedUrlError(f"{what} must not carry credentials or a port")
    if not is_sns_host(parts.hostname) or parts.netloc.lower() != parts.hostname:
        raise UntrustedUrlError(f"{what} host is not an SNS endpoint")
    return parts


def _signature_bytes(text: str) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise MalformedSnsMessageError("Signature is not base64") from None
    if not raw or len(raw) > _MAX_SIGNATURE_BYTES:
        raise MalformedSnsMessageError("Signature has an impossible length")
    return raw


def _string(body: Mapping[str, Any], *names: str) -> str:
    value = _optional_string(body, *names)
    if not value:
        raise MalformedSnsMessageError(f"SNS message field {names[0]} is missing")
    return value


def _optional_string(body: Mapping[str, Any], *names: str) -> str | None:
    for name in names:
        value = body.get(name)
        if value is not None:
            if not isinstance(value, str):
                raise MalformedSnsMessageError(f"SNS message field {name} is not a string")
            return value
    return None
