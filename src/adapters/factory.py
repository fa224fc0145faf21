"""The one place handlers get their collaborators from, cached per Lambda container.

Tests call `override(name=fake)` instead of patching modules; `reset()` restores defaults.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from adapters.settings import (
    AutoPauseSettings,
    InboundSettings,
    Settings,
    WebhookSettings,
    load_auto_pause_settings,
    load_inbound_settings,
    load_settings,
    load_webhook_settings,
)
from domain.service import SuppressionService

# Each adapter is imported where it is built: a function imports only what its own path
# uses (the inbound analysis, the SESv2 and S3 clients, cryptography for the webhook), which
# keeps every cold start close to `import boto3` alone (docs/benchmarks.md).
if TYPE_CHECKING:
    from adapters.sending_control import SesSendingControl
    from adapters.ses_suppression_list import SesSuppressionList
    from adapters.sns_certificates import Fetcher, SnsSignatureVerifier, SubscriptionConfirmer
    from adapters.suppression_client import SuppressionClient
    from domain.inbound import InboundService

_overrides: dict[str, Any] = {}


@lru_cache(maxsize=1)
def settings() -> Settings:
    return load_settings()


@lru_cache(maxsize=1)
def _default_service() -> SuppressionService:
    from adapters.suppression_repository import DynamoSuppressionRepository

    cfg = settings()
    repository = DynamoSuppressionRepository(cfg.suppression_table, cfg.policy)
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


@lru_cache(maxsize=1)
def inbound_settings() -> InboundSettings:
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


# --- auto-pause -------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def auto_pause_settings() -> AutoPauseSettings:
    return load_auto_pause_settings()


@lru_cache(maxsize=1)
def _default_sending_control() -> SesSendingControl:
    import boto3

    from adapters.sending_control import SesSendingControl

    return SesSendingControl(boto3.client("sesv2"))


def sending_control() -> SesSendingControl:
    control: SesSendingControl = _overrides.get("sending_control") or _default_sending_control()
    return control


def override(service: Any = None, **others: Any) -> None:
    """Use fakes until reset(): `service=`, `ses_list=`, `client=`, `inbound=`,
    `sending_control=`,
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
        inbound_settings,
        _default_inbound_service,
        webhook_settings,
        _default_sns_verifier,
        auto_pause_settings,
        _default_sending_control,
    ):
        cached.cache_clear()
