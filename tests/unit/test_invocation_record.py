"""Lambda's on-failure invocation records (domain/invocation_record.py)."""

from __future__ import annotations

import json

import pytest

from domain.invocation_record import (
    NotAnInvocationRecordError,
    function_name_of,
    parse_invocation_record,
)

ARN = "arn:aws:lambda:us-east-1:123456789012:function:ses-feedback-dev-inbound:$LATEST"


def record(**overrides):
    document = {
        "version": "1.0",
        "timestamp": "2026-11-29T10:00:00.000Z",
        "requestContext": {
            "requestId": "e4b46cbf-b738-xmpl-8880-a18cdf61200e",
            "functionArn": ARN,
            "condition": "RetriesExhausted",
            "approximateInvokeCount": 3,
        },
        "requestPayload": {"Records": [{"eventSource": "aws:ses"}]},
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST"},
        "responsePayload": {"errorMessage": "boom"},
    }
    document.update(overrides)
    return json.dumps(document)


def test_reads_the_function_and_the_original_event():
    parsed = parse_invocation_record(record())
    assert parsed.function_name == "ses-feedback-dev-inbound"
    assert parsed.condition == "RetriesExhausted"
    assert parsed.request_id.startswith("e4b46cbf")
    assert json.loads(parsed.payload_bytes()) == {"Records": [{"eventSource": "aws:ses"}]}


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        (json.dumps({"Type": "Notification", "Message": "{}"}), "requestContext"),
        (json.dumps({"requestContext": {}, "requestPayload": {}}), "functionArn"),
        (json.dumps({"requestContext": {"functionArn": ARN}}), "requestPayload"),
    ],
)
def test_anything_else_is_refused_with_a_reason(body, why):
    with pytest.raises(NotAnInvocationRecordError, match=why):
        parse_invocation_record(body)


@pytest.mark.parametrize(
    ("given", "name"),
    [
        (ARN, "ses-feedback-dev-inbound"),
        ("arn:aws:lambda:us-east-1:123456789012:function:fn", "fn"),
        ("arn:aws-cn:lambda:cn-north-1:123456789012:function:fn:live", "fn"),
        ("ses-feedback-dev-inbound", "ses-feedback-dev-inbound"),
    ],
)
def test_function_name_of(given, name):
    assert function_name_of(given) == name
