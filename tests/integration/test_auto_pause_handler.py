"""AutoPauseFunction against a stubbed SESv2 client: it pauses the configuration set once,
records why, leaves a paused set alone, and makes only calls its template statements allow
(tests/integration/conftest.py checks each call)."""

from __future__ import annotations

import json

import pytest

from adapters import factory
from adapters.sending_control import SesSendingControl
from domain.auto_pause import MalformedAlarmEventError
from handlers import auto_pause
from tests.conftest import EVENTS
from tests.fakes import stubbed_client

SET = "ses-feedback-dev"
ARN = f"arn:aws:ses:us-east-1:123456789012:configuration-set/{SET}"
SAMPLE = EVENTS / "AutoPauseFunction" / "alarm-state-change-bounce-rate-pause.json"


@pytest.fixture
def ses(monkeypatch):
    monkeypatch.setenv("AUTO_PAUSE_CONFIGURATION_SET", SET)
    monkeypatch.setenv("AUTO_PAUSE_CONFIGURATION_SET_ARN", ARN)
    monkeypatch.setenv(
        "AUTO_PAUSE_ALARMS",
        "ses-feedback-dev-bounce-rate-pause,ses-feedback-dev-complaint-rate-pause",
    )
    factory.reset()
    client, stub = stubbed_client("sesv2")
    factory.override(sending_control=SesSendingControl(client))
    with stub:
        yield stub
    stub.assert_no_pending_responses()
    factory.reset()


def configuration_set(sending_enabled: bool | None, tags=()):
    found = {"ConfigurationSetName": SET, "Tags": [{"Key": k, "Value": v} for k, v in tags]}
    if sending_enabled is not None:
        found["SendingOptions"] = {"SendingEnabled": sending_enabled}
    return found


def test_a_pause_alarm_disables_sending_and_tags_the_set_with_why(ses, lambda_context):
    ses.add_response(
        "get_configuration_set", configuration_set(None), {"ConfigurationSetName": SET}
    )
    ses.add_response(
        "put_configuration_set_sending_options",
        {},
        {"ConfigurationSetName": SET, "SendingEnabled": False},
    )
    ses.add_response(
        "tag_resource",
        {},
        {
            "ResourceArn": ARN,
            "Tags": [
                {"Key": "ses-feedback:paused-by", "Value": "ses-feedback-dev-bounce-rate-pause"},
                {"Key": "ses-feedback:paused-at", "Value": "2026-11-30T03:00:12Z"},
            ],
        },
    )
    result = auto_pause.lambda_handler(json.loads(SAMPLE.read_text()), lambda_context)
    assert result == {"result": "paused", "alarm": "ses-feedback-dev-bounce-rate-pause"}


def test_an_already_paused_set_keeps_its_first_recorded_cause(ses, lambda_context):
    ses.add_response(
        "get_configuration_set",
        configuration_set(
            False, [("ses-feedback:paused-by", "ses-feedback-dev-complaint-rate-pause")]
        ),
        {"ConfigurationSetName": SET},
    )
    result = auto_pause.lambda_handler(json.loads(SAMPLE.read_text()), lambda_context)
    assert result == {
        "result": "already-paused",
        "paused_by": "ses-feedback-dev-complaint-rate-pause",
    }


def test_an_alarm_returning_to_ok_calls_nothing(ses, lambda_context):
    event = json.loads(SAMPLE.read_text())
    event["detail"]["state"]["value"] = "OK"
    assert auto_pause.lambda_handler(event, lambda_context)["result"] == "ignored"


def test_a_failed_pause_fails_the_invocation_so_lambda_retries(ses, lambda_context):
    ses.add_response(
        "get_configuration_set", configuration_set(True), {"ConfigurationSetName": SET}
    )
    ses.add_client_error(
        "put_configuration_set_sending_options", "TooManyRequestsException", http_status_code=429
    )
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError):
        auto_pause.lambda_handler(json.loads(SAMPLE.read_text()), lambda_context)


def test_a_malformed_event_fails_without_calling_ses(ses, lambda_context):
    with pytest.raises(MalformedAlarmEventError):
        auto_pause.lambda_handler({"source": "aws.cloudwatch"}, lambda_context)


def test_the_function_listens_to_exactly_the_pause_alarms(template):
    resources = template["Resources"]
    function = resources["AutoPauseFunction"]
    assert function["Condition"] == "AutoPauseOn"
    assert template["Parameters"]["AutoPauseEnabled"]["Default"] == "false"
    pause_alarms = {
        name
        for name, res in resources.items()
        if res["Type"] == "AWS::CloudWatch::Alarm" and name.endswith("PauseAlarm")
    }
    assert len(pause_alarms) == 4
    props = function["Properties"]
    [_, names] = props["Environment"]["Variables"]["AUTO_PAUSE_ALARMS"]["Fn::Join"]
    assert {n["Ref"] for n in names} == pause_alarms
    pattern = props["Events"]["PauseAlarms"]["Properties"]["Pattern"]
    assert {r["Fn::GetAtt"].split(".")[0] for r in pattern["resources"]} == pause_alarms
    assert pattern["detail"] == {"state": {"value": ["ALARM"]}}
    # each pause alarm fires at the pause-level parameter, not the review level
    for name in pause_alarms:
        assert resources[name]["Properties"]["Threshold"]["Ref"].endswith("PausePercent")
    # only this configuration set, only the calls the handler makes
    [statement] = props["Policies"][0]["Statement"]
    assert set(statement["Action"]) == {
        "ses:GetConfigurationSet",
        "ses:PutConfigurationSetSendingOptions",
        "ses:TagResource",
    }
    assert statement["Resource"]["Fn::Sub"].endswith(":configuration-set/${ConfigurationSet}")
