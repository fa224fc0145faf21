"""`ses-feedback activate-receipt-rules` and the inbound settings."""

from __future__ import annotations

import argparse
import re

import pytest

from adapters.inbound_settings import load_inbound_settings
from adapters.settings import ConfigurationError
from cli import receipt_rules
from cli.main import build_parser


class FakeSes:
    def __init__(self, active: str | None, known: set[str]) -> None:
        self.active = active
        self.known = known
        self.calls: list[str] = []

    def describe_active_receipt_rule_set(self):
        return {"Metadata": {"Name": self.active}} if self.active else {}

    def describe_receipt_rule_set(self, RuleSetName):
        from botocore.exceptions import ClientError

        if RuleSetName not in self.known:
            raise ClientError(
                {"Error": {"Code": "RuleSetDoesNotExist", "Message": "no"}},
                "DescribeReceiptRuleSet",
            )
        return {}

    def set_active_receipt_rule_set(self, RuleSetName):
        self.calls.append(RuleSetName)
        self.active = RuleSetName


def args(**kw) -> argparse.Namespace:
    return argparse.Namespace(**{"rule_set": "rs", "stack": "s", "dry_run": False, **kw})


def test_activates_and_is_idempotent(capsys):
    ses = FakeSes("old-set", {"rs"})
    assert receipt_rules.run(args(), client=ses) == 0
    assert ses.calls == ["rs"]
    assert "replaced 'old-set'" in capsys.readouterr().out
    assert receipt_rules.run(args(), client=ses) == 0
    assert ses.calls == ["rs"]
    assert "already the active" in capsys.readouterr().out


def test_dry_run_and_unknown_rule_set(capsys):
    ses = FakeSes(None, {"rs"})
    assert receipt_rules.run(args(dry_run=True), client=ses) == 0
    assert ses.calls == []
    assert "would activate" in capsys.readouterr().out
    assert receipt_rules.run(args(rule_set="nope"), client=ses) == 2
    assert ses.calls == []
    assert "RuleSetDoesNotExist" in capsys.readouterr().err


def test_subcommand_is_registered():
    parsed = build_parser().parse_args(["activate-receipt-rules", "--rule-set", "x"])
    assert parsed.func is receipt_rules.run and parsed.rule_set == "x"


def test_inbound_settings():
    cfg = load_inbound_settings(
        {
            "INBOUND_TABLE": "t",
            "INBOUND_BUCKET": "b",
            "INBOUND_OBJECT_PREFIX": "inbound/",
            "UNSUBSCRIBE_MAILBOXES": " Unsub@Mail.example.com, ,other@mail.example.com",
            "INBOUND_RETENTION_DAYS": "7",
        }
    )
    assert cfg.policy.unsubscribe_mailboxes == {
        "unsub@mail.example.com",
        "other@mail.example.com",
    }
    assert (cfg.table, cfg.bucket, cfg.object_prefix, cfg.policy.retention_days) == (
        "t",
        "b",
        "inbound/",
        7,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"INBOUND_BUCKET": "b"}, "INBOUND_TABLE"),
        ({"INBOUND_TABLE": "t"}, "INBOUND_BUCKET"),
        ({"INBOUND_TABLE": "t", "INBOUND_BUCKET": "b", "INBOUND_RETENTION_DAYS": "x"}, "integer"),
        ({"INBOUND_TABLE": "t", "INBOUND_BUCKET": "b", "INBOUND_RETENTION_DAYS": "0"}, ">= 1"),
    ],
)
def test_invalid_inbound_settings(env, message):
    with pytest.raises(ConfigurationError, match=message):
        load_inbound_settings(env)


