"""InboundFunction's events name S3 objects: store them before the contract test invokes the
handler (events/InboundFunction/messages/<message id>.eml under the configured prefix)."""

from __future__ import annotations

import json

import pytest

from cli.local_env import inbound_object_keys
from tests.conftest import INBOUND_FIXTURES


@pytest.fixture(autouse=True)
def _inbound_objects(request: pytest.FixtureRequest) -> None:
    callspec = getattr(request.node, "callspec", None)
    path = callspec.params.get("path") if callspec else None
    if path is None or path.parent.name != "InboundFunction":
        return
    env = request.getfixturevalue("inbound_env")
    for key in inbound_object_keys(json.loads(path.read_text()), env.prefix):
        message_id = key.removeprefix(env.prefix)
        source = INBOUND_FIXTURES / f"{message_id}.eml"
        if source.exists():  # a missing object is what the malformed sample is about
            env.upload(message_id)


# --- SNS HTTPS webhook ------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _webhook_signing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """WebhookFunction's samples are signed with a TEST-ONLY key (tests/sns_signing.py):
    serve its certificate in place of SNS's, allow the samples' topic, and set the clock to
    the samples' own Timestamp so the age window accepts them."""
    callspec = getattr(request.node, "callspec", None)
    path = callspec.params.get("path") if callspec else None
    if path is None or path.parent.name != "WebhookFunction":
        return
    from adapters import factory
    from tests.sns_signing import (
        CERT_URL,
        TEST_CERT_PATH,
        TOPIC_ARN,
        FakeFetcher,
        fixed_clock,
        sample_bodies_time,
    )

    request.getfixturevalue("suppression_table")  # it resets the factory: go after it
    monkeypatch.setenv("WEBHOOK_ALLOWED_TOPIC_ARNS", TOPIC_ARN)
    factory.reset()
    sent_at = sample_bodies_time(json.loads(path.read_text()))
    factory.override(
        sns_fetcher=FakeFetcher({CERT_URL: TEST_CERT_PATH.read_bytes()}),
        sns_clock=fixed_clock(sent_at) if sent_at else None,
    )
