"""Address normalisation: one canonical key per mailbox, and nothing that is not one.

The whole address is lower-cased. RFC 5321 lets a receiver treat the local part as
case-sensitive, but no large provider does, and SES itself matches its suppression list
case-insensitively; one key per mailbox matters more to us than that corner of the RFC.
Internationalised domains are stored in their ASCII (punycode) form so the same mailbox
written two ways maps to one item.

Lower-casing, punycode and a dropped trailing root dot are the only rewrites. Anything else
that is not exactly one plain addr-spec raises `InvalidAddressError`, never a different
address: control characters and spaces, several addresses, quoted local parts, comments,
address literals, empty parts, malformed or non-canonical domain names, over-long addresses.
Two entry points:

- `normalise_addr_spec` for what operators and API callers type: a bare addr-spec only.
- `normalise_address` for addresses SES hands us, which may also come as one mailbox with a
  display name (`"Jane Doe" <jane@example.com>`); the addr-spec inside obeys the same rules.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any, Final

MAX_ADDRESS_LENGTH: Final = 254  # RFC 5321's 256-octet path, less the angle brackets
MAX_LOCAL_LENGTH: Final = 64
MAX_DOMAIN_LENGTH: Final = 253
# RFC 5322 atext, plus any non-ASCII letter or mark (RFC 6532); dots only between atoms.
_ASCII_ATEXT: Final = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~"
)
_LDH_LABEL: Final = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
# Fast paths for the forms SES sends nearly always; each accepts a subset of what the full
# checks below accept (tests compare the two), so they only save time.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_PLAIN_ADDR_SPEC: Final = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})+\.?", re.ASCII)
_PLAIN_MAILBOX: Final = re.compile(
    r'(?:"[^"\\<>\x00-\x1f\x7f]*"|[A-Za-z0-9 _-]*) ?<([^<>\s]+)>', re.ASCII
)


class InvalidAddressError(ValueError):
    """The text is not exactly one usable mailbox address; the message says why and never
    quotes the input."""


def normalise_addr_spec(raw: object) -> str:
    """The canonical form of text that must be one bare addr-spec (operator and API input).
    Surrounding spaces are ignored; a display name or angle brackets are refused.

    >>> normalise_addr_spec("Jane.Doe@Example.COM")
    'jane.doe@example.com'
    """
    if not isinstance(raw, str):
        raise InvalidAddressError("address is not a string")
    return _addr_spec(raw.strip(" "))


def normalise_address(raw: object) -> str:
    """The canonical form of one address as SES reports it: a bare addr-spec, or one mailbox
    with a display name and/or angle brackets.

    >>> normalise_address('"Jane" <Jane.Doe@Example.COM>')
    'jane.doe@example.com'
    """
    if not isinstance(raw, str):
        raise InvalidAddressError("address is not a string")
    return _mailbox(raw.strip(" "))


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


def key_form_or_as_found(address: str | None) -> str | None:
    """*address* in the table's key form when it is one valid mailbox, else as it was found.

    For reports that show what a message names (``ses-feedback classify``): the operator can
    look the printed address up in the table, and an address the table could never hold is
    still shown rather than lost.
    """
    if address is None:
        return None
    try:
        return normalise_address(address)
    except InvalidAddressError:
        return address


def domain_of(address: str) -> str:
    """The domain part of an already normalised address."""
    return address.rpartition("@")[2]


def mask_address(address: str) -> str:
    """A log-safe rendering: keeps the domain, hides the mailbox (addresses are personal data)."""
    local, _, domain = address.rpartition("@")
    if not local:
        return "***"
    return f"{local[0]}***@{domain}"


@lru_cache(maxsize=4096)  # addresses repeat within and across batches; the function is pure
def _mailbox(text: str) -> str:
    if "<" not in text and ">" not in text:
        return _addr_spec(text)
    plain = _PLAIN_MAILBOX.fullmatch(text)
    if plain is not None:
        return _addr_spec(plain[1])
    return _parsed_mailbox(text)


def _parsed_mailbox(text: str) -> str:
    _refuse_invisible(text)
    if text.count("<") != 1 or text.count(">") != 1 or not text.endswith(">"):
        raise InvalidAddressError("not a single mailbox")
    # The display name is the email package's business (quoting, encoded words); all we
    # take from it is that the whole text is exactly one mailbox, with no defects.
    # The stdlib parser raises more than HeaderParseError on some malformed input (an
    # AttributeError for ". <>", found by the property tests): any of them means "not one".
    # Imported here: the fast paths above take nearly every address SES sends, and the
    # email package's header parser is a sizeable part of a cold start.
    from email.errors import HeaderParseError
    from email.policy import default as email_policy

    try:
        header = email_policy.header_factory("to", text)
        addresses: tuple[Any, ...] = tuple(getattr(header, "addresses", ()))
        defects = list(header.defects)
    except (HeaderParseError, LookupError, ValueError, AttributeError, TypeError):
        raise InvalidAddressError("not a single mailbox") from None
    if defects or len(addresses) != 1:
        raise InvalidAddressError("not a single mailbox")
    # The addr-spec is re-read from the text itself, not from the parser's rendering of it,
    # so the parser can never hand back an address that was not written.
    inner = text[text.index("<") + 1 : -1].strip(" ")
    if addresses[0].addr_spec != inner:
        raise InvalidAddressError("not a single mailbox")
    return _addr_spec(inner)


@lru_cache(maxsize=4096)
def _addr_spec(text: str) -> str:
    if _PLAIN_ADDR_SPEC.fullmatch(text) and "xn--" not in text.lower():
        lowered = text.lower()
        local, _, domain = lowered.partition("@")
        domain = domain.removesuffix(".")
        result = f"{local}@{domain}"
        fits = len(local) <= MAX_LOCAL_LENGTH and len(domain) <= MAX_DOMAIN_LENGTH
        if fits and len(result) <= MAX_ADDRESS_LENGTH:
            return result
    return _checked_addr_spec(text)


def _checked_addr_spec(text: str) -> str:
    if not text:
        raise InvalidAddressError("address is empty")
    _refuse_invisible(text)
    if "<" in text or ">" in text:
        raise InvalidAddressError("give a bare address, without a display name or <>")
    if " " in text:
        raise InvalidAddressError("address contains spaces")
    if text.count("@") != 1:
        raise InvalidAddressError("not a single address of the form local@domain")
    local, _, domain = text.partition("@")
    result = f"{_local_part(local)}@{_domain(domain)}"
    if len(result.encode("utf-8")) > MAX_ADDRESS_LENGTH:
        raise InvalidAddressError(f"address longer than {MAX_ADDRESS_LENGTH} octets")
    return result


def _refuse_invisible(text: str) -> None:
    """Control, format and separator characters (CR, LF, NUL, tabs, zero-width and bidi
    marks, Unicode line separators): nothing that could hide or split an address."""
    for ch in text:
        if ch != " " and unicodedata.category(ch)[0] in "CZ":
            raise InvalidAddressError("address contains control or invisible characters")


def _local_part(local: str) -> str:
    if not local:
        raise InvalidAddressError("local part is empty")
    if local.startswith('"'):
        raise InvalidAddressError("quoted local parts are not accepted")
    if any(not atom for atom in local.split(".")):
        raise InvalidAddressError("local part has an empty dot-separated part")
    if any(ch != "." and ch not in _ASCII_ATEXT and ch.isascii() for ch in local):
        raise InvalidAddressError("local part has characters that need quoting")
    lowered = local.lower()
    if len(lowered.encode("utf-8")) > MAX_LOCAL_LENGTH:
        raise InvalidAddressError(f"local part longer than {MAX_LOCAL_LENGTH} octets")
    return lowered


def _domain(domain: str) -> str:
    """The lower-case ASCII form of a host name; an internationalised name is accepted only
    if it survives the round trip to punycode unchanged (IDNA mapping that would turn it into
    another name, such as ß to ss, is refused rather than applied)."""
    name = domain[:-1] if domain.endswith(".") else domain
    if not name:
        raise InvalidAddressError("domain is empty")
    if name.startswith("["):
        raise InvalidAddressError("address literals are not accepted")
    name = name.lower()
    if name.isascii():
        ascii_name = name
    else:
        try:
            ascii_name = name.encode("idna").decode("ascii")
        except UnicodeError:
            raise InvalidAddressError("domain is not a valid internationalised name") from None
    labels = ascii_name.split(".")
    if len(labels) < 2:
        raise InvalidAddressError("domain must have at least two labels")
    if len(ascii_name) > MAX_DOMAIN_LENGTH:
        raise InvalidAddressError(f"domain longer than {MAX_DOMAIN_LENGTH} characters")
    for label in labels:
        if not _LDH_LABEL.fullmatch(label):
            raise InvalidAddressError("domain has an invalid label")
    try:
        unicode_name = ascii_name.encode("ascii").decode("idna")
    except UnicodeError:
        raise InvalidAddressError("domain has an invalid punycode label") from None
    if name not in (unicode_name, ascii_name):
        raise InvalidAddressError("domain is not in canonical form")
    return ascii_name
