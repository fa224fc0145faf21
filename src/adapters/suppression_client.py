"""A small read client for services that ask "may I send to this address?".

It depends only on boto3, the pure address normaliser and the scope names (domain.scopes),
never on handlers, so another service can vendor this module. It applies read-time expiry:
an item whose `expires_at` has passed reads as not suppressed, because DynamoDB deletes
expired items days late.

Scopes (docs/schema.md): a check under scope S is refused when the item's global state is a
suppression in force OR its `scopes` map holds a suppression in force for any scope covering
S (`a:b` is covered by `a`, and every scope by global). Still one read per address.
"""

from __future__ import annotations

import base64
import binascii
import json
import random
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import ClientError

from domain.addresses import InvalidAddressError, normalise_addr_spec
from domain.scopes import GLOBAL_SCOPE, covering_scopes, normalise_scope

BATCH_GET_LIMIT = 100  # DynamoDB's BatchGetItem maximum keys per request
MAX_PAGE_SIZE = 1000
PAGE_ROUND_TRIPS = 10  # Query calls one page may take to fill up past expired items
_PROJECTION = "address, #st, suppressed, reason, category, expires_at, suppressed_at, evidence"
_NAMES = {"#st": "state"}
_CHECK_PROJECTION = f"{_PROJECTION}, #sc"
_CHECK_NAMES = {**_NAMES, "#sc": "scopes"}
_deserializer = TypeDeserializer()


class UnprocessedKeysError(RuntimeError):
    """DynamoDB kept returning unprocessed keys after every retry."""


class InvalidPageTokenError(ValueError):
    """A continuation token that this query did not issue (or that was tampered with)."""


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
    #: the scope the question was asked for (the mail's stream: global, marketing, ...)
    scope: str = GLOBAL_SCOPE
    #: the scope whose suppression refuses it (`global` first when several do); None when
    #: sendable. `reason`/`category`/`suppressed_at` are then that suppression's, and
    #: `expires_at` is when every blocking suppression has lapsed (None: never). `state` is
    #: always the item's global state.
    blocked_by: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "normalised": self.normalised,
            "suppressed": self.suppressed,
            "state": self.state,
            "reason": self.reason,
            "category": self.category,
            "expires_at": _iso(self.expires_at),
            "suppressed_at": self.suppressed_at,
            "scope": self.scope,
            "blocked_by": self.blocked_by,
            **({"error": self.error} if self.error else {}),
        }


@dataclass(frozen=True, slots=True)
class _Blocker:
    scope: str
    reason: str | None
    category: str | None
    since: str | None
    expires_at: datetime | None


def _epoch_time(raw: Any) -> datetime | None:
    return datetime.fromtimestamp(int(raw), UTC) if raw is not None else None


def _blockers(item: dict[str, Any], scope: str, now: datetime) -> list[_Blocker]:
    """The suppressions in force that refuse mail sent under `scope`, broadest first."""
    found: list[_Blocker] = []
    expires = _epoch_time(item.get("expires_at"))
    if item.get("state") == "suppressed" and (expires is None or expires > now):
        found.append(
            _Blocker(
                GLOBAL_SCOPE,
                item.get("reason"),
                item.get("category"),
                item.get("suppressed_at"),
                expires,
            )
        )
    scoped = item.get("scopes")
    if not isinstance(scoped, dict):
        return found
    for covering in covering_scopes(scope)[1:]:
        entry = scoped.get(covering)
        if not isinstance(entry, dict) or entry.get("state") != "suppressed":
            continue
        entry_expires = _epoch_time(entry.get("expires_at"))
        if entry_expires is None or entry_expires > now:
            found.append(
                _Blocker(
                    covering,
                    entry.get("reason"),
                    entry.get("category"),
                    entry.get("since"),
                    entry_expires,
                )
            )
    return found


def status_from_item(
    given: str,
    normalised: str | None,
    item: dict[str, Any] | None,
    now: datetime,
    scope: str = GLOBAL_SCOPE,
) -> SuppressionStatus:
    """The answer for mail sent under `scope` (already normalised)."""
    if item is None:
        return SuppressionStatus(given, normalised, False, state=None, scope=scope)
    blockers = _blockers(item, scope, now)
    if not blockers:
        return SuppressionStatus(
            address=given,
            normalised=normalised,
            suppressed=False,
            state=item.get("state"),
            reason=item.get("reason"),
            category=item.get("category"),
            expires_at=_epoch_time(item.get("expires_at")),
            suppressed_at=item.get("suppressed_at"),
            scope=scope,
        )
    first = blockers[0]
    ends = [b.expires_at for b in blockers]
    # sendable again only once every blocking suppression has lapsed
    expires_at = None if None in ends else max(e for e in ends if e is not None)
    return SuppressionStatus(
        address=given,
        normalised=normalised,
        suppressed=True,
        state=item.get("state"),
        reason=first.reason,
        category=first.category,
        expires_at=expires_at,
        suppressed_at=first.since,
        scope=scope,
        blocked_by=first.scope,
    )


