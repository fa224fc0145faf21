"""SNS HTTP message checks (domain/sns_signature.py) and RSA verification
(adapters/sns_certificates.py), with a TEST-ONLY key standing in for SNS's."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest

from adapters.sns_certificates import (
    FAILED_URL_TTL,
    MAX_FAILED_URLS,
    RETRYABLE_FAILURE_TTL,
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
    UntrustedCertificateError,
    UntrustedUrlError,
    check_certificate_url,
    check_subscribe_url,
    parse_sns_message,
    string_to_sign,
    topic_region,
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


CN_TOPIC = "arn:aws-cn:sns:cn-north-1:210987654321:ses-feedback"
GOV_TOPIC = "arn:aws-us-gov:sns:us-gov-west-1:210987654321:ses-feedback"
PEM = "/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem"


@pytest.mark.parametrize(
    "url",
    [
        # the S3 endpoints that answer for a bucket named "sns" (a looser host rule took them)
        f"https://sns.s3-accelerate.amazonaws.com{PEM}",
        f"https://sns.s3-external-1.amazonaws.com{PEM}",
        f"https://sns.s3-us-east-1.amazonaws.com{PEM}",
        f"https://sns.s3.amazonaws.com{PEM}",
        f"https://sns.s3.us-east-1.amazonaws.com{PEM}",
        f"https://sns.s3-website-us-east-1.amazonaws.com{PEM}",
        # another region's SNS endpoint, or another partition's
        f"https://sns.eu-west-1.amazonaws.com{PEM}",
        f"https://sns.us-east-2.amazonaws.com{PEM}",
        f"https://sns.us-east-1.amazonaws.com.cn{PEM}",
        f"https://sns.amazonaws.com{PEM}",
        # look-alike hosts
        f"https://sns.us-east-1.amazonaws.com.evil.com{PEM}",
        f"https://sns.us-east-1.amazonaws.com.evil.example{PEM}",
        f"https://evil.example/sns.us-east-1.amazonaws.com{PEM}",
        f"https://s3.amazonaws.com/sns.us-east-1.amazonaws.com{PEM}",
        f"https://xsns.us-east-1.amazonaws.com{PEM}",
        f"https://sns.us-east-1.amazonaws.com@evil.example{PEM}",
        f"https://evil.example#@sns.us-east-1.amazonaws.com{PEM}",
        f"https://evil.example\\@sns.us-east-1.amazonaws.com{PEM}",
        # credentials, ports, case and trailing-dot tricks
        f"https://user@sns.us-east-1.amazonaws.com{PEM}",
        f"https://user:pw@sns.us-east-1.amazonaws.com{PEM}",
        f"https://@sns.us-east-1.amazonaws.com{PEM}",
        f"https://sns.us-east-1.amazonaws.com:443{PEM}",
        f"https://sns.us-east-1.amazonaws.com:8443{PEM}",
        f"https://sns.us-east-1.amazonaws.com:{PEM}",
        f"https://SNS.us-east-1.amazonaws.com{PEM}",
        f"https://sns.US-EAST-1.amazonaws.com{PEM}",
        f"https://sns.us-east-1.amazonaws.com.{PEM}",
        f"https://sns.us-east-1.amazonaws.com%2eevil.example{PEM}",
        # schemes
        f"http://sns.us-east-1.amazonaws.com{PEM}",
        f"HTTPS://sns.us-east-1.amazonaws.com{PEM}",
        f" https://sns.us-east-1.amazonaws.com{PEM}",
        f"https:/sns.us-east-1.amazonaws.com{PEM}",
        f"https:sns.us-east-1.amazonaws.com{PEM}",
        "file:///etc/ssl/cert.pem",
        "//sns.us-east-1.amazonaws.com/x.pem",
        # paths, queries, fragments
        "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-x.txt",
        "https://sns.us-east-1.amazonaws.com/x.pem?redirect=https://evil.example/x.pem",
        "https://sns.us-east-1.amazonaws.com/x.pem?",
        "https://sns.us-east-1.amazonaws.com/x.pem#frag",
        "https://sns.us-east-1.amazonaws.com/x.txt#.pem",
        "https://sns.us-east-1.amazonaws.com/x.txt?.pem",
        "https://sns.us-east-1.amazonaws.com/x.txt;.pem",
        "https://sns.us-east-1.amazonaws.com/../x.pem",
        "https://sns.us-east-1.amazonaws.com/a/x.pem",
        "https://sns.us-east-1.amazonaws.com//x.pem",
        "https://sns.us-east-1.amazonaws.com/x%2epem",
        "https://sns.us-east-1.amazonaws.com/.pem",
        "https://sns.us-east-1.amazonaws.com",
        "https://sns.us-east-1.amazonaws.com/x.pem\n",
        "https://sns.us-east-1.amazonaws.com/x\t.pem",
        "https://sns.us-east-1.amazonaws.com/x\u00e9.pem",
    ],
)
def test_untrusted_certificate_urls_are_rejected_before_fetching(signer, verifier, fetcher, url):
    body = signer.sign(notification("x"))
    body["SigningCertURL"] = url
    with pytest.raises(UntrustedUrlError):
        verifier.verify(body, ALLOWED)
    assert fetcher.calls == []


@pytest.mark.parametrize(
    "url, topic",
    [
        (f"https://sns.us-east-1.amazonaws.com{PEM}", TOPIC_ARN),
        (f"https://sns.eu-west-1.amazonaws.com{PEM}", "arn:aws:sns:eu-west-1:210987654321:t"),
        (f"https://sns.us-gov-west-1.amazonaws.com{PEM}", GOV_TOPIC),
        (f"https://sns.cn-north-1.amazonaws.com.cn{PEM}", CN_TOPIC),
        ("https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem", TOPIC_ARN),
    ],
)
def test_sns_certificate_urls_are_accepted(url, topic):
    assert check_certificate_url(url, topic) == url


@pytest.mark.parametrize(
    "url, topic",
    [
        # each host is a real SNS endpoint, but not the one of the topic's region
        (f"https://sns.us-east-1.amazonaws.com{PEM}", "arn:aws:sns:eu-west-1:210987654321:t"),
        (f"https://sns.cn-north-1.amazonaws.com{PEM}", CN_TOPIC),
        (f"https://sns.cn-northwest-1.amazonaws.com.cn{PEM}", CN_TOPIC),
        (f"https://sns.us-gov-east-1.amazonaws.com{PEM}", GOV_TOPIC),
        (f"https://sns.us-gov-west-1.amazonaws.com.cn{PEM}", GOV_TOPIC),
    ],
)
def test_certificate_url_must_be_in_the_topics_region(url, topic):
    with pytest.raises(UntrustedUrlError, match="region"):
        check_certificate_url(url, topic)


@pytest.mark.parametrize(
    "topic",
    [
        "arn:aws-iso:sns:us-iso-east-1:210987654321:t",  # a partition we cannot pin
        "arn:aws:sns:cn-north-1:210987654321:t",  # a China region outside aws-cn
        "arn:aws-cn:sns:us-east-1:210987654321:t",  # aws-cn outside China
        "arn:aws:sns:us-gov-west-1:210987654321:t",
        "arn:aws:sns::210987654321:t",
        "arn:aws:sqs:us-east-1:210987654321:t",
    ],
)
def test_topics_whose_certificate_host_cannot_be_pinned_fetch_nothing(signer, fetcher, topic):
    store = CertificateStore(fetcher)
    with pytest.raises((UntrustedUrlError, MalformedSnsMessageError)):
        store.public_key(CERT_URL, topic)
    body = signer.sign(notification("x", TopicArn=topic))
    with pytest.raises((UntrustedUrlError, MalformedSnsMessageError)):
        SnsSignatureVerifier(store, fixed_clock(SAMPLE_TIME)).verify(body, {topic})
    assert fetcher.calls == []


@pytest.mark.parametrize(
    "topic, names",
    [
        (TOPIC_ARN, {"sns.amazonaws.com", "sns.us-east-1.amazonaws.com"}),
        ("arn:aws:sns:ap-east-1:210987654321:t", {"sns-signing.ap-east-1.amazonaws.com"}),
        (CN_TOPIC, {"sns-cn-north-1.amazonaws.com.cn", "sns.cn-north-1.amazonaws.com.cn"}),
        (GOV_TOPIC, {"sns-us-gov-west-1.amazonaws.com"}),
        ("arn:aws-us-gov:sns:us-gov-east-1:210987654321:t", {"sns-us-gov-west-1.amazonaws.com"}),
    ],
)
def test_certificate_names_per_region(topic, names):
    accepted = topic_region(topic).certificate_names
    assert names <= accepted
    assert "sns.amazonaws.com.evil.example" not in accepted
    if not topic.startswith("arn:aws:"):
        assert "sns.amazonaws.com" not in accepted  # a commercial name in another partition
    if ":ap-east-1:" in topic:
        assert "sns.amazonaws.com" not in accepted  # opt-in regions use their own name


# --- the downloaded certificate ----------------------------------------------------------------


def _store_for(signer: SnsTestSigner, now=SAMPLE_TIME, url=CERT_URL) -> CertificateStore:
    return CertificateStore(FakeFetcher({url: signer.cert_pem}), clock=fixed_clock(now))


@pytest.mark.parametrize(
    "common_name, alt_names",
    [
        ("sns.amazonaws.com", ("sns.amazonaws.com",)),
        ("sns.amazonaws.com", ()),  # CN only, as older certificates are
        (None, ("sns.us-east-1.amazonaws.com",)),
        ("TEST", ("other.example", "SNS.amazonaws.com")),  # one SAN suffices; case-blind
    ],
)
def test_certificates_issued_to_sns_are_accepted(common_name, alt_names):
    signer = SnsTestSigner(common_name=common_name, alt_names=alt_names)
    assert _store_for(signer).public_key(CERT_URL, TOPIC_ARN) is not None


@pytest.mark.parametrize(
    "common_name, alt_names",
    [
        ("evil.example", ()),
        ("evil.example", ("evil.example",)),
        ("TEST ONLY sns.amazonaws.com", ()),  # the old test certificate's name
        ("sns.amazonaws.com.evil.example", ()),
        ("*.amazonaws.com", ()),
        ("sns.amazonaws.com", ("evil.example",)),  # a SAN list overrides the CN
        ("sns.eu-west-1.amazonaws.com", ()),  # another region's endpoint
        ("sns-signing.ap-east-1.amazonaws.com", ()),
        ("sns.s3.amazonaws.com", ()),
        (None, ()),
    ],
)
def test_wrongly_named_certificates_are_refused(common_name, alt_names):
    signer = SnsTestSigner(common_name=common_name, alt_names=alt_names)
    with pytest.raises(UntrustedCertificateError, match="not issued to SNS"):
        _store_for(signer).public_key(CERT_URL, TOPIC_ARN)


def test_certificate_names_follow_the_topics_partition():
    url = f"https://sns.cn-north-1.amazonaws.com.cn{PEM}"
    china = SnsTestSigner(common_name="sns-cn-north-1.amazonaws.com.cn", alt_names=())
    assert _store_for(china, url=url).public_key(url, CN_TOPIC) is not None
    commercial = SnsTestSigner()  # sns.amazonaws.com: not a name AWS China uses
    with pytest.raises(UntrustedCertificateError):
        _store_for(commercial, url=url).public_key(url, CN_TOPIC)


def test_expired_and_not_yet_valid_certificates_are_refused():
    start, end = SAMPLE_TIME - timedelta(days=365), SAMPLE_TIME - timedelta(seconds=1)
    expired = SnsTestSigner(not_before=start, not_after=end)
    with pytest.raises(UntrustedCertificateError, match="expired"):
        _store_for(expired).public_key(CERT_URL, TOPIC_ARN)
    future = SnsTestSigner(
        not_before=SAMPLE_TIME + timedelta(seconds=1), not_after=SAMPLE_TIME + timedelta(days=9)
    )
    with pytest.raises(UntrustedCertificateError, match="not yet valid"):
        _store_for(future).public_key(CERT_URL, TOPIC_ARN)
    # the same certificates within their dates
    assert _store_for(expired, now=end).public_key(CERT_URL, TOPIC_ARN) is not None
    assert _store_for(future, now=SAMPLE_TIME + timedelta(days=1)).public_key(CERT_URL, TOPIC_ARN)


def test_a_cached_certificate_is_refused_once_it_expires():
    signer = SnsTestSigner(not_before=SAMPLE_TIME, not_after=SAMPLE_TIME + timedelta(hours=1))
    now = [SAMPLE_TIME + timedelta(minutes=1)]
    fetcher = FakeFetcher({CERT_URL: signer.cert_pem})
    store = CertificateStore(fetcher, clock=lambda: now[0])
    store.public_key(CERT_URL, TOPIC_ARN)
    now[0] = SAMPLE_TIME + timedelta(hours=2)
    with pytest.raises(UntrustedCertificateError, match="expired"):
        store.public_key(CERT_URL, TOPIC_ARN)
    assert fetcher.calls == [CERT_URL]


def test_expired_certificate_fails_verification_end_to_end():
    expired = SnsTestSigner(
        not_before=SAMPLE_TIME - timedelta(days=30), not_after=SAMPLE_TIME - timedelta(days=1)
    )
    verifier = SnsSignatureVerifier(_store_for(expired), fixed_clock(SAMPLE_TIME))
    with pytest.raises(UntrustedCertificateError):
        verifier.verify(expired.sign(notification("x"), "2"), ALLOWED)


# --- failed certificate URLs are remembered -----------------------------------------------------


def test_a_failed_certificate_url_is_not_fetched_again_until_its_ttl_passes():
    now = [SAMPLE_TIME]
    fetcher = FakeFetcher({})  # every certificate URL answers 404
    store = CertificateStore(fetcher, clock=lambda: now[0])
    for _ in range(50):
        with pytest.raises(UntrustedUrlError, match="not found"):
            store.public_key(CERT_URL, TOPIC_ARN)
    assert fetcher.calls == [CERT_URL]
    now[0] += FAILED_URL_TTL + timedelta(seconds=1)
    with pytest.raises(UntrustedUrlError, match="not found"):
        store.public_key(CERT_URL, TOPIC_ARN)
    assert fetcher.calls == [CERT_URL, CERT_URL]


def test_a_wrongly_named_certificate_is_remembered_as_failed():
    wrong = SnsTestSigner(common_name="evil.example", alt_names=())
    fetcher = FakeFetcher({CERT_URL: wrong.cert_pem})
    store = CertificateStore(fetcher, clock=fixed_clock(SAMPLE_TIME))
    for _ in range(3):
        with pytest.raises(UntrustedCertificateError):
            store.public_key(CERT_URL, TOPIC_ARN)
    assert fetcher.calls == [CERT_URL]
    assert len(store) == 0 and store.failed_urls() == 1


def test_a_transient_failure_heals_before_snss_next_retry(signer):
    now = [SAMPLE_TIME]
    outage = [True]
    calls: list[str] = []

    def flaky(url: str) -> bytes:
        calls.append(url)
        if outage[0]:
            raise FetchError("TimeoutError", retryable=True)
        return signer.cert_pem

    store = CertificateStore(flaky, clock=lambda: now[0])
    for _ in range(5):
        with pytest.raises(SnsEndpointUnavailableError):
            store.public_key(CERT_URL, TOPIC_ARN)
    assert calls == [CERT_URL]
    outage[0] = False
    now[0] += RETRYABLE_FAILURE_TTL + timedelta(seconds=1)
    assert timedelta(seconds=20) > RETRYABLE_FAILURE_TTL  # SNS's default HTTPS retry delay
    assert store.public_key(CERT_URL, TOPIC_ARN) is not None
    assert store.failed_urls() == 0


def test_remembered_failures_are_bounded():
    fetcher = FakeFetcher({})
    store = CertificateStore(fetcher, clock=fixed_clock(SAMPLE_TIME))
    for i in range(MAX_FAILED_URLS + 10):
        with pytest.raises(UntrustedUrlError):
            store.public_key(f"https://sns.us-east-1.amazonaws.com/junk-{i}.pem", TOPIC_ARN)
    assert store.failed_urls() == MAX_FAILED_URLS


# --- signature version ----------------------------------------------------------------------------


def test_signature_version_1_can_be_refused_before_fetching(signer, verifier, fetcher):
    v1 = signer.sign(notification("x"), "1")
    with pytest.raises(UnsupportedSignatureVersionError, match="version 2"):
        verifier.verify(v1, ALLOWED, require_signature_version_2=True)
    assert fetcher.calls == []
    v2 = signer.sign(notification("x"), "2")
    assert verifier.verify(v2, ALLOWED, require_signature_version_2=True).signature_version == "2"
    assert verifier.verify(v1, ALLOWED).signature_version == "1"  # the default accepts both


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
    store.public_key(urls[0], TOPIC_ARN)
    store.public_key(urls[0], TOPIC_ARN)
    assert fetcher.calls == [urls[0]]
    store.public_key(urls[1], TOPIC_ARN)
    store.public_key(urls[2], TOPIC_ARN)
    assert len(store) == 2
    store.public_key(urls[0], TOPIC_ARN)  # evicted, fetched again
    assert fetcher.calls == [urls[0], urls[1], urls[2], urls[0]]


def test_certificate_fetch_failures(signer):
    def unreachable(url: str) -> bytes:
        raise FetchError("TimeoutError", retryable=True)

    with pytest.raises(SnsEndpointUnavailableError):
        CertificateStore(unreachable).public_key(CERT_URL, TOPIC_ARN)
    with pytest.raises(UntrustedUrlError, match="not found"):
        CertificateStore(FakeFetcher({})).public_key(CERT_URL, TOPIC_ARN)
    with pytest.raises(UntrustedUrlError, match="certificate"):
        CertificateStore(FakeFetcher({CERT_URL: b"<html>"})).public_key(CERT_URL, TOPIC_ARN)


def test_subscription_is_confirmed_by_visiting_the_subscribe_url(signer, verifier, fetcher):
    message = verifier.verify(signer.sign(confirmation()), ALLOWED)
    SubscriptionConfirmer(fetcher).confirm(message)
    assert fetcher.calls[-1] == message.subscribe_url


@pytest.mark.parametrize(
    "url, reason",
    [
        ("http://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription", "https"),
        ("https://evil.example/?Action=ConfirmSubscription", "SNS endpoint"),
        (
            "https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription"
            f"&TopicArn={TOPIC_ARN}&Token=t",
            "region",
        ),
        (
            "https://sns.s3.amazonaws.com/?Action=ConfirmSubscription"
            f"&TopicArn={TOPIC_ARN}&Token=t",
            "SNS endpoint",
        ),
        (
            "https://sns.us-east-1.amazonaws.com/other?Action=ConfirmSubscription"
            f"&TopicArn={TOPIC_ARN}&Token=t",
            "ConfirmSubscription",
        ),
        ("https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=t", "topic"),
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
    from adapters.settings import ConfigurationError
    from adapters.webhook_settings import load_webhook_settings

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
    # a topic whose certificate host cannot be derived could never be verified: say so now
    with pytest.raises(ConfigurationError, match="partition"):
        load_webhook_settings(
            {"WEBHOOK_ALLOWED_TOPIC_ARNS": "arn:aws-iso:sns:us-iso-east-1:210987654321:t"}
        )


@pytest.mark.parametrize(
    "raw, expected", [(None, False), ("", False), ("false", False), ("true", True), ("TRUE", True)]
)
def test_webhook_signature_version_setting(raw, expected):
    from adapters.webhook_settings import load_webhook_settings

    env = {"WEBHOOK_ALLOWED_TOPIC_ARNS": TOPIC_ARN}
    if raw is not None:
        env["WEBHOOK_REQUIRE_SIGNATURE_VERSION_2"] = raw
    assert load_webhook_settings(env).require_signature_version_2 is expected


def test_webhook_signature_version_setting_must_be_a_boolean():
    from adapters.settings import ConfigurationError
    from adapters.webhook_settings import load_webhook_settings

    with pytest.raises(ConfigurationError, match="WEBHOOK_REQUIRE_SIGNATURE_VERSION_2"):
        load_webhook_settings(
            {"WEBHOOK_ALLOWED_TOPIC_ARNS": TOPIC_ARN, "WEBHOOK_REQUIRE_SIGNATURE_VERSION_2": "1"}
        )
