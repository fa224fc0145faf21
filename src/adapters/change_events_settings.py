"""ChangeEventsFunction's settings: the event bus and the table of published event ids."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from adapters.settings import ConfigurationError


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
