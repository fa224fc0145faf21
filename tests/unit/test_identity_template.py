"""The optional sending identity and configuration-set options in template.yaml."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def resources(template: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = template["Resources"]
    return found


def test_the_identity_is_off_by_default(template):
    assert template["Parameters"]["SendingDomain"]["Default"] == ""
    assert template["Parameters"]["MailFromSubdomain"]["Default"] == ""
    assert resources(template)["SendingIdentity"]["Condition"] == "HasSendingDomain"
    assert template["Conditions"]["HasSendingDomain"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "SendingDomain"}, ""]}]
    }


def test_identity_signs_with_easy_dkim_and_publishes_through_the_stacks_set(template):
    props = resources(template)["SendingIdentity"]["Properties"]
    assert props["EmailIdentity"] == {"Ref": "SendingDomain"}
    assert props["DkimAttributes"] == {"SigningEnabled": True}
    assert props["DkimSigningAttributes"]["NextSigningKeyLength"] == "RSA_2048_BIT"
    # sends that name no configuration set still publish their events to this stack
    assert props["ConfigurationSetAttributes"] == {
        "ConfigurationSetName": {"Ref": "ConfigurationSet"}
    }


def test_mail_from_is_a_subdomain_of_the_sending_domain_only_when_asked(template):
    condition, on, off = resources(template)["SendingIdentity"]["Properties"]["MailFromAttributes"][
        "Fn::If"
    ]
    assert condition == "HasMailFrom"
    assert on["MailFromDomain"] == {"Fn::Sub": "${MailFromSubdomain}.${SendingDomain}"}
    assert on["BehaviorOnMxFailure"] == "USE_DEFAULT_VALUE"
    assert off == {"Ref": "AWS::NoValue"}
    assert {"Condition": "HasSendingDomain"} in template["Conditions"]["HasMailFrom"]["Fn::And"]


def sub(output: dict[str, Any]) -> str:
    return output["Value"]["Fn::Sub"]


def test_outputs_give_every_dns_record_to_publish(template):
    outputs = template["Outputs"]
    for i in (1, 2, 3):
        record = outputs[f"DkimRecord{i}"]
        assert record["Condition"] == "HasSendingDomain"
        assert sub(record) == (
            f"${{SendingIdentity.DkimDNSTokenName{i}}} CNAME "
            f"${{SendingIdentity.DkimDNSTokenValue{i}}}"
        )
    mx = sub(outputs["MailFromMxRecord"])
    assert outputs["MailFromMxRecord"]["Condition"] == "HasMailFrom"
    assert (
        mx
        == "${MailFromSubdomain}.${SendingDomain} MX 10 feedback-smtp.${AWS::Region}.amazonses.com"
    )
    spf = sub(outputs["MailFromSpfRecord"])
    assert spf.startswith("${MailFromSubdomain}.${SendingDomain} TXT ")
    assert '"v=spf1 include:amazonses.com ~all"' in spf
    dmarc = sub(outputs["DmarcRecord"])
    assert dmarc.startswith('_dmarc.${SendingDomain} TXT "v=DMARC1; p=none;')
    assert "InboundMxRecord" in outputs


def test_the_mail_from_domain_points_at_ses_feedback_not_at_the_receiving_endpoint(template):
    """A MAIL FROM domain's MX is SES's feedback endpoint, so it cannot be a domain this
    stack receives mail for (its MX is inbound-smtp)."""
    outputs = template["Outputs"]
    assert "inbound-smtp" in outputs["InboundMxRecord"]["Value"]["Fn::Sub"]
    assert "inbound-smtp" not in sub(outputs["MailFromMxRecord"])
    inbound = (ROOT / "docs" / "inbound.md").read_text()
    assert not re.search(r"come back to a custom\s+MAIL FROM", inbound)
    assert re.search(r"custom MAIL FROM domain of an SES identity cannot be\s+this domain", inbound)


def test_configuration_set_publishes_reputation_metrics_and_can_use_a_dedicated_pool(template):
    props = resources(template)["ConfigurationSet"]["Properties"]
    assert props["ReputationOptions"] == {"ReputationMetricsEnabled": True}
    condition, on, off = props["DeliveryOptions"]["Fn::If"]
    assert condition == "HasSendingPool"
    assert on == {"SendingPoolName": {"Ref": "SendingPoolName"}}
    assert off == {"Ref": "AWS::NoValue"}
    assert template["Parameters"]["SendingPoolName"]["Default"] == ""


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("", True),
        ("example.com", True),
        ("mail.example.co.uk", True),
        ("Example.com", False),  # SES identities are case-blind; keep one spelling
        ("example", False),
        ("-bad.example.com", False),
        ("user@example.com", False),
    ],
)
def test_sending_domain_pattern(template, value, ok):
    pattern = template["Parameters"]["SendingDomain"]["AllowedPattern"]
    assert bool(re.fullmatch(pattern, value)) is ok


@pytest.mark.parametrize(
    ("resource", "condition", "parameter", "default"),
    [
        (
            "ConfigurationSetCloudWatchDestination",
            "HasCloudWatchDestination",
            "CloudWatchDestinationMessageTag",
            "",
        ),
        (
            "ConfigurationSetEventBridgeDestination",
            "EventBridgeDestinationOn",
            "EventBridgeDestinationEnabled",
            "false",
        ),
    ],
)
def test_optional_event_destinations_are_off_by_default(
    template, resource, condition, parameter, default
):
    found = resources(template)[resource]
    assert found["Condition"] == condition
    assert template["Parameters"][parameter]["Default"] == default
    destination = found["Properties"]["EventDestination"]
    assert destination["Enabled"] is True
    assert found["Properties"]["ConfigurationSetName"] == {"Ref": "ConfigurationSet"}


def test_cloudwatch_destination_uses_the_message_tag_as_its_dimension(template):
    destination = resources(template)["ConfigurationSetCloudWatchDestination"]["Properties"][
        "EventDestination"
    ]
    [dimension] = destination["CloudWatchDestination"]["DimensionConfigurations"]
    assert dimension == {
        "DimensionName": {"Ref": "CloudWatchDestinationMessageTag"},
        "DimensionValueSource": "messageTag",
        "DefaultDimensionValue": "untagged",
    }
    assert {"bounce", "complaint", "send", "delivery"} <= set(destination["MatchingEventTypes"])


def test_eventbridge_destination_targets_the_default_bus(template):
    destination = resources(template)["ConfigurationSetEventBridgeDestination"]["Properties"][
        "EventDestination"
    ]
    assert destination["EventBridgeDestination"]["EventBusArn"] == {
        "Fn::Sub": "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default"
    }
