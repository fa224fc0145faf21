"""SNS signing certificates and subscription confirmation: the network and RSA half of
verifying an SNS HTTP(S) message (the rules are in domain/sns_signature.py).

The fetcher is injectable (`Fetcher`: URL -> body bytes); tests and the demo pass one that
never touches the network. The default fetches over HTTPS with certificate verification, a
timeout, a size cap and no redirects (a redirect could leave the SNS host we checked).

The HTTPS connection is first verified against Amazon Trust Services' roots alone
(`amazon_trust_roots.pem`: the CA of AWS service endpoints, SNS's among them), and only when
the server's chain does not end there, again against the system's store. Nothing is trusted
that the system store would not trust, and the cold start loads five roots instead of the
system's hundred and more (docs/decisions.md; the effect is in the webhook's cold-import row
of docs/benchmarks.md).
"""

from __future__ import annotations

import ssl
import threading
import urllib.error
import urllib.request
from collections import OrderedDict
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from domain.sns_signature import (
    DEFAULT_MAX_AGE,
    InvalidSignatureError,
    SnsEndpointUnavailableError,
    SnsMessage,
    SnsMessageError,
    SnsRegion,
    UntrustedCertificateError,
    UntrustedUrlError,
    check_certificate_names,
    check_certificate_url,
    check_certificate_validity,
    check_message,
    check_subscribe_url,
    parse_sns_message,
    topic_region,
)

Fetcher = Callable[[str], bytes]
Clock = Callable[[], datetime]

FETCH_TIMEOUT_SECONDS = 5.0
MAX_FETCH_BYTES = 64 * 1024  # an SNS certificate is about 2 KB
MAX_CACHED_CERTIFICATES = 32
# How long a certificate URL that failed is refused without fetching it again. SNS retries an
# HTTPS delivery after 20 s by default: a network failure is forgotten before that, a
# definite one (404, not a certificate, wrong name or dates) after five minutes.
FAILED_URL_TTL = timedelta(minutes=5)
RETRYABLE_FAILURE_TTL = timedelta(seconds=10)
MAX_FAILED_URLS = 256

_HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,  # SignatureVersion 1, still SNS's default
    "sha256": hashes.SHA256,
}


class FetchError(Exception):
    """A fetch failed; `retryable` is False when the server answered with a 4xx."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # urllib then raises HTTPError for the 3xx


AMAZON_TRUST_ROOTS = Path(__file__).with_name("amazon_trust_roots.pem")


def _opener(context: ssl.SSLContext) -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(urllib.request.HTTPSHandler(context=context), _NoRedirects())


_amazon_opener = _opener(ssl.create_default_context(cafile=AMAZON_TRUST_ROOTS))


@cache  # built when first needed: a chain outside Amazon's roots is the rare case
def _system_opener() -> urllib.request.OpenerDirector:
    return _opener(ssl.create_default_context())


class _ChainNotUnderAmazonRootsError(Exception):
    pass


def https_get(url: str) -> bytes:
    """GET an https URL (already checked to be an SNS host) and return at most
    MAX_FETCH_BYTES of body. Verified against Amazon's roots, then, if the chain does not end
    there, against the system's store."""
    if not url.startswith("https://"):
        raise FetchError("only https URLs are fetched", retryable=False)
    try:
        return _get(_amazon_opener, url, amazon_roots_only=True)
    except _ChainNotUnderAmazonRootsError:
        return _get(_system_opener(), url, amazon_roots_only=False)


