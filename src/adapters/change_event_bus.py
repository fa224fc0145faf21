"""EventBridge PutEvents for change events: entries of at most 10 a request, entries
EventBridge refused (FailedEntryCount) retried with backoff, then reported by event id."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

import orjson

from domain.change_events import ChangeEvent
from domain.change_publisher import PublishResult

SOURCE = "ses-feedback"
DETAIL_TYPE = "Suppression Changed"
MAX_ENTRIES = 10  # PutEvents' limit per request


class ChangeEventBus:
    def __init__(
        self,
        client: Any = None,
        *,
        bus_name: str = "default",
        max_attempts: int = 3,
        base_delay: float = 0.2,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if client is None:
            import boto3

            client = boto3.client("events")
        self._client = client
        self._bus = bus_name
        self._max_attempts = max_attempts
        self._base_delay = base_delay
        self._sleep = sleep
        self.requests = 0

    def publish(self, events: Iterable[ChangeEvent]) -> PublishResult:
        """Put every event; entries refused (per-entry ErrorCode, e.g. throttling or an
        internal failure) are sent again with backoff, up to `max_attempts` rounds. A
        request that fails as a whole raises (botocore has already retried it)."""
        pending = list(events)
        accepted: list[str] = []
        codes: list[str] = []
        delay = self._base_delay
        for attempt in range(self._max_attempts):
            if not pending:
                break
            if attempt:
                self._sleep(delay)
                delay *= 2
            refused: list[ChangeEvent] = []
            codes = []
            for start in range(0, len(pending), MAX_ENTRIES):
                chunk = pending[start : start + MAX_ENTRIES]
                results = self._put(chunk)
                for event, result in zip(chunk, results, strict=True):
                    if result.get("ErrorCode"):
                        refused.append(event)
                        codes.append(str(result["ErrorCode"]))
                    else:
                        accepted.append(event.event_id)
            pending = refused
        return PublishResult(tuple(accepted), tuple(e.event_id for e in pending), tuple(codes))

    def _put(self, chunk: list[ChangeEvent]) -> list[dict[str, Any]]:
        self.requests += 1
        response = self._client.put_events(Entries=[self._entry(e) for e in chunk])
        entries: list[dict[str, Any]] = response.get("Entries", [])
        if len(entries) != len(chunk):  # the API answers one result per entry, in order
            raise RuntimeError("PutEvents answered a different number of entries")
        return entries

    def _entry(self, event: ChangeEvent) -> dict[str, Any]:
        return {
            "Source": SOURCE,
            "DetailType": DETAIL_TYPE,
            "Detail": orjson.dumps(event.detail()).decode(),
            "EventBusName": self._bus,
            "Time": event.at,
        }
