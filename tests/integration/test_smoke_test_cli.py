"""`ses-feedback smoke-test` end to end on the embedded emulator: SES sends are stubbed
(exact requests checked), the simulator's feedback is fed through FeedbackFunction into a
table created from template.yaml, and the wait runs on a controlled clock."""

from __future__ import annotations

import argparse
import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.stub import ANY

from adapters.suppression_client import SuppressionClient
from cli import smoke_test
from handlers import feedback
from tests.builders import sns_envelope, sqs_event
from tests.fakes import stubbed_client

pytestmark = pytest.mark.integration

STACK = "ses-feedback-dev"
SET = "ses-feedback-dev"
SENDER = "smoke-test@example.com"
START = datetime.now(UTC).replace(microsecond=0)
LABEL = START.strftime("%Y%m%dt%H%M%S")


class Clock:
    def __init__(self, on_first_sleep=None) -> None:
        self.now = START
        self.sleeps: list[float] = []
        self.on_first_sleep = on_first_sleep

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        if not self.sleeps and self.on_first_sleep:
            self.on_first_sleep()
        self.sleeps.append(seconds)
        self.now += timedelta(seconds=seconds)


def address(kind: str) -> str:
    return f"{kind}+{LABEL}@simulator.amazonses.com"


def stamped(event: dict[str, Any]) -> dict[str, Any]:
    """Every timestamp set to now, so TTLs run from now and the item reads as in force."""
    now = START.isoformat().replace("+00:00", "Z")

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if key == "timestamp":
                    value[key] = now
                else:
                    walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    event = copy.deepcopy(event)
    walk(event)
    return event


def simulator_feedback(ses_sample, kinds) -> list[dict[str, Any]]:
    """The events SES publishes for each simulator address (shapes from AWS's samples)."""
    events = []
    for kind in kinds:
        to = address(kind)
        if kind == "success":
            event = ses_sample("event-delivery.json")
            event["delivery"]["recipients"] = [to]
        elif kind == "complaint":
            event = ses_sample("event-complaint.json")
            event["complaint"]["complainedRecipients"] = [{"emailAddress": to}]
        else:
            event = ses_sample("event-bounce.json")
            recipient = event["bounce"]["bouncedRecipients"][0]
            recipient["emailAddress"] = to
            if kind == "suppressionlist":
                event["bounce"]["bounceSubType"] = "Suppressed"
                recipient["diagnosticCode"] = (
                    "Amazon SES has suppressed sending to this address because it has a "
                    "recent history of bouncing as an invalid address."
                )
            elif kind == "ooto":  # observed: Transient/General without a DSN
                event["bounce"]["bounceType"] = "Transient"
                event["bounce"]["bounceSubType"] = "General"
                event["bounce"]["bouncedRecipients"] = [{"emailAddress": to}]
        event["mail"]["destination"] = [to]
        events.append(stamped(event))
    return events


@pytest.fixture
def stubs(suppression_table):
    cfn, cfn_stub = stubbed_client("cloudformation")
    ses, ses_stub = stubbed_client("sesv2")
    cfn_stub.add_response(
        "describe_stacks",
        {
            "Stacks": [
                {
                    "StackName": STACK,
                    "CreationTime": START,
                    "StackStatus": "CREATE_COMPLETE",
                    "Outputs": [
                        {"OutputKey": "ConfigurationSetName", "OutputValue": SET},
                        {"OutputKey": "SuppressionTableName", "OutputValue": suppression_table},
                        {"OutputKey": "SendingIdentityName", "OutputValue": "example.com"},
                    ],
                }
            ]
        },
        {"StackName": STACK},
    )
    for kind in ("success", "bounce", "complaint", "suppressionlist", "ooto"):
        ses_stub.add_response(
            "send_email",
            {"MessageId": f"0100-{kind}"},
            {
                "FromEmailAddress": SENDER,
                "Destination": {"ToAddresses": [address(kind)]},
                "Content": ANY,  # subject and body are for people; the rest is exact
                "ConfigurationSetName": SET,
                "EmailTags": [{"Name": "ses-feedback-smoke-test", "Value": LABEL}],
            },
        )
    with cfn_stub, ses_stub:
        yield cfn, ses, SuppressionClient(suppression_table)
        ses_stub.assert_no_pending_responses()


def args(timeout=120):
    return argparse.Namespace(stack=STACK, sender=None, timeout=timeout, interval=10)


def deliver(ses_sample, lambda_context, kinds):
    bodies = [sns_envelope(e) for e in simulator_feedback(ses_sample, kinds)]
    response = feedback.lambda_handler(sqs_event(*bodies), lambda_context)
    assert response == {"batchItemFailures": []}


def test_every_outcome_arrives_and_the_report_says_so(stubs, ses_sample, lambda_context, capsys):
    cfn, ses, table = stubs
    kinds = ["success", "bounce", "complaint", "suppressionlist", "ooto"]
    clock = Clock(lambda: deliver(ses_sample, lambda_context, kinds))
    code = smoke_test.run(args(), ses, table, cfn, clock=clock, sleep=clock.sleep)
    out, err = capsys.readouterr()
    assert code == 0, out
    assert clock.sleeps == [10.0]  # nothing on the first read, everything on the second
    assert "waiting: 4/4 outcomes in the table, 10s" in err
    assert out.count("OK ") == 5 and "5 of 5 outcomes as expected" in out


def test_a_missing_outcome_is_named_with_where_to_look(stubs, ses_sample, lambda_context, capsys):
    cfn, ses, table = stubs
    kinds = ["success", "complaint", "suppressionlist", "ooto"]  # the bounce never comes
    clock = Clock(lambda: deliver(ses_sample, lambda_context, kinds))
    code = smoke_test.run(args(timeout=60), ses, table, cfn, clock=clock, sleep=clock.sleep)
    out, _ = capsys.readouterr()
    assert code == 2
    assert clock.now - START == timedelta(seconds=60)
    assert (
        "MISSING  bounce: expected a hard bounce: suppressed as invalid-address; table has no item"
        in out
    )
    assert f"address {address('bounce')}; look at the configuration set's event destinations" in out
    assert "4 of 5 outcomes as expected" in out


def test_json_report_one_object_per_outcome(stubs, ses_sample, lambda_context, capsys):
    import json

    cfn, ses, table = stubs
    kinds = ["success", "complaint", "suppressionlist", "ooto"]  # the bounce never comes
    clock = Clock(lambda: deliver(ses_sample, lambda_context, kinds))
    parsed = args(timeout=60)
    parsed.json = True
    code = smoke_test.run(parsed, ses, table, cfn, clock=clock, sleep=clock.sleep)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    # the in-process handler logs and writes metrics to stdout too
    rows = [r for r in lines if "kind" in r or "summary" in r]
    assert code == 2
    assert [(r["kind"], r["passed"]) for r in rows[:-1]] == [
        ("success", True),
        ("bounce", False),
        ("complaint", True),
        ("suppressionlist", True),
        ("ooto", True),
    ]
    bounce = rows[1]
    assert bounce["address"] == address("bounce") and bounce["state"] is None
    assert bounce["after_seconds"] is None and bounce["suppressed"] is False
    assert rows[2]["category"] == "complaint" and rows[2]["after_seconds"] == 10
    assert rows[-1]["summary"]["passed"] == 4 and rows[-1]["summary"]["expected"] == 5
