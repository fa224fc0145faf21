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

# Partitions whose SNS signing certificates we know how to pin, and their DNS suffix. Other
# partitions (the ISO ones) are refused rather than guessed.
_PARTITION_SUFFIX: Final[Mapping[str, str]] = {
    "aws": "amazonaws.com",
    "aws-us-gov": "amazonaws.com",
    "aws-cn": "amazonaws.com.cn",
}
# A region's partition is told by its prefix: China regions are cn-*, GovCloud us-gov-*.
_PARTITION_REGION_PREFIX: Final[Mapping[str, str]] = {"aws-cn": "cn-", "aws-us-gov": "us-gov-"}
_TOPIC_ARN: Final = re.compile(
    r"arn:(?P<partition>[a-z][a-z-]*):sns:(?P<region>[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2})"
    r":[0-9]{12}:[A-Za-z0-9_-]{1,256}(?:\.fifo)?"
)
# Regions whose signing certificate is issued to sns-signing.<region>.amazonaws.com instead of
# sns.amazonaws.com (the table of the AWS SDK for Java v2 message manager, SnsHostProvider).
_SIGNING_NAME_REGIONS: Final = frozenset(
    {
        "af-south-1",
        "ap-east-1",
        "ap-east-2",
        "ap-south-2",
        "ap-southeast-3",
        "ap-southeast-4",
        "ap-southeast-5",
        "ap-southeast-6",
        "ap-southeast-7",
        "ca-west-1",
        "eu-central-2",
        "eu-south-1",
        "eu-south-2",
        "il-central-1",
        "me-central-1",
        "me-south-1",
        "mx-central-1",
    }
)
# The whole certificate path is one file name such as SimpleNotificationService-<hex>.pem:
# no further segments, dot-dot, percent-encoding or parameters.
_CERTIFICATE_PATH: Final = re.compile(r"/[A-Za-z0-9_-][A-Za-z0-9._-]{0,254}\.pem")

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
    """SignatureVersion is neither 1 (SHA1withRSA) nor 2 (SHA256withRSA), or is 1 where
    version 2 is required."""


class UntrustedCertificateError(SnsMessageError):
    """The downloaded signing certificate is expired, not yet valid, or not issued to SNS
    (checked by the adapter with `certificate_names`)."""


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


@dataclass(frozen=True, slots=True)
class SnsRegion:
    """Where a topic lives, which fixes the only host its certificates may come from."""

    partition: str
    region: str

    @property
    def endpoint_host(self) -> str:
        """SNS's regional endpoint, e.g. sns.eu-west-1.amazonaws.com."""
        return f"sns.{self.region}.{_PARTITION_SUFFIX[self.partition]}"

    @property
    def certificate_names(self) -> frozenset[str]:
        """The DNS names an SNS signing certificate for this region may be issued to.

        AWS's SDK for Java v2 expects exactly one per region: sns.amazonaws.com in the older
        commercial regions, sns-signing.<region>.amazonaws.com in the opt-in ones,
        sns-<region>.amazonaws.com.cn in China and sns-us-gov-west-1.amazonaws.com in
        GovCloud. We add the regional endpoint host itself, and in the commercial partition
        the sns-signing form for regions newer than our table: every name is one AWS holds,
        in this partition and region, so none of them widens what an outsider can present.
        """
        suffix = _PARTITION_SUFFIX[self.partition]
        names = {self.endpoint_host}
        if self.partition == "aws-cn":
            names.add(f"sns-{self.region}.{suffix}")
        elif self.partition == "aws-us-gov":
            names.update({"sns-us-gov-west-1.amazonaws.com", f"sns-{self.region}.{suffix}"})
        else:
            names.add(f"sns-signing.{self.region}.{suffix}")
            if self.region not in _SIGNING_NAME_REGIONS:
                names.add(f"sns.{suffix}")
        return frozenset(names)


def topic_region(topic_arn: str) -> SnsRegion:
    """The partition and region of an SNS topic ARN, for pinning its certificate host."""
    match = _TOPIC_ARN.fullmatch(topic_arn)
    if match is None:
        raise MalformedSnsMessageError("TopicArn is not an SNS topic ARN")
    partition, region = match["partition"], match["region"]
    if partition not in _PARTITION_SUFFIX:
        raise UntrustedUrlError("TopicArn is in a partition whose SNS certificates are not known")
    prefix = _PARTITION_REGION_PREFIX.get(partition)
    in_partition = (
        region.startswith(prefix)
        if prefix
        else not any(region.startswith(p) for p in _PARTITION_REGION_PREFIX.values())
    )
    if not in_partition:
        raise MalformedSnsMessageError("TopicArn names a region outside its partition")
    return SnsRegion(partition, region)


