"""Address normalisation: one canonical key per mailbox.

The whole address is lower-cased. RFC 5321 lets a receiver treat the local part as
case-sensitive, but no large provider does, and SES itself matches its suppression list
case-insensitively; one key per mailbox matters more to us than that corner of the RFC.
Internationalised domains are stored in their ASCII (punycode) form so the same mailbox
written two ways maps to one item.
"""

from __future__ import annotations

import re
from email.utils import parseaddr
from functools import lru_cache

MAX_ADDRESS_LENGTH = 320  # 64 local-part + "@" + 255 domain
# The shape SES almost always sends: a bare addr-spec with no quoting, comments or names.
_PLAIN_ADDRESS = re.compile(r"[^\s<>()\[\]\",;:@]+@[^\s<>()\[\]\",;:@]+")


class InvalidAddressError(ValueError):
    """The text does not contain a usable mailbox address."""


def normalise_address(raw: str) -> str:
    """Return the canonical form of an address that may carry a display name.

    >>> normalise_address('"Jane" <Jane.Doe@Example.COM>')
    'jane.doe@example.com'
    """
    if not isinstance(raw, str):
        raise InvalidAddressError("address is not a string")
    return _normalise(raw)


@lru_cache(maxsize=4096)  # addresses repeat within and across batches; the function is pure
def _normalise(raw: str) -> str:
    addr = raw.strip()
    if not _PLAIN_ADDRESS.fullmatch(addr):
        # Display names, comments, quoting: let the email package take it apart.
        _, addr = parseaddr(addr)
        addr = addr.strip().strip("<>").strip()
        if any(ch.isspace() for ch in addr):
            raise InvalidAddressError("not an address of the form local@domain")
    local, sep, domain = addr.rpartition("@")
    if not sep or not local or not domain:
        raise InvalidAddressError("not an address of the form local@domain")
    domain = _ascii_domain(domain.rstrip(".").lower())
    result = f"{local.lower()}@{domain}"
    if len(result) > MAX_ADDRESS_LENGTH:
        raise InvalidAddressError("address longer than 320 characters")
    return result


def normalise_all(values: object) -> tuple[str, ...]:
    """The distinct readable addresses of a list, normalised, in first-seen order; anything
    that is not a list, or not an address, is left out."""
    found: dict[str, None] = {}
    for value in values if isinstance(values, list) else ():
        try:
            found.setdefault(normalise_address(value), None)
        except InvalidAddressError:
            continue
    return tuple(found)


def domain_of(address: str) -> str:
    """The domain part of an already normalised address."""
    return address.rpartition("@")[2]


def mask_address(address: str) -> str:
    """A log-safe rendering: keeps the domain, hides the mailbox (addresses are personal data)."""
    local, _, domain = address.rpartition("@")
    if not local:
        return "***"
    return f"{local[0]}***@{domain}"


def _ascii_domain(domain: str) -> str:
    if domain.isascii():
        return domain
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise InvalidAddressError("domain is not a valid internationalised name") from exc
