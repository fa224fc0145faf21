"""DynamoDB implementation of the domain's SuppressionRepository port (pynamodb)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import PutError

from adapters.suppression_table import SuppressionModel, bind_suppression_model
from domain.addresses import mask_address
from domain.policy import SuppressionRecord
from domain.policy_settings import PolicySettings
from domain.record_codec import record_from_item, record_to_item
from domain.service import ConcurrentUpdateError

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def item_of(model: SuppressionModel) -> dict[str, Any]:
    """A model instance as the plain item dictionary of docs/schema.md."""
    item: dict[str, Any] = {}
    for name, value in model.attribute_values.items():
        if hasattr(value, "as_dict"):
            item[name] = value.as_dict()
        elif isinstance(value, datetime):
            item[name] = int(value.timestamp())
        else:
            item[name] = value
    return item


class DynamoSuppressionRepository:
    def __init__(self, table_name: str, settings: PolicySettings, clock: Clock = utc_now) -> None:
        self.model = bind_suppression_model(table_name)
        self._settings = settings
        self._clock = clock

    def get(self, address: str) -> SuppressionRecord | None:
        try:
            model = self.model.get(address, consistent_read=True)
        except self.model.DoesNotExist:
            return None
        return record_from_item(item_of(model), self._settings)

    def get_many(self, addresses: Iterable[str]) -> Mapping[str, SuppressionRecord]:
        """BatchGetItem; pynamodb splits into 100-key requests and retries unprocessed keys."""
        keys = sorted(set(addresses))
        if not keys:
            return {}
        found: dict[str, SuppressionRecord] = {}
        for model in self.model.batch_get(keys, consistent_read=True):
            record = record_from_item(item_of(model), self._settings)
            found[record.address] = record
        return found

    def save(self, record: SuppressionRecord, expected_version: int | None) -> None:
        item = record_to_item(record, self._clock())
        expires = item.pop("purge_at", None)
        model = self.model(
            item.pop("address"),
            purge_at=datetime.fromtimestamp(expires, UTC) if expires is not None else None,
            **item,
        )
        # VersionAttribute makes save() conditional on the version we read and bumps it;
        # with no version, it requires that the item does not exist yet.
        if expected_version is not None:
            model.version = expected_version
        try:
            model.save()
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                # the masked form: exception texts reach logs, addresses must not
                raise ConcurrentUpdateError(mask_address(record.address)) from exc
            raise
