"""Pausing and resuming a configuration set's sending through SESv2.

SESv2 names the switch PutConfigurationSetSendingOptions (SendingEnabled); the SES v1
UpdateConfigurationSetSendingEnabled is the same switch. Why a set was paused is kept as
tags on the set (domain/auto_pause.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Its client is built by the factory from boto3; importing it here makes a handler that
# preloads this adapter at init load the SDK at init too, not on its first request.
import boto3  # noqa: F401

from domain.auto_pause import PAUSE_TAG_KEYS, PAUSED_AT_TAG, PAUSED_BY_TAG


@dataclass(frozen=True, slots=True)
class SendingState:
    sending_enabled: bool
    paused_by: str | None = None
    paused_at: str | None = None


class SesSendingControl:
    def __init__(self, client: Any) -> None:
        self._client = client

    def state(self, configuration_set: str) -> SendingState:
        found = self._client.get_configuration_set(ConfigurationSetName=configuration_set)
        tags = {t["Key"]: t["Value"] for t in found.get("Tags", [])}
        return SendingState(
            # SES omits SendingOptions for a set that was never paused: enabled.
            sending_enabled=bool(found.get("SendingOptions", {}).get("SendingEnabled", True)),
            paused_by=tags.get(PAUSED_BY_TAG),
            paused_at=tags.get(PAUSED_AT_TAG),
        )

    def pause(self, configuration_set: str, arn: str, tags: Mapping[str, str]) -> None:
        """Disable sending first (the urgent part), then record why."""
        self._client.put_configuration_set_sending_options(
            ConfigurationSetName=configuration_set, SendingEnabled=False
        )
        self._client.tag_resource(
            ResourceArn=arn, Tags=[{"Key": k, "Value": v} for k, v in tags.items()]
        )

    def resume(self, configuration_set: str, arn: str) -> None:
        self._client.put_configuration_set_sending_options(
            ConfigurationSetName=configuration_set, SendingEnabled=True
        )
        self._client.untag_resource(ResourceArn=arn, TagKeys=list(PAUSE_TAG_KEYS))
