"""The two header fields a bulk sender puts on each message (RFC 2369, RFC 8058):

    List-Unsubscribe: <https://<endpoint>/unsubscribe/<token>>,
     <mailto:unsubscribe+<scope>@<domain>?subject=unsubscribe>
    List-Unsubscribe-Post: List-Unsubscribe=One-Click

The HTTPS URI carries a token sealed for this one recipient and scope
(domain.unsubscribe_token); mail clients that offer one-click unsubscribe POST to it. The
mailto URI is the unsubscribe mailbox the inbound path already handles, for clients that
only write mail. RFC 8058 also asks for a DKIM signature that covers both fields: sign the
message after adding them.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Final
from urllib.parse import urlsplit

from domain.addresses import normalise_addr_spec
from domain.scopes import GLOBAL_SCOPE, SCOPE_SEPARATOR, normalise_scope
from domain.unsubscribe_token import UnsubscribeTokens

LIST_UNSUBSCRIBE: Final = "List-Unsubscribe"
LIST_UNSUBSCRIBE_POST: Final = "List-Unsubscribe-Post"
ONE_CLICK: Final = "List-Unsubscribe=One-Click"
PATH_SEGMENT: Final = "unsubscribe"
_UNSAFE_IN_HEADER_URI: Final = re.compile(r"[\s<>,\"\\\x00-\x1f\x7f]")


class HeaderConfigurationError(ValueError):
    """The endpoint URL or the mailbox cannot be put in a List-Unsubscribe header."""


def unsubscribe_url(base_url: str, token: str) -> str:
    """``<base_url>/unsubscribe/<token>``; ``base_url`` is the stack's ``UnsubscribeUrl``
    output (or a custom domain in front of it): https, no query or fragment."""
    base = base_url.strip()
    parts = urlsplit(base)
    if (
        parts.scheme != "https"
        or not parts.hostname
        or parts.query
        or parts.fragment
        or parts.username
        or _UNSAFE_IN_HEADER_URI.search(base)
    ):
        raise HeaderConfigurationError(
            "the unsubscribe base URL must be an https URL without query, fragment or user"
        )
    return f"{base.rstrip('/')}/{PATH_SEGMENT}/{token}"


def unsubscribe_mailto(mailbox: str, scope: str) -> str | None:
    """``mailto:<local>+<scope>@<domain>?subject=unsubscribe`` (the bare mailbox for the
    global scope). None for a nested scope (``news:weekly``): ``:`` cannot be written in
    an unquoted local part, and the inbound path refuses quoted ones."""
    try:
        address = normalise_addr_spec(mailbox)
    except ValueError:
        raise HeaderConfigurationError("the unsubscribe mailbox is not an address") from None
    if SCOPE_SEPARATOR in scope:
        return None
    local, _, domain = address.rpartition("@")
    if scope != GLOBAL_SCOPE:
        local = f"{local.split('+', 1)[0]}+{scope}"
    return f"mailto:{local}@{domain}?subject=unsubscribe"


def unsubscribe_headers(
    tokens: UnsubscribeTokens,
    recipient: str,
    *,
    base_url: str,
    scope: str | None = None,
    mailbox: str | None = None,
    at: datetime | None = None,
) -> dict[str, str]:
    """``{"List-Unsubscribe": ..., "List-Unsubscribe-Post": ...}`` for one message to
    ``recipient`` sent under ``scope`` (None: global). Raises InvalidAddressError,
    InvalidScopeError or HeaderConfigurationError; never returns a header without the
    HTTPS URI (RFC 8058 requires it)."""
    name = normalise_scope(scope)
    uris = [unsubscribe_url(base_url, tokens.mint(recipient, name, at))]
    mailto = unsubscribe_mailto(mailbox, name) if mailbox else None
    if mailto:
        uris.append(mailto)
    return {
        LIST_UNSUBSCRIBE: ", ".join(f"<{uri}>" for uri in uris),
        LIST_UNSUBSCRIBE_POST: ONE_CLICK,
    }
