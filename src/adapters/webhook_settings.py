"""WebhookFunction's settings: the SNS topics it accepts and how old a message may be."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from adapters.settings import (
    ConfigurationError,
    boolean_variable,
    list_variable,
    positive_int_variable,
)
from domain.sns_signature import SnsMessageError, topic_region

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
    arns = frozenset(list_variable(env, "WEBHOOK_ALLOWED_TOPIC_ARNS"))
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
    seconds = positive_int_variable(env, "WEBHOOK_MAX_MESSAGE_AGE_SECONDS", 3600)
    return WebhookSettings(
        allowed_topic_arns=arns,
        max_message_age=timedelta(seconds=seconds),
        require_signature_version_2=boolean_variable(
            env, "WEBHOOK_REQUIRE_SIGNATURE_VERSION_2", False
        ),
    )


def _pinnable(topic_arn: str) -> bool:
    """A message from this topic can be verified: its certificate host can be derived."""
    try:
        topic_region(topic_arn)
    except SnsMessageError:
        return False
    return True
