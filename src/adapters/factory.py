"""The one place handlers get their collaborators from, cached per Lambda container.

Tests call `override()` with fakes or a moto-backed repository instead of patching modules.
"""

from __future__ import annotations

from functools import lru_cache

from adapters.settings import Settings, load_settings
from adapters.suppression_repository import DynamoSuppressionRepository
from domain.service import SuppressionService

_override: SuppressionService | None = None


@lru_cache(maxsize=1)
def settings() -> Settings:
    return load_settings()


@lru_cache(maxsize=1)
def _default_service() -> SuppressionService:
    cfg = settings()
    repository = DynamoSuppressionRepository(cfg.suppression_table, cfg.policy)
    return SuppressionService(repository, cfg.policy)


def suppression_service() -> SuppressionService:
    return _override if _override is not None else _default_service()


def override(service: SuppressionService | None) -> None:
    """Use `service` for every handler call until reset (None restores the default)."""
    global _override  # noqa: PLW0603 - the container-wide cache is the point of this module
    _override = service


def reset() -> None:
    """Forget cached settings and clients (tests change the environment between cases)."""
    global _override  # noqa: PLW0603
    _override = None
    settings.cache_clear()
    _default_service.cache_clear()
