"""`ses-feedback resume` against stubbed CloudFormation and SESv2 clients."""

from __future__ import annotations

import argparse

import pytest

from cli import main as cli_main
from cli import resume
from tests.fakes import stubbed_client

SET = "ses-feedback-dev"
ARN = f"arn:aws:ses:us-east-1:123456789012:configuration-set/{SET}"


@pytest.fixture
def clients():
    cfn, cfn_stub = stubbed_client("cloudformation")
    ses, ses_stub = stubbed_client("sesv2")
    cfn_stub.add_response(
        "describe_stacks",
        {
            "Stacks": [
                {
                    "StackName": SET,
                    "CreationTime": "2026-01-01T00:00:00Z",
                    "StackStatus": "CREATE_COMPLETE",
                    "Outputs": [
                        {"OutputKey": "ConfigurationSetName", "OutputValue": SET},
                        {"OutputKey": "ConfigurationSetArn", "OutputValue": ARN},
                    ],
                }
            ]
        },
        {"StackName": SET},
    )
    with cfn_stub, ses_stub:
        yield cfn, ses, ses_stub
        ses_stub.assert_no_pending_responses()
        cfn_stub.assert_no_pending_responses()


def args():
    return argparse.Namespace(stack=SET, dry_run=False)


def paused_set(tags):
    return {
        "ConfigurationSetName": SET,
        "SendingOptions": {"SendingEnabled": False},
        "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
    }


PAUSE_TAGS = {
    "ses-feedback:paused-by": "ses-feedback-dev-bounce-rate-pause",
    "ses-feedback:paused-at": "2026-11-30T03:00:12Z",
    "team": "mail",
}


def test_resume_enables_sending_removes_the_record_and_says_who_paused(clients, capsys):
    cfn, ses, stub = clients
    stub.add_response(
        "get_configuration_set", paused_set(PAUSE_TAGS), {"ConfigurationSetName": SET}
    )
    stub.add_response(
        "put_configuration_set_sending_options",
        {},
        {"ConfigurationSetName": SET, "SendingEnabled": True},
    )
    stub.add_response(
        "untag_resource",
        {},
        {"ResourceArn": ARN, "TagKeys": ["ses-feedback:paused-by", "ses-feedback:paused-at"]},
    )
    assert resume.run(args(), ses, cfn) == 0
    out = capsys.readouterr().out
    assert "paused by alarm ses-feedback-dev-bounce-rate-pause at 2026-11-30T03:00:12Z" in out
    assert "sending enabled" in out


def test_a_set_paused_without_a_record_is_resumed_and_said_so(clients, capsys):
    cfn, ses, stub = clients
    stub.add_response("get_configuration_set", paused_set({}), {"ConfigurationSetName": SET})
    stub.add_response(
        "put_configuration_set_sending_options",
        {},
        {"ConfigurationSetName": SET, "SendingEnabled": True},
    )
    stub.add_response("untag_resource", {}, None)
    assert resume.run(args(), ses, cfn) == 0
    assert "no auto-pause record" in capsys.readouterr().out


def test_a_sending_set_is_left_alone(clients, capsys):
    cfn, ses, stub = clients
    stub.add_response(
        "get_configuration_set",
        {"ConfigurationSetName": SET, "SendingOptions": {"SendingEnabled": True}},
        {"ConfigurationSetName": SET},
    )
    assert resume.run(args(), ses, cfn) == 0
    assert "nothing to resume" in capsys.readouterr().out


def test_dry_run_changes_nothing(clients, capsys):
    cfn, ses, stub = clients
    stub.add_response(
        "get_configuration_set", paused_set(PAUSE_TAGS), {"ConfigurationSetName": SET}
    )
    assert resume.run(argparse.Namespace(stack=SET, dry_run=True), ses, cfn) == 0
    assert "would enable sending" in capsys.readouterr().out


def test_the_command_is_registered():
    parsed = cli_main.build_parser().parse_args(["resume", "--stack", "s", "--dry-run"])
    assert parsed.func is resume.run and parsed.stack == "s" and parsed.dry_run


def test_a_stack_without_the_outputs_is_an_operator_error():
    from adapters.stack_outputs import StackLookupError

    cfn, stub = stubbed_client("cloudformation")
    stub.add_response(
        "describe_stacks",
        {
            "Stacks": [
                {
                    "StackName": SET,
                    "CreationTime": "2026-01-01T00:00:00Z",
                    "StackStatus": "CREATE_COMPLETE",
                    "Outputs": [{"OutputKey": "ConfigurationSetName", "OutputValue": SET}],
                }
            ]
        },
        {"StackName": SET},
    )
    with stub, pytest.raises(StackLookupError, match="ConfigurationSetArn"):
        resume.run(args(), object(), cfn)


def test_json_says_who_paused_and_whether_it_resumed(clients, capsys):
    import json

    cfn, ses, stub = clients
    stub.add_response(
        "get_configuration_set", paused_set(PAUSE_TAGS), {"ConfigurationSetName": SET}
    )
    stub.add_response(
        "put_configuration_set_sending_options",
        {},
        {"ConfigurationSetName": SET, "SendingEnabled": True},
    )
    stub.add_response("untag_resource", {}, None)
    assert resume.run(argparse.Namespace(stack=SET, dry_run=False, json=True), ses, cfn) == 0
    assert json.loads(capsys.readouterr().out) == {
        "configuration_set": SET,
        "was_sending": False,
        "paused_by": "ses-feedback-dev-bounce-rate-pause",
        "paused_at": "2026-11-30T03:00:12Z",
        "resumed": True,
        "dry_run": False,
    }
    parsed = cli_main.build_parser().parse_args(["resume", "--json"])
    assert parsed.json is True
