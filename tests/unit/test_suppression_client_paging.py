"""Index query pages and continuation tokens, with botocore's Stubber (no network)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from botocore.stub import ANY

from adapters.suppression_client import (
    PAGE_ROUND_TRIPS,
    InvalidPageTokenError,
    SuppressionClient,
    encode_page_token,
)
from tests.fakes import stubbed_client

NOW = datetime(2026, 11, 28, tzinfo=UTC)
LIVE = int(NOW.timestamp()) + 3600
GONE = int(NOW.timestamp()) - 1


def make_client():
    return stubbed_client("dynamodb")


def item(n: int, expires: int = LIVE) -> dict:
    return {
        "address": {"S": f"u{n}@example.com"},
        "domain": {"S": "example.com"},
        "state": {"S": "suppressed"},
        "reason": {"S": "userunknown"},
        "suppressed_at": {"S": f"2026-11-27T00:00:{n:02d}.000Z"},
        "expires_at": {"N": str(expires)},
    }


def key(n: int) -> dict:
    full = item(n)
    return {k: full[k] for k in ("address", "domain", "suppressed_at")}


def query_params(limit: int, start: dict | None = None) -> dict:
    params = {
        "TableName": "t",
        "IndexName": "by-domain",
        "KeyConditionExpression": ANY,
        "ExpressionAttributeNames": {"#k": "domain"},
        "ExpressionAttributeValues": {":v": {"S": "example.com"}},
        "Limit": limit,
    }
    if start:
        params["ExclusiveStartKey"] = start
    return params


def test_a_page_asks_only_for_the_room_left_past_expired_items():
    ddb, stub = make_client()
    stub.add_response(
        "query",
        {"Items": [item(0, GONE), item(1), item(2, GONE)], "LastEvaluatedKey": key(2)},
        query_params(3),
    )
    stub.add_response(
        "query", {"Items": [item(3), item(4)], "LastEvaluatedKey": key(4)}, query_params(2, key(2))
    )
    client = SuppressionClient("t", ddb, clock=lambda: NOW)
    with stub:
        page = client.page_by_domain("Example.com", limit=3)
    stub.assert_no_pending_responses()
    assert [s.address for s in page.items] == ["u1@example.com", "u3@example.com", "u4@example.com"]
    assert page.next_token == encode_page_token(key(4))

    stub.add_response("query", {"Items": [item(5)]}, query_params(3, key(4)))
    with stub:
        last = client.page_by_domain("example.com", limit=3, token=page.next_token)
    assert [s.address for s in last.items] == ["u5@example.com"]
    assert last.next_token is None


def test_round_trips_per_page_are_bounded():
    ddb, stub = make_client()
    for n in range(PAGE_ROUND_TRIPS):
        start = key(n - 1) if n else None
        stub.add_response(
            "query", {"Items": [item(n, GONE)], "LastEvaluatedKey": key(n)}, query_params(5, start)
        )
    client = SuppressionClient("t", ddb, clock=lambda: NOW)
    with stub:
        page = client.page_by_domain("example.com", limit=5)
    stub.assert_no_pending_responses()
    assert page.items == []
    assert page.next_token == encode_page_token(key(PAGE_ROUND_TRIPS - 1))  # go on from there


@pytest.mark.parametrize(
    "token",
    [
        "%%%",
        base64.urlsafe_b64encode(b"not json").decode(),
        base64.urlsafe_b64encode(b'["a"]').decode(),
        base64.urlsafe_b64encode(
            json.dumps({"address": "a@x.org", "domain": "x.org", "suppressed_at": "t"}).encode()
        ).decode(),  # another domain's token
        base64.urlsafe_b64encode(
            json.dumps({"address": "a@example.com", "domain": "example.com"}).encode()
        ).decode(),  # a key part missing
    ],
)
def test_foreign_or_damaged_tokens_are_refused_before_any_call(token):
    ddb, stub = make_client()
    client = SuppressionClient("t", ddb, clock=lambda: NOW)
    with stub, pytest.raises(InvalidPageTokenError):
        client.page_by_domain("example.com", token=token)


def test_a_token_dynamodb_refuses_is_an_invalid_token():
    ddb, stub = make_client()
    stub.add_client_error("query", "ValidationException", "The provided starting key is invalid")
    client = SuppressionClient("t", ddb, clock=lambda: NOW)
    token = encode_page_token(
        {
            "address": {"S": "a@example.com"},
            "reason": {"S": "userunknown"},
            "suppressed_at": {"S": "2020-01-01T00:00:00.000Z"},
        }
    )
    with stub, pytest.raises(InvalidPageTokenError):
        client.page_since("userunknown", "2026-01-01T00:00:00.000Z", token=token)


def test_limit_is_checked():
    ddb, _ = make_client()
    client = SuppressionClient("t", ddb, clock=lambda: NOW)
    for limit in (0, 1001):
        with pytest.raises(ValueError, match="limit"):
            client.page_by_domain("example.com", limit=limit)
