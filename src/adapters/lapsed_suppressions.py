"""The suppressions whose expiry has passed but whose item still reads `suppressed`.

A Scan of the sparse `by-reason` index (only items with `suppressed_at`, i.e. suppressed
ones; projection ALL) with a filter on `expires_at`. A Scan reads, and is billed for, every
item of the index, not only those the filter keeps: one sweep costs about the size of all
suppressed items / 4 KB x 0.5 read units (docs/events.md, "Expiry sweep").
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from adapters.suppression_table import bind_suppression_model


def lapsed_addresses(table_name: str, now: datetime) -> Iterator[str]:
    model = bind_suppression_model(table_name)
    condition = (model.state == "suppressed") & (model.expires_at <= int(now.timestamp()))
    for found in model.by_reason.scan(filter_condition=condition, attributes_to_get=["address"]):
        yield found.address