def _get(opener: urllib.request.OpenerDirector, url: str, *, amazon_roots_only: bool) -> bytes:
    request = urllib.request.Request(url, method="GET")  # noqa: S310 - https only, see above
    try:
        with opener.open(request, timeout=FETCH_TIMEOUT_SECONDS) as response:
            body: bytes = response.read(MAX_FETCH_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise FetchError(f"HTTP {exc.code}", retryable=exc.code >= 500) from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if amazon_roots_only and isinstance(reason, ssl.SSLCertVerificationError):
            raise _ChainNotUnderAmazonRootsError from None
        raise FetchError(exc.__class__.__name__, retryable=True) from None
    if len(body) > MAX_FETCH_BYTES:
        raise FetchError("response too large", retryable=False)
    return body


@dataclass(frozen=True, slots=True)
class _Certificate:
    key: rsa.RSAPublicKey
    not_before: datetime
    not_after: datetime


@dataclass(frozen=True, slots=True)
class _Failure:
    error: type[SnsMessageError]
    reason: str
    until: datetime


class CertificateStore:
    """Public keys of SNS signing certificates by URL, cached per container (LRU-bounded:
    SNS uses one certificate per region at a time, rotated rarely).

    A URL is fetched only once it has passed `check_certificate_url` for the message's topic,
    and a certificate is used only while it is within its validity dates and issued to an
    SNS signing name of the topic's region. A URL that failed is remembered for a while
    (`FAILED_URL_TTL`, shorter for failures worth retrying), so repeated junk naming the same
    URL costs no fetch per request, while a transient outage heals before SNS's next retry.
    """

    def __init__(
        self,
        fetcher: Fetcher,
        max_entries: int = MAX_CACHED_CERTIFICATES,
        clock: Clock | None = None,
    ) -> None:
        self._fetch = fetcher
        self._max = max_entries
        self._clock = clock or _utc_now
        self._certificates: OrderedDict[str, _Certificate] = OrderedDict()
        self._failures: OrderedDict[str, _Failure] = OrderedDict()
        self._lock = threading.Lock()

    def public_key(self, url: str, topic_arn: str) -> rsa.RSAPublicKey:
        check_certificate_url(url, topic_arn)  # never fetch anything else, whoever calls
        region = topic_region(topic_arn)
        now = self._clock()
        with self._lock:
            cached = self._certificates.get(url)
            if cached is not None:
                self._certificates.move_to_end(url)
            failure = self._failures.get(url)
            if failure is not None and failure.until <= now:
                del self._failures[url]
                failure = None
        if failure is not None:
            raise failure.error(failure.reason)
        if cached is None:
            try:
                cached = self._load(url, region)
            except SnsMessageError as exc:
                self._remember_failure(url, exc, now)
                raise
            self._remember(url, cached)
        # Checked on every use, not only at download: a container may outlive a certificate.
        check_certificate_validity(cached.not_before, cached.not_after, now)
        return cached.key

    def __len__(self) -> int:
        return len(self._certificates)

    def failed_urls(self) -> int:
        return len(self._failures)

    def _remember(self, url: str, certificate: _Certificate) -> None:
        with self._lock:
            self._certificates[url] = certificate
            self._certificates.move_to_end(url)
            while len(self._certificates) > self._max:
                self._certificates.popitem(last=False)

    def _remember_failure(self, url: str, exc: SnsMessageError, now: datetime) -> None:
        ttl = (
            RETRYABLE_FAILURE_TTL
            if isinstance(exc, SnsEndpointUnavailableError)
            else FAILED_URL_TTL
        )
        with self._lock:
            self._failures[url] = _Failure(type(exc), str(exc), now + ttl)
            self._failures.move_to_end(url)
            while len(self._failures) > MAX_FAILED_URLS:
                self._failures.popitem(last=False)

    def _load(self, url: str, region: SnsRegion) -> _Certificate:
        try:
            pem = self._fetch(url)
        except FetchError as exc:
            if exc.retryable:
                raise SnsEndpointUnavailableError("signing certificate unavailable") from None
            raise UntrustedUrlError("signing certificate not found") from None
        try:
            certificate = x509.load_pem_x509_certificate(pem)
        except ValueError:
            raise UntrustedUrlError("SigningCertURL did not return a certificate") from None
        check_certificate_names(_dns_names(certificate), region)
        key = certificate.public_key()
        if not isinstance(key, rsa.RSAPublicKey):
            raise UntrustedCertificateError("signing certificate is not RSA")
        return _Certificate(key, certificate.not_valid_before_utc, certificate.not_valid_after_utc)


def _dns_names(certificate: x509.Certificate) -> list[str]:
    """The names a TLS client would match: subjectAltName DNS entries when present (RFC 6125
    then ignores the subject), else the subject's common names."""
    try:
        san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        san = None
    if san is not None:
        names = san.value.get_values_for_type(x509.DNSName)
        if names:
            return names
    return [
        value
        for attribute in certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        if isinstance(value := attribute.value, str)
    ]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SnsSignatureVerifier:
    """Read, check and verify one SNS HTTP message body; returns it only if authentic."""

    def __init__(
        self,
        certificates: CertificateStore,
        clock: Clock | None = None,
    ) -> None:
        self._certificates = certificates
        self._clock = clock or _utc_now

    def verify(
        self,
        body: Mapping[str, Any],
        allowed_topics: Collection[str],
        max_age: timedelta = DEFAULT_MAX_AGE,
        *,
        require_signature_version_2: bool = False,
    ) -> SnsMessage:
        message = check_message(
            parse_sns_message(body),
            allowed_topics,
            self._clock(),
            max_age,
            require_signature_version_2=require_signature_version_2,
        )
        key = self._certificates.public_key(message.signing_cert_url, message.topic_arn)
        try:
            key.verify(
                message.signature,
                message.string_to_sign(),
                padding.PKCS1v15(),
                _HASHES[message.hash_algorithm](),
            )
        except InvalidSignature:
            raise InvalidSignatureError("signature does not verify") from None
        return message


class SubscriptionConfirmer:
    """Visit a verified SubscriptionConfirmation's SubscribeURL (an SNS host only)."""

    def __init__(self, fetcher: Fetcher) -> None:
        self._fetch = fetcher

    def confirm(self, message: SnsMessage) -> None:
        url = check_subscribe_url(message)
        try:
            self._fetch(url)
        except FetchError as exc:
            if exc.retryable:
                raise SnsEndpointUnavailableError("subscription confirmation failed") from None
            raise UntrustedUrlError(f"SNS refused the confirmation ({exc})") from None
