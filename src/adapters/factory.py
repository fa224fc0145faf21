"""The one place handlers get their collaborators from, cached per Lambda container.

Tests call `override(name=fake)` instead of patching modules; `reset()` restores defaults.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from adapters.settings import Settings, load_settings

# Each adapter is imported where it is built: a function imports only what its own path
# uses (the inbound analysis, the SESv2 and S3 clients, cryptography for the webhook), which
# keeps every cold start close to `import boto3` alone (docs/benchmarks.md).
# Each function's own settings too (adapters/*_settings.py): its handler loads them at init.
if TYPE_CHECKING:
    from adapters.auto_pause_settings import AutoPauseSettings
    from adapters.change_event_bus import ChangeEventBus
    from adapters.change_events_settings import ChangeEventsSettings
    from adapters.import_files import S3ImportFiles
    from adapters.inbound_settings import InboundSettings
    from adapters.published_events import PublishedEventStore
    from adapters.sending_control import SesSendingControl
    from adapters.ses_identity import SesIdentityNotifications
    from adapters.ses_suppression_list import SesSuppressionList
    from adapters.sns_certificates import Fetcher, SnsSignatureVerifier, SubscriptionConfirmer
    from adapters.suppression_client import SuppressionClient
    from adapters.suppression_repository import DynamoSuppressionRepository
    from adapters.unsubscribe_settings import UnsubscribeSettings
    from adapters.webhook_settings import WebhookSettings
    from domain.change_publisher import ChangePublisher
    from domain.inbound import InboundService
    from domain.service import SuppressionService
    from domain.ses_import import BulkPath, JobWait
    from domain.unsubscribe_token import UnsubscribeTokens

_overrides: dict[str, Any] = {}


@lru_cache(maxsize=1)
def settings() -> Settings:
    return load_settings()


@lru_cache(maxsize=1)
def _default_service() -> SuppressionService:
    # imported here: functions that never apply outcomes (the read API, the transform) do
    # not load the policy; those that do load it at init through their repository import
    from adapters.suppression_repository import DynamoSuppressionRepository
    from domain.service import SuppressionService

    cfg = settings()
    # `updated_at` comes from the same clock as the expiry sweep's "now" (tests set it), so
    # an expiry written by the sweep is never stamped before the moment it lapsed.
    repository = DynamoSuppressionRepository(cfg.suppression_table, cfg.policy, clock=_now)
    return SuppressionService(repository, cfg.policy)


@lru_cache(maxsize=1)
def _default_ses_list() -> SesSuppressionList:
    from adapters.ses_suppression_list import SesSuppressionList

    return SesSuppressionList()


@lru_cache(maxsize=1)
def _default_client() -> SuppressionClient:
    from adapters.suppression_client import SuppressionClient

    return SuppressionClient(settings().suppression_table)


def suppression_service() -> SuppressionService:
    service: SuppressionService = _overrides.get("service") or _default_service()
    return service


def ses_suppression_list() -> SesSuppressionList:
    ses: SesSuppressionList = _overrides.get("ses_list") or _default_ses_list()
    return ses


def suppression_client() -> SuppressionClient:
    client: SuppressionClient = _overrides.get("client") or _default_client()
    return client


# --- import jobs for large syncs with SES's list ------------------------------------------------


@lru_cache(maxsize=1)
def _default_import_files() -> S3ImportFiles | None:
    from adapters.import_files import S3ImportFiles

    bucket = settings().ses_import_bucket
    return S3ImportFiles(bucket) if bucket else None


def ses_import_files(bucket: str | None = None) -> S3ImportFiles | None:
    """Where import files go: an override (tests), else `bucket` (the CLI names one), else
    the function's SES_IMPORT_BUCKET; None when there is none (per address only)."""
    if "import_files" in _overrides:
        overridden: S3ImportFiles = _overrides["import_files"]
        return overridden
    from adapters.import_files import S3ImportFiles

    return S3ImportFiles(bucket) if bucket else _default_import_files()


def ses_bulk_path(wait: JobWait) -> BulkPath | None:
    """Import jobs through the SES list adapter and the import bucket, or None without one."""
    from domain.ses_import import BulkPath  # SesSyncFunction's handler loads it at init

    files = ses_import_files()
    if files is None:
        return None
    return BulkPath(ses_suppression_list(), files, wait, settings().ses_sync_bulk_threshold)


@lru_cache(maxsize=1)
def inbound_settings() -> InboundSettings:
    from adapters.inbound_settings import load_inbound_settings

    return load_inbound_settings()


