"""BatchGetItem chunking and unprocessed-key retry, with botocore's Stubber (no network)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from botocore.stub import ANY

from adapters.suppression_client import SuppressionClient, UnprocessedKeysError
from tests.fakes import stubbed_client

NOW = datetime(2026, 11, 28, tzinfo=UTC)


def make_client():
    return stubbed_client("dynamodb")


def item(address, expires=None, state="suppressed"):
    out = {"address": {"S": address}, "state": {"S": state}, "reason": {"S": "userunknown"}}
    if expires is not None:
        out["expires_at"] = {"N": str(expires)}
    return out


def test_chunks_of_100_and_unprocessed_keys_are_retried():
    ddb, stub = make_client()
    addresses = [f"u{i}@example.com" for i in range(150)]
    # first chunk: 100 keys, of which two come back unprocessed, then succeed on retry
    stub.add_response(
        "batch_get_item",
        {
            "Responses": {"t": [item("u0@example.com")]},
            "UnprocessedKeys": {
                "t": {
                    "Keys": [
                        {"address": {"S": "u1@example.com"}},
                        {"address": {"S": "u2@example.com"}},
                    ]
                }
            },
        },
        {"RequestItems": ANY},
    )
    stub.add_response(
        "batch_get_item",
        {"Responses": {"t": [item("u2@example.com")]}},
        {
            "RequestItems": {
                "t": {
                    "Keys": [
                        {"address": {"S": "u1@example.com"}},
                        {"address": {"S": "u2@example.com"}},
                    ]
                }
            }
        },
    )
    stub.add_response("batch_get_item", {"Responses": {"t": []}}, {"RequestItems": ANY})
    sleeps = []
    client = SuppressionClient("t", ddb, clock=lambda: NOW, sleep=sleeps.append)
    with stub:
        result = client.check_many(addresses)
    stub.assert_no_pending_responses()
    assert len(sleeps) == 1
    assert [a for a, s in result.items() if s.suppressed] == ["u0@example.com", "u2@example.com"]
    assert list(result) == addresses  # answers in the caller's order, keyed as given


def test_gives_up_after_bounded_retries():
    ddb, stub = make_client()
    stuck = {
        "Responses": {"t": []},
        "UnprocessedKeys": {"t": {"Keys": [{"address": {"S": "a@example.com"}}]}},
    }
    for _ in range(3):
        stub.add_response("batch_get_item", stuck, {"RequestItems": ANY})
    client = SuppressionClient("t", ddb, clock=lambda: NOW, sleep=lambda s: None, max_attempts=3)
    with stub, pytest.raises(UnprocessedKeysError):
        client.check_many(["a@example.com"])


def test_read_time_expiry_and_input_forms():
    ddb, stub = make_client()
    expired = int(NOW.timestamp()) - 1
    live = int(NOW.timestamp()) + 3600
    stub.add_response(
        "batch_get_item",
        {
            "Responses": {
                "t": [
                    item("old@example.com", expires=expired),
                    item("new@example.com", expires=live),
                    item("watch@example.com", state="watching"),
                ]
            }
        },
        {"RequestItems": ANY},
    )
    client = SuppressionClient("t", ddb, clock=lambda: NOW, sleep=lambda s: None)
    with stub:
        result = client.check_many(
            [
                "OLD@example.com",
                "New@Example.com",
                "watch@example.com",
                "not-an-address",
                '"New" <new@Example.com>',
            ]
        )
    assert result["OLD@example.com"].suppressed is False  # expired: not suppressed
    assert result["OLD@example.com"].state == "suppressed"
    assert result["New@Example.com"].suppressed is True
    assert result["New@Example.com"].normalised == "new@example.com"
    # A display name is not an addr-spec: refused, not looked up.
    refused = result['"New" <new@Example.com>']
    assert refused.error and refused.normalised is None and refused.suppressed is False
    assert result["watch@example.com"].suppressed is False
    assert result["not-an-address"].error and result["not-an-address"].suppressed is False
    assert result["New@Example.com"].to_json()["expires_at"].endswith("Z")
