"""SESv2 account-level suppression list adapter, with botocore's Stubber (moto lacks it)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.ses_suppression_list import SesSuppressionList
from tests.fakes import stubbed_client

WHEN = datetime(2026, 11, 1, tzinfo=UTC)


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def stubbed():
    return stubbed_client("sesv2")


def summary(address, reason="BOUNCE"):
    return {"EmailAddress": address, "Reason": reason, "LastUpdateTime": WHEN}


def test_follows_next_token_and_throttles_to_one_request_per_second():
    client, stub = stubbed()
    stub.add_response(
        "list_suppressed_destinations",
        {"SuppressedDestinationSummaries": [summary("a@example.com")], "NextToken": "t1"},
        {"Reasons": ["BOUNCE", "COMPLAINT"], "PageSize": 1000},
    )
    stub.add_response(
        "list_suppressed_destinations",
        {"SuppressedDestinationSummaries": [summary("b@example.com", "COMPLAINT")]},
        {"Reasons": ["BOUNCE", "COMPLAINT"], "PageSize": 1000, "NextToken": "t1"},
    )
    clock = FakeTime()
    ses = SesSuppressionList(client, sleep=clock.sleep, monotonic=clock.monotonic)
    with stub:
        entries = list(ses.entries())
    assert [(e.address, e.reason) for e in entries] == [
        ("a@example.com", "BOUNCE"),
        ("b@example.com", "COMPLAINT"),
    ]
    assert clock.sleeps == [1.0]  # the second request waited for the quota
    stub.assert_no_pending_responses()


def test_backs_off_on_too_many_requests_then_succeeds():
    client, stub = stubbed()
    for _ in range(2):
        stub.add_client_error(
            "put_suppressed_destination", "TooManyRequestsException", http_status_code=429
        )
    stub.add_response(
        "put_suppressed_destination", {}, {"EmailAddress": "a@example.com", "Reason": "BOUNCE"}
    )
    clock = FakeTime()
    ses = SesSuppressionList(client, sleep=clock.sleep, monotonic=clock.monotonic)
    with stub:
        ses.put("a@example.com", "BOUNCE")
    assert ses.requests == 3
    backoffs = clock.sleeps
    assert backoffs[0] == 1.0 and backoffs[-1] >= 2.0  # grows exponentially


def test_other_errors_and_exhausted_retries_surface():
    client, stub = stubbed()
    stub.add_client_error("put_suppressed_destination", "BadRequestException")
    for _ in range(2):
        stub.add_client_error("put_suppressed_destination", "TooManyRequestsException")
    clock = FakeTime()
    ses = SesSuppressionList(client, sleep=clock.sleep, monotonic=clock.monotonic, max_attempts=2)
    from botocore.exceptions import ClientError

    with stub:
        with pytest.raises(ClientError, match="BadRequest"):
            ses.put("a@example.com", "BOUNCE")
        with pytest.raises(ClientError, match="TooManyRequests"):
            ses.put("a@example.com", "BOUNCE")


def test_delete_is_true_when_listed_false_on_not_found_and_raises_otherwise():
    client, stub = stubbed()
    path = {"EmailAddress": "jane@example.com"}
    stub.add_response("delete_suppressed_destination", {}, path)
    stub.add_client_error(
        "delete_suppressed_destination", "NotFoundException", http_status_code=404
    )
    stub.add_client_error(
        "delete_suppressed_destination", "AccessDeniedException", http_status_code=403
    )
    clock = FakeTime()
    ses = SesSuppressionList(client, sleep=clock.sleep, monotonic=clock.monotonic)
    from botocore.exceptions import ClientError

    with stub:
        assert ses.delete("jane@example.com") is True
        assert ses.delete("jane@example.com") is False
        with pytest.raises(ClientError) as raised:
            ses.delete("jane@example.com")
    assert raised.value.response["Error"]["Code"] == "AccessDeniedException"
    assert ses.requests == 3 and clock.sleeps == [1.0, 1.0]  # throttled like every call
    stub.assert_no_pending_responses()
