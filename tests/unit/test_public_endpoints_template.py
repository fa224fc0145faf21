"""What template.yaml promises about the functions reachable from outside AWS."""

from __future__ import annotations

import json
import re


def test_webhook_url_is_public_but_its_concurrency_can_be_capped(template):
    webhook = template["Resources"]["WebhookFunction"]["Properties"]
    assert webhook["FunctionUrlConfig"]["AuthType"] == "NONE"  # SNS cannot sign with SigV4
    capped = webhook["ReservedConcurrentExecutions"]["Fn::If"]
    assert capped[0] == "CapWebhookConcurrency"
    assert capped[1] == {"Ref": "WebhookReservedConcurrency"}
    assert capped[2] == {"Ref": "AWS::NoValue"}
    assert template["Parameters"]["WebhookReservedConcurrency"]["Default"] == 10


def test_read_api_requires_iam(template):
    api = next(
        res["Properties"]
        for res in template["Resources"].values()
        if res["Type"] == "AWS::Serverless::HttpApi"
    )
    assert api["Auth"]["DefaultAuthorizer"] == "AWS_IAM"


def test_read_api_is_throttled_stage_wide(template):
    api = next(
        res["Properties"]
        for res in template["Resources"].values()
        if res["Type"] == "AWS::Serverless::HttpApi"
    )
    settings = api["DefaultRouteSettings"]
    assert settings["ThrottlingRateLimit"] == {"Ref": "ApiThrottlingRateLimit"}
    assert settings["ThrottlingBurstLimit"] == {"Ref": "ApiThrottlingBurstLimit"}
    params = template["Parameters"]
    assert (
        params["ApiThrottlingBurstLimit"]["Default"] >= params["ApiThrottlingRateLimit"]["Default"]
    )


def test_unsubscribe_url_is_public_capped_and_reads_only_the_key_and_the_table(template):
    resource = template["Resources"]["UnsubscribeFunction"]
    assert resource["Condition"] == "UnsubscribeEndpointOn"
    props = resource["Properties"]
    assert props["FunctionUrlConfig"]["AuthType"] == "NONE"  # mail clients POST unsigned
    capped = props["ReservedConcurrentExecutions"]["Fn::If"]
    assert capped == [
        "CapUnsubscribeConcurrency",
        {"Ref": "UnsubscribeReservedConcurrency"},
        {"Ref": "AWS::NoValue"},
    ]
    assert template["Parameters"]["UnsubscribeReservedConcurrency"]["Default"] == 10
    statements = [s for p in props["Policies"] for s in p["Statement"]]
    targets = {
        (action, json.dumps(s["Resource"], sort_keys=True))
        for s in statements
        for action in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
    }
    table = json.dumps({"Fn::GetAtt": "SuppressionTable.Arn"})
    assert targets == {
        ("dynamodb:GetItem", table),
        ("dynamodb:BatchGetItem", table),
        ("dynamodb:PutItem", table),
        ("secretsmanager:GetSecretValue", json.dumps({"Ref": "ReturnPathSecret"})),
    }
    env = props["Environment"]["Variables"]
    assert env["RETURN_PATH_SECRET_ARN"] == {"Ref": "ReturnPathSecret"}
    assert env["RETURN_PATH_KEYS"] == ""  # never a key in the template
    output = template["Outputs"]["UnsubscribeUrl"]
    assert output["Condition"] == "UnsubscribeEndpointOn"
    assert output["Value"] == {"Fn::GetAtt": "UnsubscribeFunctionUrl.FunctionUrl"}


def test_the_invoke_policy_covers_every_route_of_the_read_api_and_nothing_else(template):
    """A caller given SuppressionApiInvokePolicyArn can call each route the function serves
    (`GET /openapi.json` included, README and docs/schema.md), and no other."""
    events = template["Resources"]["SuppressionApiFunction"]["Properties"]["Events"]
    routes = {
        f"{e['Properties']['Method']}{re.sub(r'{[^}]+}', '*', e['Properties']['Path'])}"
        for e in events.values()
        if e["Type"] == "HttpApi"
    }
    policy = template["Resources"]["SuppressionApiInvokePolicy"]["Properties"]
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert statement["Action"] == "execute-api:Invoke"
    prefix = (
        "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${SuppressionApi}/*/"
    )
    granted = set()
    for resource in statement["Resource"]:
        arn = resource["Fn::Sub"]
        assert arn.startswith(prefix), arn
        granted.add(arn.removeprefix(prefix))
    assert "GET/openapi.json" in routes
    assert granted == routes