@lru_cache(maxsize=1)
def _default_inbound_service() -> InboundService:
    from adapters.inbound_rate_limit import DynamoRateLimiter
    from adapters.inbound_repository import DynamoInboundRepository
    from adapters.mail_store import S3MailStore
    from adapters.return_path_keys import load_signer
    from domain.inbound import InboundService

    cfg = inbound_settings()
    policy = replace(cfg.policy, signer=load_signer(cfg.return_path))
    return InboundService(
        S3MailStore(),
        DynamoInboundRepository(cfg.table),
        suppression_service(),
        policy,
        DynamoRateLimiter(cfg.table),
    )


def inbound_service() -> InboundService:
    inbound: InboundService = _overrides.get("inbound") or _default_inbound_service()
    return inbound


# --- SNS HTTPS webhook ------------------------------------------------------------------------


@lru_cache(maxsize=1)
def webhook_settings() -> WebhookSettings:
    from adapters.webhook_settings import load_webhook_settings

    return load_webhook_settings()


def sns_fetcher() -> Fetcher:
    from adapters.sns_certificates import https_get

    fetcher: Fetcher = _overrides.get("sns_fetcher") or https_get
    return fetcher


@lru_cache(maxsize=1)
def _default_sns_verifier() -> SnsSignatureVerifier:
    from adapters.sns_certificates import CertificateStore, SnsSignatureVerifier, https_get

    return SnsSignatureVerifier(CertificateStore(https_get))


def sns_verifier() -> SnsSignatureVerifier:
    """Certificates (and failed certificate URLs) are cached per container; with an
    overridden fetcher or clock the verifier is built from them once, until the next
    override of either or reset() (tests)."""
    if "sns_fetcher" in _overrides or "sns_clock" in _overrides:
        from adapters.sns_certificates import CertificateStore, SnsSignatureVerifier

        if "_sns_verifier" not in _overrides:
            clock = _overrides.get("sns_clock")
            store = CertificateStore(sns_fetcher(), clock=clock)
            _overrides["_sns_verifier"] = SnsSignatureVerifier(store, clock)
        verifier: SnsSignatureVerifier = _overrides["_sns_verifier"]
        return verifier
    return _default_sns_verifier()


def subscription_confirmer() -> SubscriptionConfirmer:
    from adapters.sns_certificates import SubscriptionConfirmer

    return SubscriptionConfirmer(sns_fetcher())


# --- one-click unsubscribe -------------------------------------------------------------------


@lru_cache(maxsize=1)
def unsubscribe_settings() -> UnsubscribeSettings:
    from adapters.unsubscribe_settings import load_unsubscribe_settings

    return load_unsubscribe_settings()


@lru_cache(maxsize=1)
def _default_unsubscribe_tokens() -> UnsubscribeTokens:
    from adapters.return_path_keys import load_keys
    from adapters.settings import ConfigurationError
    from domain.unsubscribe_token import TokenConfigurationError, UnsubscribeTokens

    cfg = unsubscribe_settings()
    keys = load_keys(cfg.return_path)
    if not keys:
        raise ConfigurationError(
            "no unsubscribe key: set RETURN_PATH_SECRET_ARN (or RETURN_PATH_KEYS locally)"
        )
    try:
        return UnsubscribeTokens(keys, lifetime=cfg.lifetime)
    except TokenConfigurationError as exc:
        raise ConfigurationError(f"unsubscribe keys: {exc}") from None


def unsubscribe_tokens() -> UnsubscribeTokens:
    tokens: UnsubscribeTokens = _overrides.get("unsubscribe_tokens") or (
        _default_unsubscribe_tokens()
    )
    return tokens


def clock() -> Callable[[], datetime]:
    """The time handlers judge token ages by, scheduled jobs run at and writes are stamped
    with (tests override it with `clock=`)."""
    now: Callable[[], datetime] = _overrides.get("clock") or _utc_now
    return now


def _utc_now() -> datetime:
    return datetime.now(UTC)


# --- auto-pause -------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def auto_pause_settings() -> AutoPauseSettings:
    from adapters.auto_pause_settings import load_auto_pause_settings

    return load_auto_pause_settings()


@lru_cache(maxsize=1)
def _default_sending_control() -> SesSendingControl:
    import boto3

    from adapters.sending_control import SesSendingControl

    return SesSendingControl(boto3.client("sesv2"))


def sending_control() -> SesSendingControl:
    control: SesSendingControl = _overrides.get("sending_control") or _default_sending_control()
    return control


# --- change events and the expiry sweep ------------------------------------------------------


@lru_cache(maxsize=1)
def change_events_settings() -> ChangeEventsSettings:
    from adapters.change_events_settings import load_change_events_settings

    return load_change_events_settings()


