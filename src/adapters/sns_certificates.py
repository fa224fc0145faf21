"""SNS signing certificates and subscription confirmation: the network and RSA half of
verifying an SNS HTTP(S) message (the rules are in domain/sns_signature.py).

The fetcher is injectable (`Fetcher`: URL -> body bytes); tests and the demo pass one that
never touches the network. The default fetches over HTTPS with certificate verification, a
timeout, a size cap and no redirects (a redirect could leave the SNS host we checked).
"""

from __future__ import annotations

import ssl
import threading
import urllib.error
import urllib.request
from collections import OrderedDict
from collections.abc import Callable, Collection, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from domain.sns_signature import (
    DEFAULT_MAX_AGE,
    InvalidSignatureError,
    SnsEndpointUnavailableError,
    SnsMessage,
    UntrustedUrlError,
    check_certificate_url,
    check_message,
    check_subscribe_url,
    parse_sns_message,
)

Fetcher = Callable[[str], bytes]
Clock = Callable[[], datetime]

FETCH_TIMEOUT_SECONDS = 5.0
MAX_FETCH_BYTES = 64 * 1024  # an SNS certificate is about 2 KB
MAX_CACHED_CERTIFICATES = 32

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


_opener = urllib.request.build_opener(
    urllib.request.HTTPSHandler(context=ssl.create_default_context()), _NoRedirects()
)


def https_get(url: str) -> bytes:
    """GET an https URL (already checked to be an SNS host) and return at most
    MAX_FETCH_BYTES of body."""
    if not url.startswith("https://"):
        raise FetchError("only https URLs are fetched", retryable=False)
    request = urllib.request.Request(url, method="GET")  # noqa: S310 - https only, see above
    try:
        with _opener.open(request, timeout=FETCH_TIMEOUT_SECONDS) as response:
            body: bytes = response.read(MAX_FETCH_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise FetchError(f"HTTP {exc.code}", retryable=exc.code >= 500) from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise FetchError(exc.__class__.__name__, retryable=True) from None
    if len(body) > MAX_FETCH_BYTES:
        raise FetchError("response too large", retryable=False)
    return body


class CertificateStore:
    """Public keys of SNS signing certificates by URL, cached per container (LRU-bounded:
    SNS uses one certificate per region at a time, rotated rarely)."""

    def __init__(self, fetcher: Fetcher, max_entries: int = MAX_CACHED_CERTIFICATES) -> None:
        self._fetch = fetcher
        self._max = max_entries
        self._keys: OrderedDict[str, rsa.RSAPublicKey] = OrderedDict()
        self._lock = threading.Lock()

    def public_key(self, url: str) -> rsa.RSAPublicKey:
        check_certificate_url(url)  # never fetch anything else, whoever calls
        with self._lock:
            key = self._keys.get(url)
            if key is not None:
                self._keys.move_to_end(url)
                return key
        key = self._load(url)
        with self._lock:
            self._keys[url] = key
            self._keys.move_to_end(url)
            while len(self._keys) > self._max:
                self._keys.popitem(last=False)
        return key

    def __len__(self) -> int:
        return len(self._keys)

    def _load(self, url: str) -> rsa.RSAPublicKey:
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
        key = certificate.public_key()
        if not isinstance(key, rsa.RSAPublicKey):
            raise UntrustedUrlError("signing certificate is not RSA")
        return key


class SnsSignatureVerifier:
    """Read, check and verify one SNS HTTP message body; returns it only if authentic."""

    def __init__(
        self,
        certificates: CertificateStore,
        clock: Clock | None = None,
    ) -> None:
        self._certificates = certificates
        self._clock = clock or (lambda: datetime.now(UTC))

    def verify(
        self,
        body: Mapping[str, Any],
        allowed_topics: Collection[str],
        max_age: timedelta = DEFAULT_MAX_AGE,
    ) -> SnsMessage:
        message = check_message(parse_sns_message(body), allowed_topics, self._clock(), max_age)
        key = self._certificates.public_key(message.signing_cert_url)
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
