"""Per-sender-domain suppression budget for inbound mail, kept in InboundTable.

One counter item per sender domain and clock hour: ``message_id`` =
``rate-limit#<domain>#<hour>``, ``mailbox`` = ``(rate-limit)``, ``count``, ``expires_at``
(TTL). It has no ``received_at``, so the ``by-mailbox`` index never shows it. Granting is a
conditional ``ADD``: all of ``wanted`` when the total stays within the limit, else what is
left, decided against the value read (retried when another container moved it meanwhile).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from adapters import botocore_clients

MAILBOX = "(rate-limit)"
_ATTEMPTS = 5


class DynamoRateLimiter:
    def __init__(self, table_name: str, client: Any = None) -> None:
        self._table = table_name
        self._client = client or botocore_clients.client("dynamodb")

    def take(self, key: str, wanted: int, limit: int, expires_at: datetime) -> int:
        if wanted <= 0:
            return 0
        item_key = {"message_id": {"S": f"rate-limit#{key}"}, "mailbox": {"S": MAILBOX}}
        current: int | None = None  # unknown: try to take everything first
        for _ in range(_ATTEMPTS):
            grant = wanted if current is None else min(wanted, limit - current)
            if grant <= 0:
                return 0
            if current is None:
                condition = "attribute_not_exists(#n) OR #n <= :room"
                values = {":room": {"N": str(limit - grant)}}
            else:
                condition = "#n = :seen" if current else "attribute_not_exists(#n) OR #n = :seen"
                values = {":seen": {"N": str(current)}}
            try:
                self._client.update_item(
                    TableName=self._table,
                    Key=item_key,
                    UpdateExpression="ADD #n :grant SET expires_at = :exp",
                    ConditionExpression=condition,
                    ExpressionAttributeNames={"#n": "count"},
                    ExpressionAttributeValues={
                        ":grant": {"N": str(grant)},
                        ":exp": {"N": str(int(expires_at.timestamp()))},
                        **values,
                    },
                )
                return grant
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                    raise
            current = self._read(item_key)
        return 0  # contended beyond reason: hold back rather than exceed the limit

    def _read(self, item_key: dict[str, Any]) -> int:
        item = self._client.get_item(
            TableName=self._table,
            Key=item_key,
            ConsistentRead=True,
            ProjectionExpression="#n",
            ExpressionAttributeNames={"#n": "count"},
        ).get("Item")
        return int(item["count"]["N"]) if item and "count" in item else 0