@lru_cache(maxsize=1)
def _default_event_bus() -> ChangeEventBus:
    from adapters.change_event_bus import ChangeEventBus

    return ChangeEventBus(bus_name=change_events_settings().bus_name)


@lru_cache(maxsize=1)
def _default_published_store() -> PublishedEventStore:
    from adapters.published_events import PublishedEventStore

    return PublishedEventStore(change_events_settings().published_table)


def change_publisher() -> ChangePublisher:
    """Built per call from the (cached) bus, store and SES list, so overrides apply."""
    from domain.change_publisher import ChangePublisher

    bus = _overrides.get("event_bus") or _default_event_bus()
    store = _overrides.get("published_store") or _default_published_store()
    return ChangePublisher(bus, store, ses_suppression_list())


def _now() -> datetime:
    """Looked up at every call, so an override given after the service was built applies."""
    return clock()()


def lapsed_addresses(now: datetime) -> Iterator[str]:
    from adapters.lapsed_suppressions import lapsed_addresses as scan

    return scan(settings().suppression_table, now)


def override(service: Any = None, **others: Any) -> None:
    """Use fakes until reset(): `service=`, `ses_list=`, `client=`, `inbound=`,
    `sending_control=`, `import_files=`, `unsubscribe_tokens=`, `event_bus=`,
    `published_store=`, `clock=` (a function returning now),
    `sns_fetcher=` (URL -> bytes, for certificates and SubscribeURLs), `sns_clock=` (None
    leaves a default)."""
    if service is not None:
        _overrides["service"] = service
    if "sns_fetcher" in others or "sns_clock" in others:
        _overrides.pop("_sns_verifier", None)
    _overrides.update({k: v for k, v in others.items() if v is not None})


def reset() -> None:
    """Forget overrides, cached settings and clients (tests change the environment)."""
    _overrides.clear()
    for cached in (
        settings,
        _default_service,
        _default_ses_list,
        _default_client,
        _default_import_files,
        inbound_settings,
        _default_inbound_service,
        webhook_settings,
        _default_sns_verifier,
        auto_pause_settings,
        _default_sending_control,
        unsubscribe_settings,
        _default_unsubscribe_tokens,
        change_events_settings,
        _default_event_bus,
        _default_published_store,
    ):
        cached.cache_clear()


# --- operator CLI -----------------------------------------------------------------------------
# Commands name their own table (--table / $SUPPRESSION_TABLE / --stack, cli/table_options.py)
# and take endpoints and credentials from the standard AWS variables, like the functions. What
# they build is not cached: one command, one table. Each function imports what it builds, so
# neither the handlers' cold start nor a change to the imports above affects them.


def aws_client(service: str) -> Any:
    """A boto3 client (endpoint from AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE>)."""
    import boto3

    return boto3.client(service)  # type: ignore[call-overload]


def aws_resource(service: str) -> Any:
    """A boto3 resource (the demo shows the plain-boto3 reads another service makes)."""
    import boto3

    return boto3.resource(service)  # type: ignore[call-overload]


def suppression_service_for(table: str, *, dry_run: bool = False) -> SuppressionService:
    """The service on `table` with the policy numbers from the environment (the functions'
    variables). `dry_run`: reads from the table, writes to an in-memory overlay."""
    from adapters.settings import policy_from_environment
    from adapters.suppression_repository import DynamoSuppressionRepository
    from domain.dry_run import DryRunRepository
    from domain.service import SuppressionRepository, SuppressionService

    policy = policy_from_environment()
    repository: SuppressionRepository = DynamoSuppressionRepository(table, policy)
    if dry_run:
        repository = DryRunRepository(repository)
    return SuppressionService(repository, policy)


def suppression_repository_for(table: str) -> DynamoSuppressionRepository:
    """The repository on `table` with the policy numbers from the environment (reads of
    whole records, e.g. the latest manual action for `ses-sync --reconcile`)."""
    from adapters.settings import policy_from_environment
    from adapters.suppression_repository import DynamoSuppressionRepository

    return DynamoSuppressionRepository(table, policy_from_environment())


def suppression_client_for(table: str) -> SuppressionClient:
    from adapters.suppression_client import SuppressionClient

    return SuppressionClient(table)


def sending_control_for(sesv2: Any = None) -> SesSendingControl:
    """Pause and resume on SESv2 (`sesv2`: a client the caller already has, e.g. a stub)."""
    from adapters.sending_control import SesSendingControl

    return SesSendingControl(sesv2 if sesv2 is not None else aws_client("sesv2"))


def ses_identity_notifications() -> SesIdentityNotifications:
    from adapters.ses_identity import SesIdentityNotifications

    return SesIdentityNotifications()
