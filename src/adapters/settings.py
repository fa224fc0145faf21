"""All configuration, read and validated in one place at cold start.

Environment variables are the template's Parameters passed through `Environment`. Endpoints
are not configured here: boto3 and pynamodb honour AWS_ENDPOINT_URL(_<SERVICE>) themselves.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from domain.policy import PolicySettings
from domain.ses_import_threshold import DEFAULT_BULK_THRESHOLD

if TYPE_CHECKING:  # imported where used: only InboundFunction loads the inbound side
    from domain.inbound.service import InboundPolicy


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
        ses_sync_window_hours=_positive_int(env, "SES_SYNC_WINDOW_HOURS", 48),
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
    return _positive_int(env, "SES_SYNC_BULK_THRESHOLD", DEFAULT_BULK_THRESHOLD)


def operator_name(environ: Mapping[str, str] | None = None) -> str:
    """Who a manual change is attributed to when --actor is not given."""
    env = os.environ if environ is None else environ
    return env.get("SES_FEEDBACK_ACTOR") or env.get("USER") or "cli"


def _int(env: Mapping[str, str], variable: str, default: int) -> int:
    """The variable as an integer, `default` when unset or blank."""
    raw = env.get(variable, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigurationError(f"{variable} must be an integer, got {raw!r}") from None


def _positive_int(env: Mapping[str, str], variable: str, default: int) -> int:
    value = _int(env, variable, default)
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


# --- inbound mail ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReturnPathSettings:
    """Where the return-path signing keys come from (docs/security.md).

    ``secret_arn``: a Secrets Manager secret (the stack creates one); ``keys``: the keys
    themselves, for local runs and tests only. Neither: no report can prove anything.
    """

    keys: tuple[bytes, ...] = ()
    secret_arn: str | None = None
    prefix: str = "bounces"
    max_age: timedelta = timedelta(days=90)


@dataclass(frozen=True, slots=True)
class InboundSettings:
    table: str
    bucket: str
    object_prefix: str
    policy: InboundPolicy
    return_path: ReturnPathSettings = ReturnPathSettings()


def load_return_path_settings(environ: Mapping[str, str] | None = None) -> ReturnPathSettings:
    """RETURN_PATH_SECRET_ARN (Secrets Manager) or RETURN_PATH_KEYS (the keys, comma-separated:
    local runs and tests); RETURN_PATH_PREFIX (bounces); RETURN_PATH_MAX_AGE_DAYS (90)."""
    from domain.inbound.proof import ProofConfigurationError, ReturnPathSigner, keys_from_secret

    env = os.environ if environ is None else environ
    arn = env.get("RETURN_PATH_SECRET_ARN", "").strip() or None
    if arn is not None and not arn.startswith("arn:"):
        raise ConfigurationError(f"RETURN_PATH_SECRET_ARN is not an ARN: {arn!r}")
    keys = keys_from_secret(env.get("RETURN_PATH_KEYS", ""))
    prefix = env.get("RETURN_PATH_PREFIX", "").strip() or "bounces"
    days = _positive_int(env, "RETURN_PATH_MAX_AGE_DAYS", 90)
    try:  # validate now (cold start), not at the first report
        if keys:
            ReturnPathSigner(keys, prefix=prefix, max_age=timedelta(days=days))
    except ProofConfigurationError as exc:
        raise ConfigurationError(f"RETURN_PATH_KEYS: {exc}") from None
    return ReturnPathSettings(keys, arn, prefix, timedelta(days=days))


def load_inbound_settings(environ: Mapping[str, str] | None = None) -> InboundSettings:
    """INBOUND_TABLE, INBOUND_BUCKET (required); INBOUND_OBJECT_PREFIX (the receipt rule's S3
    object key prefix); UNSUBSCRIBE_MAILBOXES (comma-separated); INBOUND_RETENTION_DAYS;
    INBOUND_MAX_SUPPRESSIONS_PER_DOMAIN_HOUR (0: no limit); the return-path keys
    (:func:`load_return_path_settings`)."""
    from domain.inbound.service import InboundPolicy

    env = os.environ if environ is None else environ
    values: dict[str, str] = {}
    for variable in ("INBOUND_TABLE", "INBOUND_BUCKET"):
        values[variable] = env.get(variable, "").strip()
        if not values[variable]:
            raise ConfigurationError(f"{variable} is not set")
    days = _int(env, "INBOUND_RETENTION_DAYS", 90)
    mailboxes = frozenset(
        m.strip().lower() for m in env.get("UNSUBSCRIBE_MAILBOXES", "").split(",") if m.strip()
    )
    per_hour = _int(env, "INBOUND_MAX_SUPPRESSIONS_PER_DOMAIN_HOUR", 0)
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


# --- one-click unsubscribe (RFC 8058) ------------------------------------------------------


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
    days = _positive_int(env, "UNSUBSCRIBE_TOKEN_LIFETIME_DAYS", 90)
    base_url = env.get("UNSUBSCRIBE_BASE_URL", "").strip() or None
    if base_url is not None and not base_url.startswith("https://"):
        raise ConfigurationError("UNSUBSCRIBE_BASE_URL must be an https:// URL")
    mailboxes = [m.strip() for m in env.get("UNSUBSCRIBE_MAILBOXES", "").split(",") if m.strip()]
    return UnsubscribeSettings(
        return_path=load_return_path_settings(env),
        lifetime=timedelta(days=days),
        base_url=base_url,
        mailbox=mailboxes[0] if mailboxes else None,
    )


# --- SNS HTTPS webhook ------------------------------------------------------------------------

_SNS_TOPIC_ARN = re.compile(
    r"^arn:aws[a-z\-]*:sns:[a-z0-9\-]+:\d{12}:[A-Za-z0-9_\-]{1,256}(\.fifo)?$"
)


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    allowed_topic_arns: frozenset[str]
    max_message_age: timedelta
    require_signature_version_2: bool = False


def load_webhook_settings(environ: Mapping[str, str] | None = None) -> WebhookSettings:
    """WEBHOOK_ALLOWED_TOPIC_ARNS (comma-separated SNS topic ARNs, at least one: messages
    from any other topic are refused); WEBHOOK_MAX_MESSAGE_AGE_SECONDS (3600: older messages
    are refused as possible replays; keep it above the subscription's retry duration);
    WEBHOOK_REQUIRE_SIGNATURE_VERSION_2 (true/false; unset = false, as AWS's SDKs accept
    both versions; the template sets it, see docs/decisions.md)."""
    env = os.environ if environ is None else environ
    arns = frozenset(
        a.strip() for a in env.get("WEBHOOK_ALLOWED_TOPIC_ARNS", "").split(",") if a.strip()
    )
    if not arns:
        raise ConfigurationError(
            "WEBHOOK_ALLOWED_TOPIC_ARNS is not set (the SNS topic ARNs the webhook accepts)"
        )
    bad = sorted(a for a in arns if not _SNS_TOPIC_ARN.fullmatch(a) or not _pinnable(a))
    if bad:
        raise ConfigurationError(
            "WEBHOOK_ALLOWED_TOPIC_ARNS has values that are not SNS topic ARNs in a partition"
            f" whose certificates can be pinned (aws, aws-cn, aws-us-gov): {bad}"
        )
    seconds = _positive_int(env, "WEBHOOK_MAX_MESSAGE_AGE_SECONDS", 3600)
    return WebhookSettings(
        allowed_topic_arns=arns,
        max_message_age=timedelta(seconds=seconds),
        require_signature_version_2=_boolean(env, "WEBHOOK_REQUIRE_SIGNATURE_VERSION_2", False),
    )


_CONFIGURATION_SET_ARN = re.compile(
    r"^arn:aws[a-z\-]*:ses:[a-z0-9\-]+:\d{12}:configuration-set/\S+$"
)


@dataclass(frozen=True, slots=True)
class AutoPauseSettings:
    configuration_set: str
    configuration_set_arn: str
    pause_alarms: frozenset[str]


def load_auto_pause_settings(environ: Mapping[str, str] | None = None) -> AutoPauseSettings:
    """AUTO_PAUSE_CONFIGURATION_SET and AUTO_PAUSE_CONFIGURATION_SET_ARN (the set whose
    sending a pause alarm disables, and its ARN for the tags that say why);
    AUTO_PAUSE_ALARMS (comma-separated alarm names that may pause it, at least one)."""
    env = os.environ if environ is None else environ
    name = env.get("AUTO_PAUSE_CONFIGURATION_SET", "").strip()
    arn = env.get("AUTO_PAUSE_CONFIGURATION_SET_ARN", "").strip()
    alarms = frozenset(a.strip() for a in env.get("AUTO_PAUSE_ALARMS", "").split(",") if a.strip())
    if not name:
        raise ConfigurationError("AUTO_PAUSE_CONFIGURATION_SET is not set")
    if not _CONFIGURATION_SET_ARN.fullmatch(arn) or not arn.endswith(f"/{name}"):
        raise ConfigurationError(
            "AUTO_PAUSE_CONFIGURATION_SET_ARN must be the ARN of configuration set "
            f"{name!r}, got {arn!r}"
        )
    if not alarms:
        raise ConfigurationError("AUTO_PAUSE_ALARMS is not set (the alarm names that pause)")
    return AutoPauseSettings(name, arn, alarms)


def _pinnable(topic_arn: str) -> bool:
    """A message from this topic can be verified: its certificate host can be derived."""
    # Imported here: only WebhookFunction reads these settings, and its handler loads the
    # SNS rules at init; the other functions never need them.
    from domain.sns_signature import SnsMessageError, topic_region

    try:
        topic_region(topic_arn)
    except SnsMessageError:
        return False
    return True


def _boolean(env: Mapping[str, str], variable: str, default: bool) -> bool:
    raw = env.get(variable, "").strip().lower()
    if not raw:
        return default
    if raw not in ("true", "false"):
        raise ConfigurationError(f"{variable} must be true or false, got {raw!r}")
    return raw == "true"


# --- change events -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChangeEventsSettings:
    bus_name: str
    published_table: str


def load_change_events_settings(
    environ: Mapping[str, str] | None = None,
) -> ChangeEventsSettings:
    """CHANGE_EVENT_BUS (name or ARN of the bus, default `default`) and
    PUBLISHED_EVENTS_TABLE (the table of published event ids, required)."""
    env = os.environ if environ is None else environ
    table = env.get("PUBLISHED_EVENTS_TABLE", "").strip()
    if not table:
        raise ConfigurationError(
            "PUBLISHED_EVENTS_TABLE is not set (the table of published change event ids)"
        )
    bus = env.get("CHANGE_EVENT_BUS", "").strip() or "default"
    return ChangeEventsSettings(bus_name=bus, published_table=table)
