"""One-click unsubscribe tokens (RFC 8058): who asked to stop which mail, sealed by us.

A token is the only credential the public unsubscribe endpoint accepts, and the only thing
in the URL. It names one recipient (normalised, the table's key form), one scope
(domain.scopes) and the second it was minted, and is sealed with AES-SIV (RFC 5297,
``cryptography``): authenticated, so nobody without the key can make or alter one, and
encrypted, so the address does not appear in clear text in URLs, browser histories or
logs. SIV is deterministic: the same request minted twice gives the same token, which costs
nothing here (it only shows that two links are the same link).

Layout (then base64url without padding)::

    version (1 byte, 0x01) || SIV tag (16) || ciphertext of
        minted_at (4 bytes, big-endian epoch seconds) || scope || 0x00 || recipient

The global scope is written as an empty scope (6 bytes shorter). The version byte is
authenticated as associated data. A token for ``jane.doe@example.com`` is 56 characters.

Keys: the return-path keys (RETURN_PATH_KEYS / ReturnPathSecret), never used directly. Each
is turned into an AES-SIV key by HKDF-SHA256 with its own label, so a return-path MAC (an
HMAC under the raw key) can never serve as an unsubscribe token, or the other way round
(docs/decisions.md). The first key mints; every key verifies (rotation, as for return paths).

Lifetime: a token carries when it was minted, not when it expires; the verifier's
``lifetime`` (UnsubscribeTokenLifetimeDays, 90) decides, like ReturnPathMaxAgeDays for
return paths, so an operator can lengthen or shorten it for every link already sent.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from domain.addresses import normalise_address
from domain.keys import key_list_problem
from domain.scopes import GLOBAL_SCOPE, normalise_scope

VERSION: Final = 1
DEFAULT_LIFETIME: Final = timedelta(days=90)
#: A token minted up to this far "ahead" (a sender whose clock runs fast) is accepted.
CLOCK_SKEW: Final = timedelta(minutes=5)
#: The label that makes the unsubscribe key differ from the return-path use of the same key.
KEY_LABEL: Final = b"ses-feedback unsubscribe v1"
_KEY_SALT: Final = b"ses-feedback key derivation"
_SIV_KEY_BYTES: Final = 64  # AES-256-SIV
_TAG_BYTES: Final = 16
_HEADER: Final = bytes([VERSION])
_MINTED: Final = struct.Struct(">I")
#: version + tag + minted_at + separator + the longest scope and address, base64url
MAX_TOKEN_CHARS: Final = 560
_TOKEN_RE: Final = re.compile(r"[A-Za-z0-9_-]+")


class UnsubscribeTokenError(ValueError):
    """The token proves nothing; subclasses say why. Messages never quote the token."""


class MalformedTokenError(UnsubscribeTokenError):
    """Not a token at all: wrong characters, length or version."""


class InvalidTokenSignatureError(UnsubscribeTokenError):
    """Well formed, but not sealed by any of our keys (forged, altered, or an old key)."""


class ExpiredTokenError(UnsubscribeTokenError):
    """Genuine, but older than the lifetime (or minted further ahead than the clock skew)."""


class TokenConfigurationError(ValueError):
    """The keys or the lifetime are unusable."""


@dataclass(frozen=True, slots=True)
class UnsubscribeRequest:
    """What a genuine token says."""

    recipient: str  # normalised
    scope: str  # normalised; GLOBAL_SCOPE for every message to the address
    minted_at: datetime
    #: a stable name for this very token (hex digest of its bytes): the idempotency key of
    #: the unsubscribe it carries, and safe to log (it does not reveal the address)
    token_id: str


class UnsubscribeTokens:
    """Mints and verifies unsubscribe tokens (see the module docstring)."""

    def __init__(self, keys: Sequence[bytes], *, lifetime: timedelta = DEFAULT_LIFETIME) -> None:
        problem = key_list_problem(keys, "unsubscribe")
        if problem is not None:
            raise TokenConfigurationError(problem)
        if lifetime <= timedelta(0):
            raise TokenConfigurationError("the token lifetime must be positive")
        self._ciphers = tuple(AESSIV(derive_key(bytes(k))) for k in keys)
        self.lifetime = lifetime

    # --- minting (for senders) ------------------------------------------------------------

    def mint(self, recipient: str, scope: str | None = None, at: datetime | None = None) -> str:
        """The token for ``recipient`` (normalised first; InvalidAddressError if it does not
        parse) and ``scope`` (InvalidScopeError if it is not a scope name)."""
        address = normalise_address(recipient)
        name = normalise_scope(scope)
        seconds = int(_utc(at or datetime.now(UTC)).timestamp())
        plain = b"".join(
            (
                _MINTED.pack(seconds),
                b"" if name == GLOBAL_SCOPE else name.encode("ascii"),
                b"\x00",
                address.encode("utf-8"),
            )
        )
        sealed = _HEADER + self._ciphers[0].encrypt(plain, [_HEADER])
        return base64.urlsafe_b64encode(sealed).rstrip(b"=").decode("ascii")

    # --- verifying (for the endpoint) ------------------------------------------------------

    def verify(self, token: str, now: datetime) -> UnsubscribeRequest:
        """The request a genuine, unexpired token carries; raises a subclass of
        UnsubscribeTokenError otherwise. The seal is checked before anything inside is
        read, so an altered token is always InvalidTokenSignatureError, never Expired."""
        raw = _decode(token)
        plain = self._open(raw)
        request = _parse(plain, raw)
        at = _utc(now)
        if request.minted_at > at + CLOCK_SKEW:
            raise ExpiredTokenError("token minted in the future")
        if at >= request.minted_at + self.lifetime:
            raise ExpiredTokenError("token expired")
        return request

    def _open(self, raw: bytes) -> bytes:
        # Every key is tried (there are one or two); AES-SIV compares its tag in constant
        # time (OpenSSL), and a wrong key fails exactly like a forged token.
        for cipher in self._ciphers:
            try:
                return cipher.decrypt(raw[1:], [raw[:1]])
            except InvalidTag:
                continue
        raise InvalidTokenSignatureError("token not sealed by any configured key")


def derive_key(key: bytes) -> bytes:
    """The AES-SIV key for unsubscribe tokens made from one return-path key (HKDF-SHA256,
    label ``KEY_LABEL``). The raw key itself only ever keys the return-path HMAC."""
    return HKDF(
        algorithm=hashes.SHA256(), length=_SIV_KEY_BYTES, salt=_KEY_SALT, info=KEY_LABEL
    ).derive(key)


def _decode(token: str) -> bytes:
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
        raise MalformedTokenError("token missing or of the wrong length")
    if not _TOKEN_RE.fullmatch(token) or len(token) % 4 == 1:
        raise MalformedTokenError("token is not base64url")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise MalformedTokenError("token is not base64url") from None
    if len(raw) < 1 + _TAG_BYTES + _MINTED.size + 1 + 3:
        raise MalformedTokenError("token too short")
    if raw[0] != VERSION:
        raise MalformedTokenError("unknown token version")
    return raw


def _parse(plain: bytes, raw: bytes) -> UnsubscribeRequest:
    """Read a sealed payload. Only our own keys made it, so a failure here means a bug or a
    leaked key, never a visitor's mistake: it is still refused, not trusted."""
    (seconds,) = _MINTED.unpack_from(plain)
    scope_bytes, separator, address_bytes = plain[_MINTED.size :].partition(b"\x00")
    try:
        if not separator:
            raise ValueError("no separator")
        scope = normalise_scope(scope_bytes.decode("ascii") or GLOBAL_SCOPE)
        written = address_bytes.decode("utf-8")
        address = normalise_address(written)
        if address != written or (scope_bytes and scope != scope_bytes.decode("ascii")):
            raise ValueError("not in normal form")
    except ValueError:  # also InvalidAddressError, InvalidScopeError, UnicodeDecodeError
        raise MalformedTokenError("sealed payload unreadable") from None
    return UnsubscribeRequest(
        recipient=address,
        scope=scope,
        minted_at=datetime.fromtimestamp(seconds, UTC),
        token_id=hashlib.sha256(raw).hexdigest()[:32],
    )


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC)
