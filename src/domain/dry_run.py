"""A suppression repository that reads through and writes nowhere (`replay --dry-run`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from domain.policy import SuppressionRecord
from domain.service import SuppressionRepository


class DryRunRepository:
    """Reads from the real table; writes go to an in-memory overlay, so later batches see
    the effect of earlier ones exactly as they would after real writes."""

    def __init__(self, inner: SuppressionRepository) -> None:
        self._inner = inner
        self._overlay: dict[str, SuppressionRecord] = {}

    def get_many(self, addresses: Iterable[str]) -> Mapping[str, SuppressionRecord]:
        wanted = set(addresses)
        found = dict(self._inner.get_many(wanted - self._overlay.keys()))
        found.update({a: r for a, r in self._overlay.items() if a in wanted})
        return found

    def get(self, address: str) -> SuppressionRecord | None:
        if address in self._overlay:
            return self._overlay[address]
        return self._inner.get(address)

    def save(self, record: SuppressionRecord, expected_version: int | None) -> None:
        self._overlay[record.address] = replace(record, version=(expected_version or 0) + 1)
