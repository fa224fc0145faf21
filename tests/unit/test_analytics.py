"""The analytics row (docs/analytics.md) and the Firehose record decoding behind it."""

from __future__ import annotations

import json
import re

import orjson
import pytest

from domain.analytics import (
    COLUMNS,
    DROPPED,
    FAILED,
    OK,
    RECIPIENT_COLUMNS,
    outcomes_from_row,
    transform_record,
)
from domain.events import parse_feedback
from domain.policy import Evidence
from tests.conftest import FIXTURES, ROOT

SAMPLES = sorted((FIXTURES / "ses").glob("event-*.json")) + sorted(
    (FIXTURES / "ses").glob("sns-identity-*.json")
)

# The documented type of every column (docs/analytics.md); None is allowed everywhere but
# in the always-present columns.
ALWAYS = {
    "schema_version",
    "event_type",
    "known_type",
    "event_at",
    "event_date",
    "source",
    "recipient_count",
    "skipped_recipients",
    "hard_bounces",
    "soft_bounces",
    "sender_problem_bounces",
    "complaints",
    "tags",
    "recipients",
}
TYPES = {
    "schema_version": int,
    "event_type": str,
    "known_type": bool,
    "event_at": str,
    "event_date": str,
    "mail_at": str,
    "message_id": str,
    "configuration_set": str,
    "sending_account_id": str,
    "from_domain": str,
    "outgoing_ip": str,
    "source": str,
    "feedback_id": str,
    "bounce_type": str,
    "bounce_sub_type": str,
    "complaint_feedback_type": str,
    "delay_type": str,
    "reject_reason": str,
    "recipient_count": int,
    "skipped_recipients": int,
    "hard_bounces": int,
    "soft_bounces": int,
    "sender_problem_bounces": int,
    "complaints": int,
    "tags": dict,
    "recipients": list,
}
ISO_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def check_schema(row: dict) -> None:
    assert tuple(row) == COLUMNS
    for column, kind in TYPES.items():
        value = row[column]
        if column in ALWAYS:
            assert value is not None, column
        if value is not None:
            assert type(value) is kind, (column, value)
    assert ISO_MS.match(row["event_at"])
    assert row["event_date"] == row["event_at"][:10]
    for rec in row["recipients"]:
        assert tuple(rec) == RECIPIENT_COLUMNS
        assert rec["domain"] == rec["address"].rpartition("@")[2]
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in row["tags"].items())


def record(payload: dict | str | bytes) -> bytes:
    if isinstance(payload, dict):
        return json.dumps(payload).encode() + b"\n"  # SES appends a newline
    return payload if isinstance(payload, bytes) else payload.encode()


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_every_sample_gives_one_schema_conforming_line(path):
    result = transform_record(record(json.loads(path.read_text())))
    assert result.result == OK
    lines = result.data().splitlines()
    assert len(lines) == 1 and result.data().endswith(b"\n")
    check_schema(orjson.loads(lines[0]))


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_row_rebuilds_the_outcomes_the_policy_keeps(path):
    payload = json.loads(path.read_text())
    event = parse_feedback(payload, source="firehose")
    row = orjson.loads(transform_record(record(payload)).data())
    rebuilt = outcomes_from_row(row)
    assert [Evidence.from_outcome(o) for o in rebuilt] == [
        Evidence.from_outcome(o) for o in event.outcomes
    ]
    assert [(o.address, o.classification.verdict) for o in rebuilt] == [
        (o.address, o.classification.verdict) for o in event.outcomes
    ]


def test_mixed_stream_round_trips():
    from bench.pipeline import mixed_stream

    for raw in mixed_stream(300, seed=3):
        event = parse_feedback(orjson.loads(raw), source="firehose")
        row = orjson.loads(transform_record(raw + b"\n").data())
        check_schema(row)
        assert [Evidence.from_outcome(o) for o in outcomes_from_row(row)] == [
            Evidence.from_outcome(o) for o in event.outcomes
        ]


def test_a_subscription_row_keeps_the_scope_so_a_replay_stays_scoped(ses_sample):
    event = parse_feedback(ses_sample("event-subscription.json"), source="firehose")
    row = orjson.loads(transform_record(record(ses_sample("event-subscription.json"))).data())
    assert [r["scope"] for r in row["recipients"]] == [
        "contactlistname",
        "contactlistname:exampletopicname",
    ]
    rebuilt = outcomes_from_row(row)
    assert [(o.event_id, o.scope) for o in rebuilt] == [
        (o.event_id, o.scope) for o in event.outcomes
    ]
    # rows written before scopes have no scope: their outcomes were global
    for rec in row["recipients"]:
        del rec["scope"]
    assert {o.scope for o in outcomes_from_row(row)} == {"global"}


