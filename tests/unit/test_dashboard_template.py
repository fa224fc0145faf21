"""The CloudWatch dashboard in template.yaml: valid JSON once substituted, and it graphs
metrics that exist, the rates against SES's levels, every DLQ and every function."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from domain import event_types, metrics_plan

# Metrics the code emits in the SesFeedback namespace besides the per-event counts.
EMITTED = {
    metrics_plan.HARD_BOUNCES,
    metrics_plan.SOFT_BOUNCES,
    metrics_plan.SENDER_PROBLEM_BOUNCES,
    metrics_plan.COMPLAINTS,
    metrics_plan.SUPPRESSIONS_ADDED,
    metrics_plan.SEND_RECIPIENTS,
    metrics_plan.SES_COUNTED_BOUNCES,
    metrics_plan.SES_COUNTED_COMPLAINTS,
    "RecordsProcessingFailed",
} | {metrics_plan.event_metric_name(t) for t in event_types.KNOWN_EVENT_TYPES}


@pytest.fixture(scope="module")
def dashboard(template) -> tuple[dict[str, Any], set[str]]:
    """The body with each ${Name} replaced by a placeholder, and the names substituted."""
    text = template["Resources"]["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    names = set(re.findall(r"\$\{([^}]+)\}", text))
    # Number parameters are substituted unquoted; anything else sits inside a JSON string
    body = re.sub(r"\$\{([^}]+)\}", lambda m: "1" if m.group(1).endswith("Percent") else "x", text)
    return json.loads(body), names


def metric_rows(body: dict[str, Any]) -> list[list[Any]]:
    return [
        row
        for widget in body["widgets"]
        for row in widget["properties"]["metrics"]
        if isinstance(row[0], str)
    ]


def test_every_sesfeedback_metric_on_the_dashboard_is_one_the_code_emits(dashboard):
    body, _ = dashboard
    graphed = {row[1] for row in metric_rows(body) if row[0] == "SesFeedback"}
    assert graphed <= EMITTED
    assert {metrics_plan.SES_COUNTED_BOUNCES, metrics_plan.SES_COUNTED_COMPLAINTS} <= graphed


def test_rates_are_drawn_against_the_alarm_thresholds(dashboard):
    body, names = dashboard
    for parameter in (
        "BounceRateAlarmPercent",
        "BounceRatePausePercent",
        "ComplaintRateAlarmPercent",
        "ComplaintRatePausePercent",
    ):
        assert parameter in names
    ses_metrics = {row[1] for row in metric_rows(body) if row[0] == "AWS/SES"}
    assert ses_metrics == {"Reputation.BounceRate", "Reputation.ComplaintRate"}
    annotated = [w for w in body["widgets"] if "annotations" in w["properties"]]
    assert len(annotated) == 2
    for widget in annotated:
        labels = {a["label"] for a in widget["properties"]["annotations"]["horizontal"]}
        assert labels == {"SES review", "SES pause"}


def test_every_dlq_and_every_always_deployed_function_is_graphed(template, dashboard):
    _, names = dashboard
    resources = template["Resources"]
    functions = {
        n
        for n, r in resources.items()
        if r["Type"] == "AWS::Serverless::Function" and "Condition" not in r
    }
    queues = {n for n, r in resources.items() if n.endswith("DeadLetterQueue")}
    assert functions <= names
    assert {f"{q}.QueueName" for q in queues} <= names
    # every substituted name exists (a resource, a resource attribute or a parameter)
    known = set(resources) | set(template["Parameters"]) | {"AWS::Region"}
    assert {n.split(".")[0] for n in names} <= known


def test_suppressions_added_are_read_from_the_path_that_applies_them(dashboard):
    """Only FeedbackFunction (Pipeline=sqs) applies suppressions; the rate rows follow the
    pipeline the alarms read, this one cannot."""
    body, _ = dashboard
    rows = [r for r in metric_rows(body) if r[1] == metrics_plan.SUPPRESSIONS_ADDED]
    assert rows
    for row in rows:
        dimensions = dict(zip(row[2:-1:2], row[3:-1:2], strict=True))
        assert dimensions["Pipeline"] == "sqs"
