"""InboundFunction's settings: its table, bucket and prefix, its policy, the return-path keys."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from adapters.return_path_settings import ReturnPathSettings, load_return_path_settings
from adapters.settings import ConfigurationError, int_variable, list_variable
from domain.inbound.service import InboundPolicy


@dataclass(frozen=True, slots=True)
class InboundSettings:
    table: str
    bucket: str
    object_prefix: str
    policy: InboundPolicy
    return_path: ReturnPathSettings = ReturnPathSettings()  # noqa: RUF009 (frozen: safe to share)


def load_inbound_settings(environ: Mapping[str, str] | None = None) -> InboundSettings:
    """INBOUND_TABLE, INBOUND_BUCKET (required); INBOUND_OBJECT_PREFIX (the receipt rule's S3
    object key prefix); UNSUBSCRIBE_MAILBOXES (comma-separated); INBOUND_RETENTION_DAYS;
    INBOUND_MAX_SUPPRESSIONS_PER_DOMAIN_HOUR (0: no limit); the return-path keys
    (:func:`load_return_path_settings`)."""
    env = os.environ if environ is None else environ
    values: dict[str, str] = {}
    for variable in ("INBOUND_TABLE", "INBOUND_BUCKET"):
        values[variable] = env.get(variable, "").strip()
        if not values[variable]:
            raise ConfigurationError(f"{variable} is not set")
    days = int_variable(env, "INBOUND_RETENTION_DAYS", 90)
    mailboxes = frozenset(m.lower() for m in list_variable(env, "UNSUBSCRIBE_MAILBOXES"))
    per_hour = int_variable(env, "INBOUND_MAX_SUPPRESSIONS_PER_DOMAIN_HOUR", 0)
    try:
        policy = InboundPolicy(
            unsubscribe_mailboxes=mailboxes,
            retention_days=days,
            max_suppressions_per_domain_hour=per_hour,
        )
    except ValueError as exc:
        raise ConfigurationError(f"invalid inbound settings: {exc}") from None
    return InboundSettings(
        table=values["INBOUND_TABLE"],
        bucket=values["INBOUND_BUCKET"],
        object_prefix=env.get("INBOUND_OBJECT_PREFIX", "").strip(),
        policy=policy,
        return_path=load_return_path_settings(env),
    )
