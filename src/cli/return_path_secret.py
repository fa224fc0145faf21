"""Where the per-recipient commands (`return-path`, `unsubscribe-headers`) find the keys: the
environment's RETURN_PATH_KEYS or RETURN_PATH_SECRET_ARN, else --secret-arn, else the
stack's `ReturnPathSecretArn` output."""

from __future__ import annotations

import argparse
from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from adapters.return_path_settings import ReturnPathSettings

KEYS_STACK_OUTPUT = "ReturnPathSecretArn"


def with_secret(cfg: ReturnPathSettings, args: argparse.Namespace) -> ReturnPathSettings:
    """`cfg` as loaded when it names keys or a secret; otherwise with the secret from
    --secret-arn or the stack output (looked up only then)."""
    if cfg.keys or cfg.secret_arn:
        return cfg
    return replace(cfg, secret_arn=args.secret_arn or stack_output(args, KEYS_STACK_OUTPUT))


def stack_output(args: argparse.Namespace, key: str) -> str:
    from adapters.stack_outputs import stack_output as read

    value: str = read(args.stack, key)
    return value
