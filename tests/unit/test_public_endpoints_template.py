"""What template.yaml promises about the functions reachable from outside AWS."""

from __future__ import annotations


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
