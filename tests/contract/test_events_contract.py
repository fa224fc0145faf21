"""Every sample in events/ goes through the handler template.yaml names for its function.

events/<LogicalId>/<name>.json is what `sam local invoke <LogicalId> -e ...` would send.
Files whose name contains "malformed" must produce failures; all others must not.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

from adapters import factory
from tests.conftest import EVENTS, SAMPLE_RETURN_PATH_KEY
from tests.fakes import FakeSendingControl, FakeSesList

SAMPLES = sorted(EVENTS.glob("*/*.json"))


def test_there_are_samples_for_every_function(template):
    functions = {
        name
        for name, res in template["Resources"].items()
        if res["Type"] == "AWS::Serverless::Function"
    }
    with_samples = {p.parent.name for p in SAMPLES}
    assert functions <= with_samples, f"functions without events/: {functions - with_samples}"
    assert with_samples <= functions, (
        f"events/ folders naming no function: {with_samples - functions}"
    )


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_sample_through_its_handler(
    path: Path, template, suppression_table, lambda_context, monkeypatch
):
    handler_path = template["Resources"][path.parent.name]["Properties"]["Handler"]
    module_name, _, func_name = handler_path.rpartition(".")
    handler = getattr(importlib.import_module(module_name), func_name)
    if path.parent.name == "SesSyncFunction":  # the emulator has no SESv2 suppression API
        factory.override(ses_list=FakeSesList())
    if path.parent.name == "ChangeEventsFunction":  # EventBridge is the emulator's; SES fake
        import boto3

        from cli import local_env

        marks = f"{suppression_table}-published-events"
        local_env.create_tables(boto3.client("dynamodb"), {"PublishedEventsTable": marks}, template)
        monkeypatch.setenv("PUBLISHED_EVENTS_TABLE", marks)
        factory.override(ses_list=FakeSesList())
    if path.parent.name == "AutoPauseFunction":  # nor configuration-set sending options
        cset = "ses-feedback-dev"
        monkeypatch.setenv("AUTO_PAUSE_CONFIGURATION_SET", cset)
        monkeypatch.setenv(
            "AUTO_PAUSE_CONFIGURATION_SET_ARN",
            f"arn:aws:ses:us-east-1:123456789012:configuration-set/{cset}",
        )
        monkeypatch.setenv("AUTO_PAUSE_ALARMS", f"{cset}-bounce-rate-pause")
        factory.override(sending_control=FakeSendingControl())
    if path.parent.name == "UnsubscribeFunction":  # tokens minted with the public demo key
        monkeypatch.setenv("RETURN_PATH_KEYS", SAMPLE_RETURN_PATH_KEY)
        monkeypatch.setenv("UNSUBSCRIBE_TOKEN_LIFETIME_DAYS", "3650")  # as events/env.json
        factory.reset()
    event = json.loads(path.read_text())
    expect_failure = "malformed" in path.name
    try:
        response = handler(event, lambda_context)
    except Exception as exc:
        # Asynchronous handlers (InboundFunction) report failed records by raising after the
        # others were processed, so Lambda retries and then uses the on-failure destination.
        failed = getattr(exc, "failed_records", None)
        if not expect_failure or failed is None:
            raise
        assert 0 < len(failed) < len(event["Records"]), "the good records must still succeed"
        return
    if isinstance(response, dict) and "statusCode" in response:  # HTTP (Function URL)
        status = response["statusCode"]
        assert 400 <= status < 500 if expect_failure else 200 <= status < 300, response
        return
    if "records" in event:  # Firehose transformation: failures are records[].result
        records, id_key = event["records"], "recordId"
        assert [r["recordId"] for r in response["records"]] == [r["recordId"] for r in records]
        failures = [
            {"itemIdentifier": r["recordId"]}
            for r in response["records"]
            if r["result"] == "ProcessingFailed"
        ]
    else:
        records, id_key = event.get("Records", []), "messageId"
        failures = (response or {}).get("batchItemFailures", [])
    if expect_failure:
        assert failures, "a malformed record should be reported as a batch item failure"
        record_ids = {r.get(id_key) for r in records}
        assert {f["itemIdentifier"] for f in failures} <= record_ids
        assert len(failures) < len(records), "the good records must still succeed"
    else:
        assert failures == []
