"""The template lints clean with every optional part switched off (the defaults) and on.

cfn-lint checks both branches of each Condition in the raw template; the SAM transform is
run too, with the optional parameters on and off, because SAM resolves some parameters
itself and generates roles and permissions that only then exist. The transform needs
aws-sam-translator, which lives in the SAM virtualenv (`make sam-validate` creates
.sam-venv; set SAM_VENV to reuse another); without it those cases are skipped.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import ManualArgs, lint

ROOT = Path(__file__).resolve().parents[2]
SAM_PYTHON = Path(os.environ.get("SAM_VENV", ROOT / ".sam-venv")) / "bin" / "python"

# Every optional part on. Keep in step with the Conditions that switch resources on.
OPTIONAL_ON = {
    "AlarmEmail": "ops@example.com",
    "AutoPauseEnabled": "true",
    "SendingDomain": "example.com",
    "MailFromSubdomain": "bounce",
    "SendingPoolName": "dedicated-pool",
    "CloudWatchDestinationMessageTag": "campaign",
    "EventBridgeDestinationEnabled": "true",
    "InboundRecipients": "mail.example.com",
}

# SAM substitutes these itself (Tracing), so the transformed template no longer refers to
# them: an unused-parameter warning there says nothing about our template.
_SAM_RESOLVED = "W2001"


def lint_matches(text: str, ignore: tuple[str, ...] = ()) -> list[str]:
    config = ManualArgs(regions=["us-east-1"], ignore_checks=list(ignore))
    return [str(match) for match in lint(text, config=config)]


# The optional parts' conditions: off with the defaults, on with OPTIONAL_ON.
OPTIONAL_CONDITIONS = {
    "HasAlarmEmail",
    "AutoPauseOn",
    "HasSendingDomain",
    "HasMailFrom",
    "HasSendingPool",
    "HasCloudWatchDestination",
    "EventBridgeDestinationOn",
    "InboundMailOn",
}


def evaluate(condition: Any, template: dict[str, Any], params: dict[str, str]) -> Any:
    """Enough of CloudFormation's condition functions for the template's Conditions."""
    if isinstance(condition, dict):
        [(name, arg)] = condition.items()
        if name == "Ref":
            default = template["Parameters"][arg].get("Default", "")
            return str(params.get(arg, default))
        if name == "Condition":
            return evaluate(template["Conditions"][arg], template, params)
        values = [evaluate(a, template, params) for a in arg]
        if name == "Fn::Join":  # of a CommaDelimitedList's Ref, as evaluated above
            return values[1]
        if name == "Fn::Equals":
            return values[0] == values[1]
        if name == "Fn::Not":
            return not values[0]
        if name == "Fn::And":
            return all(values)
        if name == "Fn::Or":
            return any(values)
        raise AssertionError(f"unsupported condition function {name}")
    return str(condition)


@pytest.mark.parametrize("name", sorted(OPTIONAL_CONDITIONS))
def test_optional_parts_are_off_by_default_and_on_with_optional_on(template, name):
    condition = template["Conditions"][name]
    assert evaluate(condition, template, {}) is False
    assert evaluate(condition, template, OPTIONAL_ON) is True


def test_every_conditional_resource_of_issue_13_is_covered(template):
    used = {r["Condition"] for r in template["Resources"].values() if "Condition" in r}
    used |= {o["Condition"] for o in template["Outputs"].values() if "Condition" in o}
    # on by default, switched off by a parameter: see the *_can_be_switched_off tests
    on_by_default = {"AccessLogsOn", "UnsubscribeEndpointOn"}
    assert used - {"SesSyncOn", "IsProd", "CapWebhookConcurrency", *on_by_default} <= (
        OPTIONAL_CONDITIONS
    )


def test_raw_template_lints_clean():
    assert lint_matches((ROOT / "template.yaml").read_text()) == []


def sam_transformed(params: dict[str, str]) -> dict[str, Any]:
    if not SAM_PYTHON.exists():
        pytest.skip(f"no SAM virtualenv at {SAM_PYTHON.parent.parent} (make sam-validate)")
    args = [str(SAM_PYTHON), str(ROOT / "tools" / "sam_transform.py")]
    for key, value in params.items():
        args += ["--param", f"{key}={value}"]
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1"}
    done = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    transformed: dict[str, Any] = json.loads(done.stdout)
    return transformed


@pytest.mark.parametrize("params", [{}, OPTIONAL_ON], ids=["defaults", "all-optional-on"])
def test_sam_transformed_template_lints_clean(params):
    transformed = sam_transformed(params)
    assert lint_matches(json.dumps(transformed), ignore=(_SAM_RESOLVED,)) == []


def test_optional_resources_carry_their_conditions_through_the_transform():
    transformed = sam_transformed(OPTIONAL_ON)
    found = transformed["Resources"]
    assert found["AlarmEmailSubscription"]["Condition"] == "HasAlarmEmail"
    # SAM generates the role, the EventBridge rule and its invoke permission: all conditional
    generated = [
        name
        for name in found
        if name.startswith("AutoPauseFunction") and found[name]["Type"] != "AWS::CloudWatch::Alarm"
    ]
    assert {found[name]["Type"] for name in generated} >= {
        "AWS::Lambda::Function",
        "AWS::IAM::Role",
        "AWS::Events::Rule",
        "AWS::Lambda::Permission",
    }
    for name in generated:
        assert found[name].get("Condition") == "AutoPauseOn", name
    assert found["SendingIdentity"]["Condition"] == "HasSendingDomain"
    outputs = transformed["Outputs"]
    assert outputs["MailFromMxRecord"]["Condition"] == "HasMailFrom"
    assert {outputs[f"DkimRecord{i}"]["Condition"] for i in (1, 2, 3)} == {"HasSendingDomain"}


def test_the_unsubscribe_endpoint_is_on_by_default_and_can_be_switched_off():
    on = sam_transformed({})
    generated = [name for name in on["Resources"] if name.startswith("UnsubscribeFunction")]
    # SAM generates the role, the URL and its public invoke permissions: all conditional
    assert {on["Resources"][name]["Type"] for name in generated} >= {
        "AWS::Lambda::Function",
        "AWS::IAM::Role",
        "AWS::Lambda::Url",
        "AWS::Lambda::Permission",
        "AWS::Logs::LogGroup",
        "AWS::CloudWatch::Alarm",
    }
    for name in generated:
        assert on["Resources"][name].get("Condition") == "UnsubscribeEndpointOn", name
    off = sam_transformed({"UnsubscribeEndpointEnabled": "false"})
    assert lint_matches(json.dumps(off), ignore=(_SAM_RESOLVED,)) == []
