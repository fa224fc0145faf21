"""Configuration, read and validated at cold start: the settings every function reads, and
the readers of environment variables that each function's own settings use too.

Environment variables are the template's Parameters passed through `Environment`. Endpoints
are not configured here: boto3, botocore and pynamodb honour AWS_ENDPOINT_URL(_<SERVICE>)
themselves. Each function's own settings are in their own module (`return_path_settings`,
`inbound_settings`, `unsubscribe_settings`, `webhook_settings`, `auto_pause_settings`,
`change_events_settings`), so that no function builds the others' at cold start.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from domain.policy_settings import PolicySettings
from domain.ses_import_threshold import DEFAULT_BULK_THRESHOLD


class ConfigurationError(RuntimeError):
    """A required setting is missing or invalid; the message names it."""


@dataclass(frozen=True, slots=True)
class Settings:
    suppression_table: str
    policy: PolicySettings
    ses_sync_window_hours: int = 48
    # Import jobs (SesSyncFunction only): the bucket for their files (None: per address
    # only) and the smallest set that goes through a job.
    ses_import_bucket: str | None = None
    ses_sync_bulk_threshold: int = DEFAULT_BULK_THRESHOLD


_POLICY_VARIABLES = {
    "HARD_BOUNCE_TTL_DAYS": "hard_bounce_ttl_days",
    "COMPLAINT_TTL_DAYS": "complaint_ttl_days",
    "SOFT_BOUNCE_THRESHOLD": "soft_bounce_threshold",
    "SOFT_BOUNCE_WINDOW_DAYS": "soft_bounce_window_days",
    "SOFT_BOUNCE_TTL_DAYS": "soft_bounce_ttl_days",
    "SOFT_BOUNCE_MAX_TTL_DAYS": "soft_bounce_max_ttl_days",
    "HISTORY_LIMIT": "history_limit",
}


def load_settings(
    environ: Mapping[str, str] | None = None, *, table_override: str | None = None
) -> Settings:
    env = os.environ if environ is None else environ
    table = table_override or env.get("SUPPRESSION_TABLE", "").strip()
    if not table:
        raise ConfigurationError(
            "SUPPRESSION_TABLE is not set (the DynamoDB suppression table name)"
        )
    return Settings(
        suppression_table=table,
        policy=load_policy(env),
        ses_sync_window_hours=positive_int_variable(env, "SES_SYNC_WINDOW_HOURS", 48),
        ses_import_bucket=env.get("SES_IMPORT_BUCKET", "").strip() or None,
        ses_sync_bulk_threshold=load_bulk_threshold(env),
    )


def policy_from_environment() -> PolicySettings:
    return load_policy(os.environ)


def table_from_environment(environ: Mapping[str, str] | None = None) -> str | None:
    """The table the CLI uses when --table is not given."""
    env = os.environ if environ is None else environ
    return env.get("SUPPRESSION_TABLE", "").strip() or None


def import_bucket_from_environment(environ: Mapping[str, str] | None = None) -> str | None:
    """The import-job bucket the CLI uses when --import-bucket is not given."""
    env = os.environ if environ is None else environ
    return env.get("SES_IMPORT_BUCKET", "").strip() or None


def load_bulk_threshold(environ: Mapping[str, str] | None = None) -> int:
    """SES_SYNC_BULK_THRESHOLD: the smallest set sent to SES through an import job."""
    env = os.environ if environ is None else environ
    return positive_int_variable(env, "SES_SYNC_BULK_THRESHOLD", DEFAULT_BULK_THRESHOLD)


def operator_name(environ: Mapping[str, str] | None = None) -> str:
    """Who a manual change is attributed to when --actor is not given."""
    env = os.environ if environ is None else environ
    return env.get("SES_FEEDBACK_ACTOR") or env.get("USER") or "cli"


def int_variable(env: Mapping[str, str], variable: str, default: int) -> int:
    """The variable as an integer, `default` when unset or blank."""
    raw = env.get(variable, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigurationError(f"{variable} must be an integer, got {raw!r}") from None


def list_variable(env: Mapping[str, str], variable: str) -> list[str]:
    """A comma-separated variable's values, in order, stripped, blanks left out."""
    return [part.strip() for part in env.get(variable, "").split(",") if part.strip()]


def positive_int_variable(env: Mapping[str, str], variable: str, default: int) -> int:
    value = int_variable(env, variable, default)
    if value < 1:
        raise ConfigurationError(f"{variable} must be >= 1")
    return value


def load_policy(env: Mapping[str, str]) -> PolicySettings:
    values: dict[str, int] = {}
    for variable, field_name in _POLICY_VARIABLES.items():
        raw = env.get(variable)
        if raw is None or raw.strip() == "":
            continue
        try:
            values[field_name] = int(raw)
        except ValueError:
            raise ConfigurationError(f"{variable} must be an integer, got {raw!r}") from None
    markers = env.get("DELIVERY_MARKERS", "").strip().lower() or "true"
    if markers not in ("true", "false"):
        raise ConfigurationError(f"DELIVERY_MARKERS must be true or false, got {markers!r}")
    try:
        return PolicySettings(**values, delivery_markers=markers == "true")
    except ValueError as exc:
        raise ConfigurationError(f"invalid suppression policy: {exc}") from None


def boolean_variable(env: Mapping[str, str], variable: str, default: bool) -> bool:
    """The variable as true or false, `default` when unset or blank."""
    raw = env.get(variable, "").strip().lower()
    if not raw:
        return default
    if raw not in ("true", "false"):
        raise ConfigurationError(f"{variable} must be true or false, got {raw!r}")
    return raw == "true"
