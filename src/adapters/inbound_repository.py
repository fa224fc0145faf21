"""DynamoDB implementation of the domain's InboundRepository port (pynamodb)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from pynamodb.exceptions import DeleteError, PutError

from adapters.inbound_table import InboundModel, bind_inbound_model
from domain.inbound import InboundRecord, inbound_item

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class DynamoInboundRepository:
    def __init__(self, table_name: str, clock: Clock = _utc_now) -> None:
        self.model: type[InboundModel] = bind_inbound_model(table_name)
        self._clock = clock

    def status(self, message_id: str) -> str | None:
        """None (never seen), "recorded", or "fetch-failed" (only failed fetches so far)."""
        seen = False
        for item in self.model.query(
            message_id, consistent_read=True, attributes_to_get=["message_id", "fetch_failed"]
        ):
            seen = True
            if not item.fetch_failed:
                return "recorded"
        return "fetch-failed" if seen else None

    def put(self, record: InboundRecord) -> bool:
        item = inbound_item(record, self._clock())
        expires = item.pop("expires_at", None)
        model = self.model(
            item.pop("message_id"),
            item.pop("mailbox"),
            expires_at=datetime.fromtimestamp(expires, UTC) if expires is not None else None,
            **item,
        )
        # First delivery wins; only the record of a failed fetch may be replaced.
        condition = self.model.message_id.does_not_exist() | (self.model.fetch_failed == True)  # noqa: E712
        try:
            model.save(condition=condition)
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def discard_failed(self, message_id: str) -> None:
        for item in self.model.query(
            message_id,
            consistent_read=True,
            filter_condition=self.model.fetch_failed == True,  # noqa: E712
        ):
            try:
                item.delete(condition=self.model.fetch_failed == True)  # noqa: E712
            except DeleteError as exc:
                if exc.cause_response_code != "ConditionalCheckFailedException":
                    raise