#: `Refusal.reason` for an input that is not exactly one bare addr-spec (never looked up).
REFUSED_INVALID_ADDRESS = "invalid-address"


@dataclass(frozen=True, slots=True)
class Refusal:
    """One recipient the send guard refused: `reason` is the suppression's taxonomy reason
    (`userunknown`, `feedback`, `manual`, ...) or `invalid-address`; `expires_at` is when the
    suppression lapses (None: never, or not a suppression); `error` says why an input is not
    an address."""

    address: str  # as given
    reason: str
    category: str | None = None
    expires_at: datetime | None = None
    error: str | None = None
    blocked_by: str | None = None  # the scope whose suppression refused it (global first)

    def to_json(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "reason": self.reason,
            "category": self.category,
            "expires_at": _iso(self.expires_at),
            "blocked_by": self.blocked_by,
            **({"error": self.error} if self.error else {}),
        }


@dataclass(frozen=True, slots=True)
class SendableRecipients:
    """What `filter_sendable` found: `sendable` in input order, and every refused input."""

    sendable: list[str]
    refused: list[Refusal]
    scope: str = GLOBAL_SCOPE

    def to_json(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "sendable": self.sendable,
            "refused": [r.to_json() for r in self.refused],
        }


def _iso(when: datetime | None) -> str | None:
    return when.isoformat().replace("+00:00", "Z") if when else None


@dataclass(frozen=True, slots=True)
class SuppressionPage:
    """One page of an index query. `next_token` is None when the query is exhausted; a
    page may hold fewer than `limit` items (expired ones are skipped) and still have one."""

    items: list[SuppressionStatus]
    next_token: str | None


@dataclass(frozen=True, slots=True)
class _IndexQuery:
    index: str
    partition: str  # the index's hash key attribute
    value: str
    condition: str
    values: dict[str, Any]

    def params(self, table_name: str) -> dict[str, Any]:
        return {
            "TableName": table_name,
            "IndexName": self.index,
            "KeyConditionExpression": self.condition,
            "ExpressionAttributeNames": {"#k": self.partition},
            "ExpressionAttributeValues": self.values,
        }


def _domain_query(domain: str) -> _IndexQuery:
    value = domain.lower()
    return _IndexQuery("by-domain", "domain", value, "#k = :v", {":v": {"S": value}})


def _reason_query(reason: str, since: str) -> _IndexQuery:
    return _IndexQuery(
        "by-reason",
        "reason",
        reason,
        "#k = :v AND suppressed_at >= :t",
        {":v": {"S": reason}, ":t": {"S": since}},
    )