def test_bounce_row_columns(ses_sample):
    row = orjson.loads(transform_record(record(ses_sample("event-bounce.json"))).data())
    assert row["event_type"] == "Bounce"
    assert row["bounce_type"] == "Permanent"
    assert row["hard_bounces"] == 1 and row["complaints"] == 0
    assert row["configuration_set"] == "ConfigSet"
    assert row["from_domain"] == "example.com"
    assert row["recipients"][0]["verdict"] == "invalid-address"
    assert row["recipients"][0]["address"] == "recipient@example.com"


def test_delivery_row_keeps_the_outgoing_ip(ses_sample):
    """Which SES sending IP delivered it (the `ses:outgoing-ip` tag): with a dedicated pool
    (template Parameter SendingPoolName) that is how a cold or listed IP shows up."""
    row = orjson.loads(transform_record(record(ses_sample("event-delivery.json"))).data())
    assert row["outgoing_ip"] == "192.0.2.0"
    bounce = orjson.loads(transform_record(record(ses_sample("event-bounce.json"))).data())
    assert bounce["outgoing_ip"] is None


def test_partition_keys_use_event_type_and_event_date(ses_sample):
    result = transform_record(record(ses_sample("event-rendering-failure.json")))
    keys = result.partition_keys()
    assert keys["event_type"] == "renderingfailure"
    assert re.match(r"^\d{4}-\d{2}-\d{2}$", keys["dt"])
    assert keys["dt"] == orjson.loads(result.data())["event_date"]


def test_custom_tags_are_kept_and_ses_tags_left_out(ses_sample):
    payload = ses_sample("event-send.json")
    payload["mail"]["tags"] = {
        "ses:configuration-set": ["cs"],
        "ses:new-tag": ["x"],
        "campaign": ["spring"],
        "bad": "not-a-list",
    }
    row = orjson.loads(transform_record(record(payload)).data())
    assert row["tags"] == {"campaign": "spring"}


def test_several_objects_in_one_record(ses_sample):
    data = record(ses_sample("event-bounce.json")) + record(ses_sample("event-send.json"))
    result = transform_record(data)
    assert result.result == OK
    rows = [orjson.loads(line) for line in result.data().splitlines()]
    assert [r["event_type"] for r in rows] == ["Bounce", "Send"]
    assert result.partition_keys()["event_type"] == "mixed"


@pytest.mark.parametrize(
    "data",
    [
        b'{"hello": "world"}\n',
        b"[1, 2, 3]\n",
        b"Successfully validated SNS topic for Amazon SES event publishing.\n",
        b"\n",
        b"",
    ],
    ids=["json-without-type", "json-array", "ses-validation-text", "newline", "empty"],
)
def test_non_ses_records_are_dropped(data):
    result = transform_record(data)
    assert result.result == DROPPED
    assert result.reason


@pytest.mark.parametrize(
    "data",
    [
        b'{"eventType": "Bounce", "mail": {"messageId": "tru',
        b'{"eventType": "Bounce"}\n',
        b'{"eventType": "Bounce", "mail": {}, "bounce": {"bouncedRecipients": 3}}\n',
        b"not json at all\n",
    ],
    ids=["truncated", "no-mail", "recipients-not-a-list", "text"],
)
def test_malformed_records_fail_with_a_reason(data):
    result = transform_record(data)
    assert result.result == FAILED
    assert result.reason
    assert b"@" not in result.reason.encode()


def test_one_bad_object_fails_the_whole_record(ses_sample):
    data = record(ses_sample("event-send.json")) + b"{broken\n"
    assert transform_record(data).result == FAILED


def test_unknown_event_type_is_archived_without_outcomes(ses_sample):
    payload = ses_sample("event-send.json")
    payload["eventType"] = "BrandNewType"
    result = transform_record(record(payload))
    assert result.result == OK
    row = orjson.loads(result.data())
    assert row["known_type"] is False and row["recipients"] == []
    assert result.partition_keys()["event_type"] == "unknown"


def test_docs_describe_every_column():
    text = (ROOT / "docs" / "analytics.md").read_text()
    for column in COLUMNS + RECIPIENT_COLUMNS:
        assert f"`{column}`" in text, column


def test_custom_tags_come_out_in_the_same_order_in_every_process():
    # Set iteration order depends on the per-process string hash seed; run the same event in
    # interpreters with different seeds and compare the bytes.
    import os
    import subprocess
    import sys

    code = (
        "import sys; sys.path.insert(0, 'src'); from domain.analytics import _custom_tags; "
        "tags = {k: [k] for k in ('zeta', 'alpha', 'mid', 'beta', 'omega', 'ses:x')}; "
        "print(list(_custom_tags(tags)))"
    )
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            cwd=root,
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in (1, 2, 3, 4)
    }
    assert outputs == {"['alpha', 'beta', 'mid', 'omega', 'zeta']\n"}
