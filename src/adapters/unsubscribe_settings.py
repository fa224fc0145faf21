"""UnsubscribeFunction's settings: the one-click unsubscribe endpoint (RFC 8058)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from adapters.return_path_settings import ReturnPathSettings, load_return_path_settings
from adapters.settings import ConfigurationError, list_variable, positive_int_variable


@dataclass(frozen=True, slots=True)
class UnsubscribeSettings:
    """The endpoint's keys (the return-path keys) and token lifetime; for senders building
    headers, the endpoint's base URL and the unsubscribe mailbox (both optional here)."""

    return_path: ReturnPathSettings
    lifetime: timedelta = timedelta(days=90)
    base_url: str | None = None
    mailbox: str | None = None


def load_unsubscribe_settings(environ: Mapping[str, str] | None = None) -> UnsubscribeSettings:
    """UNSUBSCRIBE_TOKEN_LIFETIME_DAYS (90); UNSUBSCRIBE_BASE_URL (the UnsubscribeUrl
    output, https); UNSUBSCRIBE_MAILBOXES (the first one goes in the mailto URI); the keys
    as for return paths (:func:`load_return_path_settings`)."""
    env = os.environ if environ is None else environ
    days = positive_int_variable(env, "UNSUBSCRIBE_TOKEN_LIFETIME_DAYS", 90)
    base_url = env.get("UNSUBSCRIBE_BASE_URL", "").strip() or None
    if base_url is not None and not base_url.startswith("https://"):
        raise ConfigurationError("UNSUBSCRIBE_BASE_URL must be an https:// URL")
    mailboxes = list_variable(env, "UNSUBSCRIBE_MAILBOXES")
    return UnsubscribeSettings(
        return_path=load_return_path_settings(env),
        lifetime=timedelta(days=days),
        base_url=base_url,
        mailbox=mailboxes[0] if mailboxes else None,
    )