def encode_page_token(last_key: dict[str, Any]) -> str:
    """An opaque token for a LastEvaluatedKey (index keys are all strings)."""
    plain = {name: value["S"] for name, value in sorted(last_key.items())}
    text = json.dumps(plain, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_page_token(token: str, query: _IndexQuery) -> dict[str, Any]:
    """The ExclusiveStartKey a token stands for, checked against the query it must belong to."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        plain = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InvalidPageTokenError("next token is not valid") from None
    expected = {"address", "suppressed_at", query.partition}
    if (
        not isinstance(plain, dict)
        or set(plain) != expected
        or not all(isinstance(v, str) and v for v in plain.values())
        or plain[query.partition] != query.value
    ):
        raise InvalidPageTokenError("next token does not belong to this query")
    return {name: {"S": value} for name, value in plain.items()}


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

    def is_suppressed(self, address: str, scope: str = GLOBAL_SCOPE) -> bool:
        return self.check(address, scope).suppressed

    def check(self, address: str, scope: str = GLOBAL_SCOPE) -> SuppressionStatus:
        return self.check_many([address], scope)[address]

    def check_many(
        self, addresses: Iterable[str], scope: str = GLOBAL_SCOPE
    ) -> dict[str, SuppressionStatus]:
        """Status per address as given, for mail sent under `scope` (default global; raises
        domain.scopes.InvalidScopeError, a ValueError, for a name that is not a scope). An
        input that is not exactly one bare addr-spec (a display name, several addresses,
        control characters...) is never looked up as some other address: it reads as not
        suppressed, with `error` set and `normalised` None; callers that must fail closed
        check `error` (the HTTP API and CLI do)."""
        scope = normalise_scope(scope)
        now = self._clock()
        given = list(dict.fromkeys(addresses))
        keyed: dict[str, list[str]] = {}
        results: dict[str, SuppressionStatus] = {}
        for raw in given:
            try:
                keyed.setdefault(normalise_addr_spec(raw), []).append(raw)
            except InvalidAddressError as exc:
                results[raw] = SuppressionStatus(raw, None, False, error=str(exc), scope=scope)
        keys = list(keyed)
        items: dict[str, dict[str, Any]] = {}
        for start in range(0, len(keys), BATCH_GET_LIMIT):
            items.update(self._batch_get(keys[start : start + BATCH_GET_LIMIT]))
        for normalised, raws in keyed.items():
            for raw in raws:
                item = items.get(normalised)
                results[raw] = status_from_item(raw, normalised, item, now, scope)
        return {raw: results[raw] for raw in given}

    def filter_sendable(
        self, recipients: Iterable[str], scope: str = GLOBAL_SCOPE
    ) -> SendableRecipients:
        """The send guard: which recipients may be mailed now under `scope` (the mail's
        stream: `marketing`, a list id, `list:topic`; default global), and why the others
        may not (reason, expiry and `blocked_by`, the scope whose suppression refused it).
        A global suppression refuses under every scope.

        One batched read (`check_many`: BatchGetItem, 100 keys a call) with read-time expiry,
        so a lapsed suppression is sendable. An input that is not exactly one bare addr-spec
        is refused with reason `invalid-address` (and the parser's `error`) instead of failing
        the whole list: the sender drops it and still mails the rest. Duplicates (the same
        string twice) are answered once. Sendable recipients are returned as given, so the
        caller sends to exactly what it asked about. A DynamoDB error propagates: "unknown"
        must never read as "sendable"."""
        scope = normalise_scope(scope)
        sendable: list[str] = []
        refused: list[Refusal] = []
        for given, status in self.check_many(recipients, scope).items():
            if status.error is not None:
                refused.append(Refusal(given, REFUSED_INVALID_ADDRESS, error=status.error))
            elif status.suppressed:
                refused.append(
                    Refusal(
                        given,
                        status.reason or "suppressed",
                        status.category,
                        status.expires_at,
                        blocked_by=status.blocked_by,
                    )
                )
            else:
                sendable.append(given)
        return SendableRecipients(sendable, refused, scope)

    def _batch_get(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        request: dict[str, Any] = {
            self.table_name: {
                "Keys": [{"address": {"S": k}} for k in keys],
                "ProjectionExpression": _CHECK_PROJECTION,
                "ExpressionAttributeNames": _CHECK_NAMES,
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
        yield from self._query(_domain_query(domain), in_force_only)

    def list_since(
        self, reason: str, since: str, *, in_force_only: bool = True
    ) -> Iterator[SuppressionStatus]:
        """Addresses suppressed for `reason` with suppressed_at >= since (ISO 8601 UTC)."""
        yield from self._query(_reason_query(reason, since), in_force_only)

    def page_by_domain(
        self,
        domain: str,
        *,
        limit: int = 100,
        token: str | None = None,
        in_force_only: bool = True,
    ) -> SuppressionPage:
        """One page of `list_by_domain`; pass the returned `next_token` to get the next one."""
        return self._page(_domain_query(domain), limit, token, in_force_only)

    def page_since(
        self,
        reason: str,
        since: str,
        *,
        limit: int = 100,
        token: str | None = None,
        in_force_only: bool = True,
    ) -> SuppressionPage:
        """One page of `list_since`; pass the returned `next_token` to get the next one."""
        return self._page(_reason_query(reason, since), limit, token, in_force_only)

    def _query(self, query: _IndexQuery, in_force_only: bool) -> Iterator[SuppressionStatus]:
        now = self._clock()
        paginator = self._client.get_paginator("query")
        for page in paginator.paginate(**query.params(self.table_name)):
            for raw in page.get("Items", []):
                status = _status(raw, now)
                if status.suppressed or not in_force_only:
                    yield status

    def _page(
        self, query: _IndexQuery, limit: int, token: str | None, in_force_only: bool
    ) -> SuppressionPage:
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise ValueError(f"limit must be between 1 and {MAX_PAGE_SIZE}")
        now = self._clock()
        start = decode_page_token(token, query) if token else None
        found: list[SuppressionStatus] = []
        # Each call asks only for the room left, so LastEvaluatedKey always marks the last
        # item this page looked at: nothing is skipped or repeated across pages.
        for _ in range(PAGE_ROUND_TRIPS):
            params = query.params(self.table_name) | {"Limit": limit - len(found)}
            if start:
                params["ExclusiveStartKey"] = start
            try:
                response = self._client.query(**params)
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code")
                if token and code == "ValidationException":
                    raise InvalidPageTokenError("next token does not match this query") from None
                raise
            for raw in response.get("Items", []):
                status = _status(raw, now)
                if status.suppressed or not in_force_only:
                    found.append(status)
            start = response.get("LastEvaluatedKey")
            if not start or len(found) >= limit:
                break
        return SuppressionPage(found, encode_page_token(start) if start else None)


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


def _status(raw: dict[str, Any], now: datetime) -> SuppressionStatus:
    item = _plain(raw)
    return status_from_item(item["address"], item["address"], item, now)


__all__ = [
    "REFUSED_INVALID_ADDRESS",
    "InvalidPageTokenError",
    "Refusal",
    "SendableRecipients",
    "SuppressionClient",
    "SuppressionPage",
    "SuppressionStatus",
    "UnprocessedKeysError",
]
