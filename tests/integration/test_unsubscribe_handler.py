"""UnsubscribeFunction end to end: one-click POSTs applied to a SuppressionTable on the
embedded moto server, with the keys and lifetime read from the environment as deployed."""

from __future__ import annotations

from datetime import timedelta

import boto3
import pytest

from adapters import factory
from handlers import unsubscribe
from tests.conftest import SAMPLE_RETURN_PATH_KEY
from tests.one_click import SAMPLE_MINTED_AT as MINTED
from tests.one_click import demo_tokens, function_url_event, one_click_post

pytestmark = pytest.mark.integration

RECIPIENT = "jane.doe@example.com"


@pytest.fixture
def endpoint(suppression_table, monkeypatch) -> str:
    monkeypatch.setenv("RETURN_PATH_KEYS", SAMPLE_RETURN_PATH_KEY)
    monkeypatch.delenv("RETURN_PATH_SECRET_ARN", raising=False)
    monkeypatch.setenv("UNSUBSCRIBE_TOKEN_LIFETIME_DAYS", "30")
    factory.reset()
    factory.override(clock=lambda: MINTED + timedelta(days=2))
    return suppression_table


def items(table: str) -> dict[str, dict]:
    return {i["address"]: i for i in boto3.resource("dynamodb").Table(table).scan()["Items"]}


def test_a_global_one_click_suppresses_the_address_once(endpoint, lambda_context):
    event = one_click_post(demo_tokens().mint(RECIPIENT, None, MINTED))
    for _ in range(3):
        assert unsubscribe.lambda_handler(event, lambda_context)["statusCode"] == 200
    stored = items(endpoint)
    assert set(stored) == {RECIPIENT}
    assert stored[RECIPIENT]["state"] == "suppressed"
    assert stored[RECIPIENT]["reason"] == "unsubscribe"
    assert stored[RECIPIENT]["version"] == 1  # three POSTs, one write


def test_a_named_scope_suppresses_that_scope_only(endpoint, lambda_context):
    """A `marketing` token: the address is refused for marketing mail (and scopes nested in
    it) and stays sendable for everything else."""
    event = one_click_post(demo_tokens().mint(RECIPIENT, "marketing", MINTED))
    assert unsubscribe.lambda_handler(event, lambda_context)["statusCode"] == 200
    stored = items(endpoint)[RECIPIENT]
    assert stored["state"] == "clear"
    assert stored["scopes"]["marketing"]["reason"] == "unsubscribe"
    assert stored["scopes"]["marketing"]["source"] == "one-click"
    assert set(stored["scopes"]) == {"marketing"}


def test_get_and_refused_posts_write_nothing(endpoint, lambda_context):
    token = demo_tokens().mint(RECIPIENT, None, MINTED)
    get = function_url_event("GET", f"/unsubscribe/{token}")
    assert unsubscribe.lambda_handler(get, lambda_context)["statusCode"] == 200
    expired = one_click_post(demo_tokens().mint(RECIPIENT, None, MINTED - timedelta(days=29)))
    assert unsubscribe.lambda_handler(expired, lambda_context)["statusCode"] == 410
    forged = one_click_post(token[:10] + ("B" if token[10] == "A" else "A") + token[11:])
    assert unsubscribe.lambda_handler(forged, lambda_context)["statusCode"] == 400
    assert items(endpoint) == {}


def test_a_token_lifetime_from_the_environment_is_used(endpoint, lambda_context, monkeypatch):
    token = demo_tokens().mint(RECIPIENT, None, MINTED - timedelta(days=10))
    monkeypatch.setenv("UNSUBSCRIBE_TOKEN_LIFETIME_DAYS", "5")
    factory.reset()
    factory.override(clock=lambda: MINTED)
    assert unsubscribe.lambda_handler(one_click_post(token), lambda_context)["statusCode"] == 410
    assert items(endpoint) == {}


def test_the_keys_come_from_the_secret_as_deployed(suppression_table, monkeypatch, lambda_context):
    secrets = boto3.client("secretsmanager")
    arn = secrets.create_secret(
        Name=f"unsubscribe-test-{suppression_table}",
        SecretString=f"a-newer-key-minted-after-rotation-01, {SAMPLE_RETURN_PATH_KEY}",
    )["ARN"]
    monkeypatch.delenv("RETURN_PATH_KEYS", raising=False)
    monkeypatch.setenv("RETURN_PATH_SECRET_ARN", arn)
    factory.reset()
    factory.override(clock=lambda: MINTED)
    # minted with the second (older) key of the secret: still honoured after the rotation
    event = one_click_post(demo_tokens().mint(RECIPIENT, None, MINTED))
    assert unsubscribe.lambda_handler(event, lambda_context)["statusCode"] == 200
    assert items(suppression_table)[RECIPIENT]["state"] == "suppressed"
