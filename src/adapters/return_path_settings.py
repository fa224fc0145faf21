"""The return-path signing keys' settings (InboundFunction, UnsubscribeFunction, the CLI)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from adapters.settings import ConfigurationError, positive_int_variable


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
    days = positive_int_variable(env, "RETURN_PATH_MAX_AGE_DAYS", 90)
    try:  # validate now (cold start), not at the first report
        if keys:
            ReturnPathSigner(keys, prefix=prefix, max_age=timedelta(days=days))
    except ProofConfigurationError as exc:
        raise ConfigurationError(f"RETURN_PATH_KEYS: {exc}") from None
    return ReturnPathSettings(keys, arn, prefix, timedelta(days=days))
