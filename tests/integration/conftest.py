"""Every AWS call a Lambda handler makes in these tests must be allowed by its function's
statements in template.yaml, so least privilege cannot remove an action the code needs.

botocore's BaseClient._make_api_call is wrapped (boto3 clients and pynamodb both go through
it); a call is attributed to a handler when a `handlers.*` module's `lambda_handler` is on the
stack, which leaves out the tests' own setup and assertions. A call the template does not
allow fails the test that made it, at teardown, even if the handler swallowed the error.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import Any

import botocore.client
import pytest

from adapters import factory
from adapters.change_event_bus import ChangeEventBus
from cli import local_env
from tests.conftest import _table_numbers
from tests.fakes import FakeSesList
from tests.integration.change_events_support import RecordingEvents, Stream

# botocore service name -> IAM action prefix
IAM_PREFIX = {"dynamodb": "dynamodb", "s3": "s3", "sesv2": "ses", "sqs": "sqs"}
# environment variable naming each table -> the table's logical ID in template.yaml
TABLE_ENV = {
    "SUPPRESSION_TABLE": "SuppressionTable",
    "INBOUND_TABLE": "InboundTable",
    "PUBLISHED_EVENTS_TABLE": "PublishedEventsTable",
}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def resource_label(resource: Any) -> str:
    """`SuppressionTable` for GetAtt X.Arn, `SuppressionTable/index/by-domain` for such a Sub."""
    if isinstance(resource, dict) and "Fn::GetAtt" in resource:
        target = resource["Fn::GetAtt"]
        return target.split(".")[0] if isinstance(target, str) else target[0]
    if isinstance(resource, dict) and "Fn::Sub" in resource:
        return str(resource["Fn::Sub"]).replace("${", "").replace(".Arn}", "")
    return str(resource)


def grants_by_handler(template: dict[str, Any]) -> dict[str, set[tuple[str, str]]]:
    """handler module -> {(action, resource label)} from each function's inline statements."""
    grants: dict[str, set[tuple[str, str]]] = {}
    for resource in template["Resources"].values():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        props = resource["Properties"]
        module = props["Handler"].rsplit(".", 1)[0]
        allowed = grants.setdefault(module, set())
        for policy in props.get("Policies", []):
            for statement in policy.get("Statement", []):
                for action in as_list(statement["Action"]):
                    for target in as_list(statement["Resource"]):
                        allowed.add((action, resource_label(target)))
    return grants


def calling_handler() -> str | None:
    frame = sys._getframe(2)
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module.startswith("handlers.") and frame.f_code.co_name == "lambda_handler":
            return str(module)
        frame = frame.f_back  # type: ignore[assignment]
    return None


def dynamodb_targets(operation: str, params: dict[str, Any]) -> list[str]:
    tables = {os.environ.get(env): logical for env, logical in TABLE_ENV.items()}
    names = list(params.get("RequestItems", {})) or [params.get("TableName")]
    labels = [tables.get(name, f"<unknown table {name}>") for name in names]
    if params.get("IndexName"):
        labels = [f"{label}/index/{params['IndexName']}" for label in labels]
    return labels


def denied(
    allowed: set[tuple[str, str]], service: str, operation: str, params: dict[str, Any]
) -> str | None:
    action = f"{IAM_PREFIX.get(service, service)}:{operation}"
    if service == "dynamodb":
        missing = [t for t in dynamodb_targets(operation, params) if (action, t) not in allowed]
        return f"{action} on {missing}" if missing else None
    return None if any(a == action for a, _ in allowed) else action


@pytest.fixture(autouse=True)
def template_allows_every_handler_call(
    template: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> Iterator[list[str]]:
    grants = grants_by_handler(template)
    violations: list[str] = []
    original = botocore.client.BaseClient._make_api_call

    def checked(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        handler = calling_handler()
        if handler is not None:
            service = self.meta.service_model.service_name
            problem = denied(grants.get(handler, set()), service, operation_name, api_params)
            if problem:
                violations.append(f"{handler}: {problem} is not granted in template.yaml")
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", checked)
    yield violations
    assert not violations, violations


@pytest.fixture
def change_env(
    suppression_table: str, template: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[RecordingEvents, FakeSesList, Stream]]:
    import boto3

    name = f"published-test-{next(_table_numbers)}"
    client = boto3.client("dynamodb")
    local_env.create_tables(client, {"PublishedEventsTable": name}, template)
    monkeypatch.setenv("PUBLISHED_EVENTS_TABLE", name)
    monkeypatch.setenv("CHANGE_EVENT_BUS", "ses-feedback-test-bus")
    factory.reset()
    events = RecordingEvents()
    ses = FakeSesList()
    factory.override(
        event_bus=ChangeEventBus(events, bus_name="ses-feedback-test-bus", sleep=lambda _s: None),
        ses_list=ses,
    )
    yield events, ses, Stream(suppression_table)
    factory.reset()
    client.delete_table(TableName=name)
