"""The return-path signing keys, from Secrets Manager or the environment.

The secret's string is one or more keys separated by commas or whitespace; the first mints,
all verify (rotate by prepending a new key, and drop the old one after the signer's maximum
age). A JSON secret ``{"keys": "..."}`` is accepted too, as the console writes key/value
secrets that way.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from adapters import botocore_clients
from adapters.return_path_settings import ReturnPathSettings
from adapters.settings import ConfigurationError
from domain.inbound.proof import ProofConfigurationError, ReturnPathSigner, keys_from_secret


def load_signer(cfg: ReturnPathSettings, client: Any = None) -> ReturnPathSigner | None:
    """The signer the settings describe, or None when no key is configured (then no DSN or
    ARF report can change the suppression table: safe, and logged by the caller)."""
    keys = load_keys(cfg, client)
    if not keys:
        return None
    try:
        return ReturnPathSigner(keys, prefix=cfg.prefix, max_age=cfg.max_age)
    except ProofConfigurationError as exc:
        raise ConfigurationError(f"return-path keys: {exc}") from None


def load_keys(cfg: ReturnPathSettings, client: Any = None) -> tuple[bytes, ...]:
    """The configured keys (the first mints), from the settings or the secret; () for none.
    Return paths and one-click unsubscribe tokens share them (each derives its own use)."""
    if cfg.keys or not cfg.secret_arn:
        return cfg.keys
    return _keys_from_secret(cfg.secret_arn, client or botocore_clients.client("secretsmanager"))


def _keys_from_secret(arn: str, client: Any) -> tuple[bytes, ...]:
    try:
        value = client.get_secret_value(SecretId=arn)["SecretString"]
    except (ClientError, BotoCoreError, KeyError) as exc:
        raise ConfigurationError(f"cannot read the return-path secret: {exc}") from None
    text = str(value).strip()
    if text.startswith("{"):
        try:
            text = str(json.loads(text)["keys"])
        except (ValueError, KeyError, TypeError):
            raise ConfigurationError("the return-path secret is JSON without 'keys'") from None
    keys = keys_from_secret(text)
    if not keys:
        raise ConfigurationError("the return-path secret holds no key")
    return keys
