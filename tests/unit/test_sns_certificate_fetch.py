"""How the SNS signing certificate is fetched: over HTTPS verified against Amazon Trust
Services' roots first, and against the system store only when the chain ends elsewhere
(adapters/sns_certificates.py). No network: the openers are replaced by recorders."""

from __future__ import annotations

import ssl
import urllib.error
from datetime import UTC, datetime

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from adapters import sns_certificates
from adapters.sns_certificates import AMAZON_TRUST_ROOTS, FetchError, https_get

URL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem"


def test_the_bundle_holds_exactly_amazons_roots_and_their_cross_signer():
    certificates = x509.load_pem_x509_certificates(AMAZON_TRUST_ROOTS.read_bytes())
    names = sorted(
        c.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value for c in certificates
    )
    assert names == [
        "Amazon Root CA 1",
        "Amazon Root CA 2",
        "Amazon Root CA 3",
        "Amazon Root CA 4",
        "Starfield Services Root Certificate Authority - G2",
    ]
    now = datetime(2026, 11, 30, tzinfo=UTC)
    for certificate in certificates:
        assert certificate.subject == certificate.issuer  # self-signed roots
        assert certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        assert certificate.not_valid_before_utc < now < certificate.not_valid_after_utc


def test_the_first_context_trusts_those_five_roots_and_nothing_else():
    context = ssl.create_default_context(cafile=AMAZON_TRUST_ROOTS)
    assert context.cert_store_stats()["x509_ca"] == 5
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname


class Response:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def __enter__(self) -> Response:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def read(self, limit: int) -> bytes:
        return self.body[:limit]


class Opener:
    def __init__(self, outcome: bytes | Exception) -> None:
        self.outcome = outcome
        self.urls: list[str] = []

    def open(self, request, timeout):
        self.urls.append(request.full_url)
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return Response(self.outcome)


@pytest.fixture
def openers(monkeypatch):
    def install(amazon: bytes | Exception, system: bytes | Exception):
        first, second = Opener(amazon), Opener(system)
        monkeypatch.setattr(sns_certificates, "_amazon_opener", first)
        monkeypatch.setattr(sns_certificates, "_system_opener", lambda: second)
        return first, second

    return install


def test_a_chain_under_amazons_roots_never_loads_the_system_store(openers):
    amazon, system = openers(b"-----BEGIN CERTIFICATE-----", AssertionError("not used"))
    assert https_get(URL) == b"-----BEGIN CERTIFICATE-----"
    assert (amazon.urls, system.urls) == ([URL], [])


def test_a_chain_ending_elsewhere_is_verified_again_against_the_system_store(openers):
    refused = urllib.error.URLError(ssl.SSLCertVerificationError(1, "unable to get local issuer"))
    amazon, system = openers(refused, b"cert")
    assert https_get(URL) == b"cert"
    assert (amazon.urls, system.urls) == ([URL], [URL])


def test_a_chain_the_system_store_refuses_too_is_a_failure(openers):
    refused = urllib.error.URLError(ssl.SSLCertVerificationError(1, "self-signed"))
    openers(refused, refused)
    with pytest.raises(FetchError) as failure:
        https_get(URL)
    assert failure.value.retryable


@pytest.mark.parametrize(
    "error",
    [
        urllib.error.URLError(TimeoutError()),
        urllib.error.HTTPError(URL, 404, "Not Found", {}, None),
        ConnectionResetError(),
    ],
)
def test_other_failures_do_not_try_the_system_store(openers, error):
    _amazon, system = openers(error, b"never")
    with pytest.raises(FetchError):
        https_get(URL)
    assert system.urls == []
