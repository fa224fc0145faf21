"""Proof that a received report concerns mail we sent: signed return paths (VERP).

Passing SPF or DKIM proves who sent a bounce or a complaint, not that they may speak about
our recipients: anyone with a domain of their own can write a DSN naming any address. So a
DSN or ARF report changes an address's state only when it carries a return path that we
signed *for that address*:

    bounces+<day><mac>@<receiving domain>

``day`` is the UTC day the path was minted (4 hex digits, days since 1970-01-01) and ``mac``
the first 80 bits of HMAC-SHA256(key, "v1|<day>|<normalised recipient>"), base32, lower
case (16 characters). Senders put it in the envelope sender (or SES's ``ReturnPath`` with
email feedback forwarding on), so the receiver's DSN goes to it and ARF reports quote it in
the original message's ``Return-Path``. Only someone who holds the key, or who saw mail sent
to that very recipient, can produce it; it names one recipient, so it cannot be reused for
another one, and it stops counting ``max_age`` after it was minted.

Where the token appears in the report does not matter (envelope recipient, the quoted
``Return-Path``, a ``To:`` line): what proves the address is the MAC over it.

Several keys may be given: the first mints, every one verifies (key rotation).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Final

from domain.addresses import normalise_address
from domain.keys import key_list_problem

_EPOCH: Final = date(1970, 1, 1)
_MAC_BYTES: Final = 10  # 80 bits: 16 base32 characters
DEFAULT_PREFIX: Final = "bounces"
DEFAULT_MAX_AGE: Final = timedelta(days=90)
#: A path minted "tomorrow" (UTC) by a sender whose clock runs ahead is still accepted.
_FUTURE_DAYS: Final = 1
_PREFIX_RE: Final = re.compile(r"^[a-z0-9][a-z0-9._-]{0,39}$")


class ProofConfigurationError(ValueError):
    """The signing keys or prefix are unusable."""


class ReturnPathSigner:
    """Mints and verifies signed return paths (see the module docstring)."""

    def __init__(
        self,
        keys: Sequence[bytes],
        *,
        prefix: str = DEFAULT_PREFIX,
        max_age: timedelta = DEFAULT_MAX_AGE,
    ) -> None:
        problem = key_list_problem(keys, "return-path")
        if problem is not None:
            raise ProofConfigurationError(problem)
        prefix = prefix.strip().lower()
        if not _PREFIX_RE.fullmatch(prefix):
            raise ProofConfigurationError(f"unusable return-path prefix {prefix!r}")
        if max_age <= timedelta(0):
            raise ProofConfigurationError("max_age must be positive")
        self._keys = tuple(bytes(k) for k in keys)
        self.prefix = prefix
        self.max_age = max_age
        self._token_re = re.compile(
            re.escape(prefix) + r"\+([0-9a-f]{4})([a-z2-7]{16})@", re.IGNORECASE
        )

    # --- minting (for senders) ------------------------------------------------------------

    def token(self, recipient: str, at: datetime) -> str:
        """The local-part suffix for ``recipient`` (normalised first; raises
        InvalidAddressError for an address that does not parse)."""
        day = (_utc_date(at) - _EPOCH).days
        return f"{day:04x}{self._mac(self._keys[0], day, normalise_address(recipient))}"

    def return_path(self, recipient: str, domain: str, at: datetime | None = None) -> str:
        """``<prefix>+<token>@<domain>``: the envelope sender (or SES ``ReturnPath``) to
        use for one message to ``recipient``."""
        domain = domain.strip().lower().rstrip(".")
        if not domain or "@" in domain:
            raise ProofConfigurationError(f"unusable receiving domain {domain!r}")
        return f"{self.prefix}+{self.token(recipient, at or datetime.now(UTC))}@{domain}"

    # --- verifying (for inbound mail) ------------------------------------------------------

    def base_mailbox(self, address: str) -> str:
        """``bounces+<token>@d`` -> ``bounces@d``: the mailbox a signed path belongs to, so
        every bounce is filed under one mailbox; other addresses are returned as they are."""
        local, at, domain = address.rpartition("@")
        if at and self._token_re.fullmatch(local + "@"):
            return f"{self.prefix}@{domain}"
        return address

    def tokens_in(self, sources: Iterable[str | bytes]) -> frozenset[tuple[int, str]]:
        """Every ``(day, mac)`` pair found in the texts (bytes are read as Latin-1, which
        keeps ASCII tokens intact whatever the charset)."""
        found: set[tuple[int, str]] = set()
        for source in sources:
            text = source.decode("latin-1") if isinstance(source, bytes) else source
            for day, mac in self._token_re.findall(text):
                found.add((int(day, 16), mac.lower()))
        return frozenset(found)

    def proven(
        self,
        recipients: Iterable[str],
        tokens: frozenset[tuple[int, str]],
        at: datetime,
    ) -> frozenset[str]:
        """The recipients (normalised, as given) that one of ``tokens`` was minted for, with
        a day no older than ``max_age`` before ``at`` and not in the future."""
        if not tokens:
            return frozenset()
        today = (_utc_date(at) - _EPOCH).days
        oldest = today - self.max_age.days
        fresh = [(day, mac) for day, mac in tokens if oldest <= day <= today + _FUTURE_DAYS]
        out: set[str] = set()
        for recipient in recipients:
            for day, mac in fresh:
                if any(
                    hmac.compare_digest(self._mac(key, day, recipient), mac) for key in self._keys
                ):
                    out.add(recipient)
                    break
        return frozenset(out)

    @staticmethod
    def _mac(key: bytes, day: int, recipient: str) -> str:
        message = f"v1|{day}|{recipient}".encode()
        digest = hmac.new(key, message, hashlib.sha256).digest()[:_MAC_BYTES]
        return base64.b32encode(digest).decode("ascii").lower()


def _utc_date(at: datetime) -> date:
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).date()


def keys_from_secret(secret: str) -> tuple[bytes, ...]:
    """Keys from a secret string: one or more keys separated by commas or whitespace, the
    first minting (so a rotation prepends the new key and keeps the old one for a while)."""
    return tuple(part.encode() for part in re.split(r"[\s,]+", secret.strip()) if part)
