"""SuppressionClient.filter_sendable (the send guard) against the suppression table on the
embedded moto server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest

from adapters.suppression_client import REFUSED_INVALID_ADDRESS, SuppressionClient

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def put(table: str, address: str, state: str, reason: str, category: str, expires=None):
    item = {
        "address": {"S": address},
        "domain": {"S": address.split("@")[1]},
        "state": {"S": state},
        "suppressed": {"BOOL": state == "suppressed"},
        "reason": {"S": reason},
        "category": {"S": category},
    }
    if state == "suppressed":
        item["suppressed_at"] = {"S": "2026-11-01T12:00:00.000Z"}
    if expires is not None:
        item["expires_at"] = {"N": str(int(expires.timestamp()))}
    boto3.client("dynamodb").put_item(TableName=table, Item=item)


@pytest.fixture
def client(suppression_table):
    dynamodb = boto3.client("dynamodb")
    calls: list[int] = []
    dynamodb.meta.events.register(
        "provide-client-params.dynamodb.BatchGetItem",
        lambda params, **_: calls.append(len(params["RequestItems"][suppression_table]["Keys"])),
    )
    guard = SuppressionClient(suppression_table, dynamodb, clock=lambda: NOW)
    guard.batch_calls = calls  # type: ignore[attr-defined]
    return guard


def test_refuses_suppressed_and_invalid_keeps_the_rest_in_order(client, suppression_table):
    later = NOW + timedelta(days=3)
    put(
        suppression_table, "gone@example.com", "suppressed", "userunknown", "invalid-address", later
    )
    put(suppression_table, "angry@example.com", "suppressed", "feedback", "complaint")
    lapsed = NOW - timedelta(seconds=1)
    put(
        suppression_table,
        "lapsed@example.com",
        "suppressed",
        "userunknown",
        "invalid-address",
        lapsed,
    )
    put(suppression_table, "vip@example.com", "allowed", "manual", "manual")
    put(suppression_table, "flaky@example.com", "watching", "mailboxfull", "mailbox-problem")

    result = client.filter_sendable(
        [
            "Fresh@Example.com",
            "GONE@example.com",
            '"Bob" <bob@example.org>',
            "angry@example.com",
            "lapsed@example.com",
            "vip@example.com",
            "flaky@example.com",
            "Fresh@Example.com",
        ]
    )

    assert result.sendable == [
        "Fresh@Example.com",
        "lapsed@example.com",  # expiry applied at read time
        "vip@example.com",
        "flaky@example.com",
    ]
    refused = {r.address: r for r in result.refused}
    assert list(refused) == ["GONE@example.com", '"Bob" <bob@example.org>', "angry@example.com"]
    assert refused["GONE@example.com"].reason == "userunknown"
    assert refused["GONE@example.com"].category == "invalid-address"
    assert refused["GONE@example.com"].expires_at == later.replace(microsecond=0)
    assert refused["angry@example.com"].reason == "feedback"
    assert refused["angry@example.com"].expires_at is None
    bad = refused['"Bob" <bob@example.org>']
    assert bad.reason == REFUSED_INVALID_ADDRESS
    assert bad.error and "display name" in bad.error
    assert client.batch_calls == [6]  # one read for the six distinct valid keys

    as_json = result.to_json()
    assert as_json["refused"][0] == {
        "address": "GONE@example.com",
        "reason": "userunknown",
        "category": "invalid-address",
        "expires_at": later.replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "blocked_by": "global",
    }
    assert "error" in as_json["refused"][1]


def test_large_lists_are_read_in_batches_of_100(client, suppression_table):
    recipients = [f"user{i}@example.com" for i in range(250)]
    put(suppression_table, "user7@example.com", "suppressed", "feedback", "complaint")
    put(suppression_table, "user242@example.com", "suppressed", "unsubscribe", "unsubscribe")

    result = client.filter_sendable(recipients)

    assert client.batch_calls == [100, 100, 50]
    assert [r.address for r in result.refused] == ["user7@example.com", "user242@example.com"]
    assert len(result.sendable) == 248
    assert "user7@example.com" not in result.sendable


def test_only_invalid_input_reads_nothing(client):
    result = client.filter_sendable(["not an address", ""])
    assert result.sendable == []
    assert [r.reason for r in result.refused] == [REFUSED_INVALID_ADDRESS] * 2
    assert client.batch_calls == []


def test_a_table_error_is_raised_not_read_as_sendable(aws_endpoint):
    from botocore.exceptions import ClientError

    guard = SuppressionClient("no-such-table", boto3.client("dynamodb"), clock=lambda: NOW)
    with pytest.raises(ClientError):
        guard.filter_sendable(["jane@example.com"])


# --- scopes ----------------------------------------------------------------------------------


def test_filter_sendable_with_a_scope_in_one_batched_read(client, suppression_table):
    from adapters.suppression_repository import DynamoSuppressionRepository
    from domain.policy import PolicySettings
    from domain.service import SuppressionService
    from tests.builders import outcome, scoped_outcome

    settings = PolicySettings(complaint_ttl_days=90, hard_bounce_ttl_days=30)
    service = SuppressionService(DynamoSuppressionRepository(suppression_table, settings), settings)
    at = NOW - timedelta(days=1)
    service.apply_outcomes(
        [
            scoped_outcome("unsubscribe", at, "news", address="reader@example.com"),
            scoped_outcome("unsubscribe", at, "news:weekly", address="weekly@example.com"),
            scoped_outcome("unsubscribe", at, "offers", address="offers@example.com"),
            outcome("hard", at, address="gone@example.com"),
            # globally suppressed and unsubscribed from news: sendable when both have lapsed
            outcome("hard", at, address="both@example.com"),
            scoped_outcome("unsubscribe", at, "news", address="both@example.com"),
        ]
    )
    recipients = [
        "reader@example.com",
        "weekly@example.com",
        "offers@example.com",
        "gone@example.com",
        "both@example.com",
        "fresh@example.com",
    ]

    weekly = client.filter_sendable(recipients, scope="news:weekly")
    assert weekly.sendable == ["offers@example.com", "fresh@example.com"]
    refused = {r.address: r for r in weekly.refused}
    assert {a: r.blocked_by for a, r in refused.items()} == {
        "reader@example.com": "news",
        "weekly@example.com": "news:weekly",
        "gone@example.com": "global",
        "both@example.com": "global",
    }
    assert refused["reader@example.com"].reason == "unsubscribe"
    assert refused["reader@example.com"].expires_at == (at + timedelta(days=90)).replace(
        microsecond=0
    )
    assert refused["gone@example.com"].reason == "userunknown"
    assert refused["gone@example.com"].expires_at == (at + timedelta(days=30)).replace(
        microsecond=0
    )
    # the latest of the two ends: the global bounce lapses first, the unsubscribe later
    assert refused["both@example.com"].expires_at == (at + timedelta(days=90)).replace(
        microsecond=0
    )
    assert weekly.to_json()["scope"] == "news:weekly"

    transactional = client.filter_sendable(recipients)  # global: unsubscribes do not count
    assert [r.address for r in transactional.refused] == ["gone@example.com", "both@example.com"]
    assert client.batch_calls == [6, 6]  # one BatchGetItem per call, scope or not


def test_filter_sendable_refuses_an_invalid_scope_before_reading(client):
    from domain.scopes import InvalidScopeError

    with pytest.raises(InvalidScopeError):
        client.filter_sendable(["a@example.com"], scope="not a scope")
    assert client.batch_calls == []
