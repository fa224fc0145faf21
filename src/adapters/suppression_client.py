"""A small read client for services that ask "may I send to this address?".

It depends only on boto3 and the pure address normaliser, never on handlers, so another
service can vendor this module. It applies read-time expiry: an item whose `expires_at` has
passed reads as not suppressed, because DynamoDB deletes expired items days late.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

from domain.addresses import InvalidAddressError, normalise_address

BATCH_GET_LIMIT = 100  # DynamoDB's BatchGetItem maximum keys per request
_PROJECTION = "address, #st, suppressed, reason, category, expires_at, suppressed_at, evidence"
_NAMES = {"#st": "state"}
_deserializer = TypeDeserializer()


class UnprocessedKeysError(RuntimeError):
    """DynamoDB kept returning unprocessed keys after every retry."""


@dataclass(frozen=True, slots=True)
class SuppressionStatus:
    address: str  # as given by the caller
    normalised: str | None  # None when the input is not an address
    suppressed: bool  # expiry already applied
    state: str | None = None
    reason: str | None = None
    category: str | None = None
    expires_at: datetime | None = None
    suppressed_at: str | None = None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "normalised": self.normalised,
            "suppressed": self.suppressed,
            "state": self.state,
            "reason": self.reason,
            "category": self.category,
            "expires_at": self.expires_at.isoformat().replace("+00:00", "Z")
            if self.expires_at
            else None,
            "suppressed_at": self.suppressed_at,
            **({"error": self.error} if self.error else {}),
        }


def status_from_item(
    given: str, normalised: str | None, item: dict[str, Any] | None, now: datetime
) -> SuppressionStatus:
    if item is None:
        return SuppressionStatus(given, normalised, False, state=None)
    expires_raw = item.get("expires_at")
    expires = datetime.fromtimestamp(int(expires_raw), UTC) if expires_raw is not None else None
    in_force = item.get("state") == "suppressed" and (expires is None or expires > now)
    return SuppressionStatus(
        address=given,
        normalised=normalised,
        suppressed=in_force,
        state=item.get("state"),
        reason=item.get("reason"),
        category=item.get("category"),
        expires_at=expires,
        suppressed_at=item.get("suppressed_at"),
    )


class SuppressionClient:
    def __init__(
        self,
        table_name: str,
        client: Any = None,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        max_attempts: int = 8,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if client is None:
            import boto3

            client = boto3.client("dynamodb")
        self.table_name = table_name
        self._client = client
        self._clock = clock
        self._max_attempts = max_attempts
        self._sleep = sleep

    def is_suppressed(self, address: str) -> bool:
        return self.check(address).suppressed

    def check(self, address: str) -> SuppressionStatus:
        return self.check_many([address])[address]

    def check_many(self, addresses: Iterable[str]) -> dict[str, SuppressionStatus]:
        """Status per address as given. Invalid inputs read as not suppressed with an error."""
        now = self._clock()
        given = list(dict.fromkeys(addresses))
        keyed: dict[str, list[str]] = {}
        results: dict[str, SuppressionStatus] = {}
        for raw in given:
            try:
                keyed.setdefault(normalise_address(raw), []).append(raw)
            except InvalidAddressError as exc:
                results[raw] = SuppressionStatus(raw, None, False, error=str(exc))
        keys = list(keyed)
        items: dict[str, dict[str, Any]] = {}
        for start in range(0, len(keys), BATCH_GET_LIMIT):
            items.update(self._batch_get(keys[start : start + BATCH_GET_LIMIT]))
        for normalised, raws in keyed.items():
            for raw in raws:
                results[raw] = status_from_item(raw, normalised, items.get(normalised), now)
        return {raw: results[raw] for raw in given}

    def _batch_get(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        request: dict[str, Any] = {
            self.table_name: {
                "Keys": [{"address": {"S": k}} for k in keys],
                "ProjectionExpression": _PROJECTION,
                "ExpressionAttributeNames": _NAMES,
            }
        }
        found: dict[str, dict[str, Any]] = {}
        for attempt in range(self._max_attempts):
            response = self._client.batch_get_item(RequestItems=request)
            for raw in response.get("Responses", {}).get(self.table_name, []):
                item = _plain(raw)
                found[item["address"]] = item
            unprocessed = response.get("UnprocessedKeys") or {}
            if not unprocessed.get(self.table_name, {}).get("Keys"):
                return found
            request = unprocessed
            # Exponential backoff with full jitter, as AWS recommends for unprocessed keys.
            self._sleep(random.uniform(0, min(2.0, 0.05 * 2**attempt)))  # noqa: S311
        raise UnprocessedKeysError(f"keys still unprocessed after {self._max_attempts} attempts")

    def items(
        self, *, suppressed_only: bool = True, since: str | None = None
    ) -> Iterator[dict[str, Any]]:
        return iter_items(
            self._client, self.table_name, suppressed_only=suppressed_only, since=since
        )

    def list_by_domain(
        self, domain: str, *, in_force_only: bool = True
    ) -> Iterator[SuppressionStatus]:
        """Suppressed addresses at a domain (index by-domain)."""
        yield from self._query(
            "by-domain", "#k = :v", {"#k": "domain"}, {":v": {"S": domain.lower()}}, in_force_only
        )

    def list_since(
        self, reason: str, since: str, *, in_force_only: bool = True
    ) -> Iterator[SuppressionStatus]:
        """Addresses suppressed for `reason` with suppressed_at >= since (ISO 8601 UTC)."""
        yield from self._query(
            "by-reason",
            "#k = :v AND suppressed_at >= :t",
            {"#k": "reason"},
            {":v": {"S": reason}, ":t": {"S": since}},
            in_force_only,
        )

    def _query(
        self,
        index: str,
        condition: str,
        names: dict[str, str],
        values: dict[str, Any],
        in_force_only: bool,
    ) -> Iterator[SuppressionStatus]:
        now = self._clock()
        paginator = self._client.get_paginator("query")
        for page in paginator.paginate(
            TableName=self.table_name,
            IndexName=index,
            KeyConditionExpression=condition,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        ):
            for raw in page.get("Items", []):
                item = _plain(raw)
                status = status_from_item(item["address"], item["address"], item, now)
                if status.suppressed or not in_force_only:
                    yield status


def iter_items(
    client: Any, table_name: str, *, suppressed_only: bool = True, since: str | None = None
) -> Iterator[dict[str, Any]]:
    """Every item as a plain dict (a full scan: for operators and sync jobs, not hot paths)."""
    params: dict[str, Any] = {"TableName": table_name}
    filters = []
    values: dict[str, Any] = {}
    if suppressed_only:
        filters.append("#st = :s")
        values[":s"] = {"S": "suppressed"}
    if since:
        filters.append("suppressed_at >= :t")
        values[":t"] = {"S": since}
    if filters:
        params["FilterExpression"] = " AND ".join(filters)
        params["ExpressionAttributeValues"] = values
        if suppressed_only:
            params["ExpressionAttributeNames"] = _NAMES
    for page in client.get_paginator("scan").paginate(**params):
        for raw in page.get("Items", []):
            yield _plain(raw)


def _plain(raw: dict[str, Any]) -> dict[str, Any]:
    return {k: _deserializer.deserialize(v) for k, v in raw.items()}


__all__ = ["SuppressionClient", "SuppressionStatus", "UnprocessedKeysError"]
