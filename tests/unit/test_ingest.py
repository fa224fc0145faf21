from __future__ import annotations

import json

import pytest

from domain.events import MalformedEventError
from domain.ingest import ingest_text
from tests.builders import sns_envelope as envelope


def test_sns_wrapped_and_raw_bodies_give_the_same_result(ses_sample, memory_service, memory_repo):
    payload = ses_sample("event-bounce.json")
    wrapped = ingest_text(envelope(payload), memory_service, "sqs")
    assert wrapped.status == "applied" and wrapped.applied and wrapped.applied.written == 1
    raw = ingest_text(json.dumps(payload), memory_service, "sqs")
    assert raw.status == "applied" and raw.applied and raw.applied.written == 0
    assert memory_repo.writes == 1


@pytest.mark.parametrize("wrap", [True, False])
def test_ses_topic_validation_message_is_skipped(memory_service, wrap):
    text = "Successfully validated SNS topic for Amazon SES event publishing."
    result = ingest_text(envelope(text) if wrap else text, memory_service, "sqs")
    assert (result.status, result.detail) == ("skipped", "ses-topic-validation")


def test_unknown_event_type_is_skipped_with_reason(ses_sample, memory_service):
    payload = ses_sample("event-send.json")
    payload["eventType"] = "Teleport"
    result = ingest_text(envelope(payload), memory_service, "sqs")
    assert result.status == "skipped" and "Teleport" in result.detail


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        "[1, 2]",
        envelope("plain text that is not the validation message"),
        envelope("[1]"),
        json.dumps({"Type": "Notification", "TopicArn": "x", "Message": 5}),
        json.dumps({"hello": "world"}),
    ],
)
def test_malformed_bodies_raise_a_clear_error(memory_service, body):
    with pytest.raises(MalformedEventError):
        ingest_text(body, memory_service, "sqs")