def test_template_passes_the_inbound_settings(template):
    env = template["Resources"]["InboundFunction"]["Properties"]["Environment"]["Variables"]
    assert set(env) >= {
        "INBOUND_TABLE",
        "INBOUND_BUCKET",
        "INBOUND_OBJECT_PREFIX",
        "UNSUBSCRIBE_MAILBOXES",
        "INBOUND_RETENTION_DAYS",
    }
    rule = template["Resources"]["InboundReceiptRule"]["Properties"]["Rule"]
    s3_action, lambda_action = rule["Actions"]
    assert s3_action["S3Action"]["ObjectKeyPrefix"] == {"Ref": "InboundObjectPrefix"}
    assert lambda_action["LambdaAction"]["InvocationType"] == "Event"
    policy = template["Resources"]["InboundBucketPolicy"]["Properties"]["PolicyDocument"]
    condition, allow, otherwise = policy["Statement"][0]["Fn::If"]
    assert (condition, otherwise) == ("InboundMailOn", {"Ref": "AWS::NoValue"})
    assert allow["Principal"] == {"Service": "ses.amazonaws.com"}
    assert set(allow["Condition"]["StringEquals"]) == {"aws:SourceAccount"}
    assert set(allow["Condition"]["ArnLike"]) == {"aws:SourceArn"}
    fn = template["Resources"]["InboundFunction"]["Properties"]
    assert fn["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": "InboundDeadLetterQueue.Arn"
    }


# --- inbound mail is off until a receiving domain is given -------------------------

#: What exists only for a receipt rule: SES receives no mail for a domain nobody named.
RECEIPT_RESOURCES = {"InboundReceiptRuleSet", "InboundReceiptRule", "InboundFunctionSesPermission"}


def test_no_receipt_rule_by_default(template):
    assert template["Parameters"]["InboundRecipients"]["Default"] == ""
    assert template["Conditions"]["InboundMailOn"] == {
        "Fn::Not": [{"Fn::Equals": [{"Fn::Join": [",", {"Ref": "InboundRecipients"}]}, ""]}]
    }
    for name in RECEIPT_RESOURCES:
        assert template["Resources"][name].get("Condition") == "InboundMailOn", name


def references(node, found=None):
    """Every logical ID a !Ref, !GetAtt, !Sub or DependsOn names inside `node`."""
    found = set() if found is None else found
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::GetAtt":
                found.add(value.split(".")[0] if isinstance(value, str) else value[0])
            elif key == "Fn::Sub":
                text = value if isinstance(value, str) else value[0]
                found.update(n.split(".")[0] for n in re.findall(r"\$\{([^}!]+)\}", text))
                references(value, found)
            elif key == "DependsOn":
                found.update([value] if isinstance(value, str) else value)
            else:
                references(value, found)
    elif isinstance(node, list):
        for item in node:
            references(item, found)
    return found


def test_only_conditional_resources_and_outputs_refer_to_the_receipt_rule(template):
    """A reference to a resource that is not created fails the deployment: everything that
    names the receipt rule (set) or its permission has the same condition."""
    sections = [("Resources", template["Resources"]), ("Outputs", template["Outputs"])]
    for section, entries in sections:
        for name, entry in entries.items():
            if references(entry) & RECEIPT_RESOURCES:
                assert entry.get("Condition") == "InboundMailOn", f"{section}.{name}"
    assert template["Outputs"]["InboundReceiptRuleSetName"]["Condition"] == "InboundMailOn"
    assert template["Outputs"]["InboundMxRecord"]["Condition"] == "InboundMailOn"


def test_activate_json(capsys):
    import json

    ses = FakeSes("old-set", {"rs"})
    assert receipt_rules.run(args(json=True, dry_run=True), client=ses) == 0
    assert json.loads(capsys.readouterr().out) == {
        "rule_set": "rs",
        "previous": "old-set",
        "changed": True,
        "dry_run": True,
    }
    assert ses.calls == []
    assert receipt_rules.run(args(json=True), client=ses) == 0
    assert json.loads(capsys.readouterr().out)["changed"] is True and ses.calls == ["rs"]
    assert receipt_rules.run(args(json=True), client=ses) == 0
    assert json.loads(capsys.readouterr().out) == {
        "rule_set": "rs",
        "previous": "rs",
        "changed": False,
        "dry_run": False,
    }
    assert build_parser().parse_args(["activate-receipt-rules", "--json"]).json is True
