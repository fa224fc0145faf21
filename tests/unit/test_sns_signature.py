"""SNS HTTP message checks (domain/sns_signature.py) and RSA verification
(adapters/sns_certificates.py), with a TEST-ONLY key standing in for SNS's."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest

from adapters.sns_certificates import (
    CertificateStore,
    FetchError,
    SnsSignatureVerifier,
    SubscriptionConfirmer,
)
from domain.sns_signature import (
    InvalidSignatureError,
    MalformedSnsMessageError,
    SnsEndpointUnavailableError,
    StaleMessageError,
    TopicNotAllowedError,
    UnsupportedSignatureVersionError,
    UntrustedUrlError,
    check_certificate_url,
    check_subscribe_url,
    parse_sns_message,
    string_to_sign,
)
from tests.sns_signing import (
    CERT_URL,
    SAMPLE_TIME,
    TOPIC_ARN,
    FakeFetcher,
    SnsTestSigner,
    confirmation,
    fixed_clock,
    notification,
)

ALLOWED = frozenset({TOPIC_ARN})


@pytest.fixture(scope="module")
def signer() -> SnsTestSigner:
    return SnsTestSigner()


@pytest.fixture
def fetcher(signer: SnsTestSigner) -> FakeFetcher:
    return FakeFetcher({CERT_URL: signer.cert_pem})


@pytest.fixture
def verifier(fetcher: FakeFetcher) -> SnsSignatureVerifier:
    return SnsSignatureVerifier(
        CertificateStore(fetcher), fixed_clock(SAMPLE_TIME + timedelta(seconds=30))
    )


# --- the string to sign ----------------------------------------------------------------------


def test_notification_string_to_sign_with_subject():
    body = notification("Hello world!", Subject="My First Message", MessageId="m-1")
    assert string_to_sign(body) == (
        b"Message\nHello world!\n"
        b"MessageId\nm-1\n"
        b"Subject\nMy First Message\n"
        b"Timestamp\n2026-11-20T09:41:03.000Z\n"
        b"TopicArn\n" + TOPIC_ARN.encode() + b"\n"
        b"Type\nNotification\n"
    )


@pytest.mark.parametrize("subject", ["absent", None])
def test_notification_string_to_sign_without_subject(subject):
    body = notification("Hello", MessageId="m-1")
    if subject is None:
        body["Subject"] = None  # what SES's notifications carry: a JSON null
    signed = string_to_sign(body)
    assert b"Subject" not in signed
    assert signed.startswith(b"Message\nHello\nMessageId\nm-1\nTimestamp\n")
    # UnsubscribeURL, SigningCertURL and SignatureVersion are never signed
    assert b"UnsubscribeURL" not in signed and b"SigningCert" not in signed


@pytest.mark.parametrize("kind", ["SubscriptionConfirmation", "UnsubscribeConfirmation"])
def test_confirmation_string_to_sign(kind):
    body = confirmation(
        kind, Message="msg", MessageId="m-2", Token="tok", SubscribeURL="https://s/"
    )
    names = [line for i, line in enumerate(string_to_sign(body).split(b"\n")) if i % 2 == 0]
    assert names == [
        b"Message",
        b"MessageId",
        b"SubscribeURL",
        b"Timestamp",
        b"Token",
        b"TopicArn",
        b"Type",
        b"",  # the trailing newline
    ]
    assert f"Type\n{kind}\n".encode() in string_to_sign(body)


def test_message_control_characters_are_signed_as_is():
    signed = string_to_sign(notification('{"a": "line\\nbreak"}\nreal newline'))
    assert b'Message\n{"a": "line\\nbreak"}\nreal newline\nMessageId' in signed


def test_unknown_type_and_missing_fields_are_malformed():
    with pytest.raises(MalformedSnsMessageError, match="Type"):
        string_to_sign({"Type": "Teleport"})
    body = notification("x")
    del body["TopicArn"]
    with pytest.raises(MalformedSnsMessageError, match="TopicArn"):
        parse_sns_message({**body, "Signature": "AAAA"})


# --- verification ----------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["1", "2"])
def test_signed_message_verifies(signer, verifier, version):
    body = signer.sign(notification('{"eventType": "Bounce"}', Subject="s"), version)
    message = verifier.verify(body, ALLOWED)
    assert message.signature_version == version
    assert message.hash_algorithm == {"1": "sha1", "2": "sha256"}[version]
    assert message.message == '{"eventType": "Bounce"}'
    assert message.subject == "s"


@pytest.mark.parametrize("kind", ["SubscriptionConfirmation", "UnsubscribeConfirmation"])
def test_confirmations_verify(signer, verifier, kind):
    message = verifier.verify(signer.sign(confirmation(kind), "2"), ALLOWED)
    assert message.type == kind
    assert message.token and message.subscribe_url


def test_lambda_style_signing_cert_url_is_accepted(signer, verifier):
    body = signer.sign(notification("x"))
    body["SigningCertUrl"] = body.pop("SigningCertURL")
    assert verifier.verify(body, ALLOWED).signing_cert_url == CERT_URL


@pytest.mark.parametrize(
    "field, value",
    [("Message", "tampered"), ("Subject", "added"), ("Timestamp", "2026-11-20T09:41:04.000Z")],
)
def test_tampered_message_fails(signer, verifier, field, value):
    body = signer.sign(notification("original"))
    body[field] = value
    with pytest.raises(InvalidSignatureError):
        verifier.verify(body, ALLOWED)


def test_signature_from_another_key_fails(verifier):
    other = SnsTestSigner()
    with pytest.raises(InvalidSignatureError):
        verifier.verify(other.sign(notification("x")), ALLOWED)


def test_version_mismatch_fails(signer, verifier):
    body = signer.sign(notification("x"), "1")
    body["SignatureVersion"] = "2"  # a SHA1 signature checked as SHA256
    with pytest.raises(InvalidSignatureError):
        verifier.verify(body, ALLOWED)


@pytest.mark.parametrize("version", ["3", "0", ""])
def test_unsupported_signature_version(signer, verifier, version):
    body = signer.sign(notification("x"))
    body["SignatureVersion"] = version
    with pytest.raises((UnsupportedSignatureVersionError, MalformedSnsMessageError)):
        verifier.verify(body, ALLOWED)


def test_signature_that_is_not_base64_is_malformed(signer, verifier):
    body = signer.sign(notification("x"))
    body["Signature"] = "not base64!"
    with pytest.raises(MalformedSnsMessageError):
        verifier.verify(body, ALLOWED)


@pytest.mark.parametrize(
    "url",
    [
        "http://sns.us-east-1.amazonaws.com/SimpleNotificationService-x.pem",
        "https://sns.us-east-1.amazonaws.com.evil.example/SimpleNotificationService-x.pem",
        "https://s3.amazonaws.com/my-bucket/SimpleNotificationService-x.pem",
        "https://sns.amazonaws.com/SimpleNotificationService-x.pem",
        "https://evil.example/sns.us-east-1.amazonaws.com/x.pem",
        "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-x.txt",
        "https://sns.us-east-1.amazonaws.com/x.pem?redirect=https://evil.example/x.pem",
        "https://user@sns.us-east-1.amazonaws.com/x.pem",
        "https://sns.us-east-1.amazonaws.com:8443/x.pem",
        "file:///etc/ssl/cert.pem",
    ],
)
def test_untrusted_certificate_urls_are_rejected_before_fetching(signer, verifier, fetcher, url):
    body = signer.sign(notification("x"))
    body["SigningCertURL"] = url
    with pytest.raises(UntrustedUrlError):
        verifier.verify(body, ALLOWED)
    assert fetcher.calls == []


@pytest.mark.parametrize(
    "url",
    [
        "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem",
        "https://sns.us-gov-west-1.amazonaws.com/SimpleNotificationService-abc.pem",
        "https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-abc.pem",
    ],
)
def test_sns_certificate_urls_are_accepted(url):
    assert check_certificate_url(url) == url


def test_disallowed_topic_is_rejected_before_fetching(signer, verifier, fetcher):
    body = signer.sign(notification("x", TopicArn="arn:aws:sns:us-east-1:999999999999:other"))
    with pytest.raises(TopicNotAllowedError):
        verifier.verify(body, ALLOWED)
    assert fetcher.calls == []


def test_stale_message_is_rejected(signer, fetcher):
    body = signer.sign(notification("x"))
    late = SnsSignatureVerifier(
        CertificateStore(fetcher), fixed_clock(SAMPLE_TIME + timedelta(hours=1, seconds=1))
    )
    with pytest.raises(StaleMessageError, match="too old"):
        late.verify(body, ALLOWED)
    just_in_time = SnsSignatureVerifier(
        CertificateStore(fetcher), fixed_clock(SAMPLE_TIME + timedelta(minutes=59))
    )
    assert just_in_time.verify(body, ALLOWED).message == "x"
    with pytest.raises(StaleMessageError):
        just_in_time.verify(body, ALLOWED, max_age=timedelta(minutes=10))


def test_message_from_the_future_is_rejected(signer, fetcher):
    early = SnsSignatureVerifier(
        CertificateStore(fetcher), fixed_clock(SAMPLE_TIME - timedelta(minutes=10))
    )
    with pytest.raises(StaleMessageError, match="future"):
        early.verify(signer.sign(notification("x")), ALLOWED)


# --- certificates and subscription confirmation ---------------------------------------------


def test_certificates_are_cached_by_url_and_bounded(signer):
    urls = [f"https://sns.us-east-1.amazonaws.com/SimpleNotificationService-{i}.pem" for i in "abc"]
    fetcher = FakeFetcher(dict.fromkeys(urls, signer.cert_pem))
    store = CertificateStore(fetcher, max_entries=2)
    store.public_key(urls[0])
    store.public_key(urls[0])
    assert fetcher.calls == [urls[0]]
    store.public_key(urls[1])
    store.public_key(urls[2])
    assert len(store) == 2
    store.public_key(urls[0])  # evicted, fetched again
    assert fetcher.calls == [urls[0], urls[1], urls[2], urls[0]]


def test_certificate_fetch_failures(signer):
    def unreachable(url: str) -> bytes:
        raise FetchError("TimeoutError", retryable=True)

    with pytest.raises(SnsEndpointUnavailableError):
        CertificateStore(unreachable).public_key(CERT_URL)
    with pytest.raises(UntrustedUrlError, match="not found"):
        CertificateStore(FakeFetcher({})).public_key(CERT_URL)
    with pytest.raises(UntrustedUrlError, match="certificate"):
        CertificateStore(FakeFetcher({CERT_URL: b"<html>"})).public_key(CERT_URL)


def test_subscription_is_confirmed_by_visiting_the_subscribe_url(signer, verifier, fetcher):
    message = verifier.verify(signer.sign(confirmation()), ALLOWED)
    SubscriptionConfirmer(fetcher).confirm(message)
    assert fetcher.calls[-1] == message.subscribe_url


@pytest.mark.parametrize(
    "url, reason",
    [
        ("http://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription", "https"),
        ("https://evil.example/?Action=ConfirmSubscription", "SNS endpoint"),
        ("https://sns.us-east-1.amazonaws.com/?Action=Subscribe", "ConfirmSubscription"),
        (
            "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription"
            "&TopicArn=arn:aws:sns:us-east-1:999999999999:other&Token=t",
            "another topic",
        ),
    ],
)
def test_untrusted_subscribe_urls_are_not_visited(signer, verifier, fetcher, url, reason):
    message = verifier.verify(signer.sign(confirmation(SubscribeURL=url)), ALLOWED)
    calls = len(fetcher.calls)
    with pytest.raises(UntrustedUrlError, match=reason):
        SubscriptionConfirmer(fetcher).confirm(message)
    assert len(fetcher.calls) == calls
    with pytest.raises(UntrustedUrlError):
        check_subscribe_url(message)


def test_only_subscription_confirmations_are_confirmed(signer, verifier, fetcher):
    message = verifier.verify(signer.sign(confirmation("UnsubscribeConfirmation")), ALLOWED)
    with pytest.raises(MalformedSnsMessageError):
        SubscriptionConfirmer(fetcher).confirm(message)


def test_signature_bytes_round_trip(signer, verifier):
    body = signer.sign(notification("x"), "2")
    message = verifier.verify(body, ALLOWED)
    assert base64.b64encode(message.signature).decode() == body["Signature"]


# --- settings --------------------------------------------------------------------------------


def test_webhook_settings():
    from adapters.settings import ConfigurationError, load_webhook_settings

    other = "arn:aws-cn:sns:cn-north-1:210987654321:other.fifo"
    cfg = load_webhook_settings({"WEBHOOK_ALLOWED_TOPIC_ARNS": f" {TOPIC_ARN} ,,{other},"})
    assert cfg.allowed_topic_arns == {TOPIC_ARN, other}
    assert cfg.max_message_age == timedelta(hours=1)
    cfg = load_webhook_settings(
        {"WEBHOOK_ALLOWED_TOPIC_ARNS": TOPIC_ARN, "WEBHOOK_MAX_MESSAGE_AGE_SECONDS": "600"}
    )
    assert cfg.max_message_age == timedelta(minutes=10)
    for bad in ({}, {"WEBHOOK_ALLOWED_TOPIC_ARNS": " , "}, {"WEBHOOK_ALLOWED_TOPIC_ARNS": "*"}):
        with pytest.raises(ConfigurationError, match="WEBHOOK_ALLOWED_TOPIC_ARNS"):
            load_webhook_settings(bad)
    with pytest.raises(ConfigurationError, match="WEBHOOK_MAX_MESSAGE_AGE_SECONDS"):
        load_webhook_settings(
            {"WEBHOOK_ALLOWED_TOPIC_ARNS": TOPIC_ARN, "WEBHOOK_MAX_MESSAGE_AGE_SECONDS": "0"}
        )