def check_certificate_url(url: str, topic_arn: str) -> str:
    """Exactly https://sns.<region of the topic>.<partition suffix>/<name>.pem: the host is
    compared as written (no case folding, trailing dot, credentials or port), and nothing
    follows the .pem (no query, fragment or parameters)."""
    expected = topic_region(topic_arn).endpoint_host
    parts = _pinned_url(url, expected, "SigningCertURL")
    # "?" and "#" are refused even when empty: the URL must be exactly host and path.
    if not _CERTIFICATE_PATH.fullmatch(parts.path) or "?" in url or "#" in url:
        raise UntrustedUrlError("SigningCertURL is not an SNS certificate (.pem)")
    return url


def check_subscribe_url(message: SnsMessage) -> str:
    """The URL a SubscriptionConfirmation asks us to visit: https on the topic's own SNS
    endpoint, action ConfirmSubscription, for the message's own topic."""
    if message.type != SUBSCRIPTION_CONFIRMATION or not message.subscribe_url:
        raise MalformedSnsMessageError("not a SubscriptionConfirmation")
    expected = topic_region(message.topic_arn).endpoint_host
    parts = _pinned_url(message.subscribe_url, expected, "SubscribeURL")
    query = parse_qs(parts.query)
    if parts.path not in ("", "/") or query.get("Action") != ["ConfirmSubscription"]:
        raise UntrustedUrlError("SubscribeURL is not a ConfirmSubscription request")
    if query.get("TopicArn") != [message.topic_arn]:
        raise UntrustedUrlError("SubscribeURL names another topic")
    return message.subscribe_url


def check_signature_version(version: str, *, require_version_2: bool = False) -> str:
    if version not in SIGNATURE_HASHES:
        raise UnsupportedSignatureVersionError("SignatureVersion must be 1 or 2")
    if require_version_2 and version != "2":
        raise UnsupportedSignatureVersionError(
            "SignatureVersion 1 (SHA1) is refused: the topic must sign with version 2"
        )
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
    *,
    require_signature_version_2: bool = False,
) -> SnsMessage:
    """Everything but the RSA signature itself, cheapest first, so that stray traffic is
    turned away before any certificate is fetched."""
    check_signature_version(
        message.signature_version, require_version_2=require_signature_version_2
    )
    check_topic(message.topic_arn, allowed_topics)
    check_certificate_url(message.signing_cert_url, message.topic_arn)
    check_age(message.timestamp, now, max_age)
    return message


def check_certificate_validity(not_before: datetime, not_after: datetime, now: datetime) -> None:
    """A signing certificate is used only within its validity dates (no grace period)."""
    if now < not_before:
        raise UntrustedCertificateError("signing certificate is not yet valid")
    if now > not_after:
        raise UntrustedCertificateError("signing certificate has expired")


def check_certificate_names(presented: Collection[str], region: SnsRegion) -> None:
    """`presented` are the certificate's DNS names (its subjectAltName DNS entries, or its
    subject common names when it has none); one must be an SNS signing name of the region.
    Names match whole and case-insensitively; wildcards are not honoured."""
    accepted = region.certificate_names
    if not any(name.lower().rstrip(".") in accepted for name in presented):
        raise UntrustedCertificateError("signing certificate is not issued to SNS")


def _pinned_url(url: str, expected_host: str, what: str) -> SplitResult:
    # Checked on the raw text first: urlsplit would quietly lower-case "HTTPS:" and drop
    # whitespace or control characters that some HTTP clients treat differently.
    if not url.isascii() or not url.isprintable() or " " in url or "\\" in url:
        raise UntrustedUrlError(f"{what} is not a valid URL")
    if not url.startswith("https://"):
        raise UntrustedUrlError(f"{what} must use https")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UntrustedUrlError(f"{what} is not a valid URL") from None
    if "@" in parts.netloc or port is not None:
        raise UntrustedUrlError(f"{what} must not carry credentials or a port")
    # The netloc as written, not the parsed hostname: an upper-case or trailing-dot host is
    # refused rather than normalised, as AWS's SDKs compare the host as a plain string.
    if parts.netloc != expected_host:
        raise UntrustedUrlError(f"{what} host is not the SNS endpoint of the topic's region")
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
