"""Every sample in events/ runs the way `sam local invoke FUNCTION -e FILE --env-vars
events/env.json` runs it, against `ses-feedback emulator`.

Each sample gets a fresh interpreter (`python -c`, src/ on sys.path, the handler template.yaml
names) and only the environment SAM would give the container: SAM's own AWS_* variables, the
variables the template declares for the function with events/env.json's values over them, and
nothing from this process. AWS_ENDPOINT_URL is this module's emulator instead of the Docker
host alias. No fakes, no overrides: what a sample needs must come from the emulator and the
env file, as it does for an operator. One emulator serves the whole module.

The outcome of every sample is stated below (EXPECTED); a new sample fails until it has one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from cli import emulator, local_env
from tests.conftest import EVENTS, ROOT

SRC = ROOT / "src"
ENV_FILE = EVENTS / "env.json"
SAMPLES = sorted(EVENTS.glob("*/*.json"))
RESULT_MARK = "@@sam-local-result@@"

# SAM CLI's values when no credentials are given (samcli/local/lambdafn/env_vars.py).
SAM_AWS_VARIABLES = {
    "AWS_SAM_LOCAL": "true",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "defaultkey",
    "AWS_SECRET_ACCESS_KEY": "defaultsecret",
    "AWS_ACCOUNT_ID": "123456789012",
    "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
}

# What the runtime does with one event: import the handler, call it, print the result.
RUNNER = f"""
import importlib, json, os, sys
sys.path.insert(0, {str(SRC)!r})

class Context:
    function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
    function_version = "$LATEST"
    memory_limit_in_mb = int(os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"])
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:" + function_name
    aws_request_id = "sam-local-request"
    log_group_name = "aws/lambda/" + function_name
    log_stream_name = "$LATEST"

    @staticmethod
    def get_remaining_time_in_millis():
        return 30000

module_name, _, func_name = sys.argv[1].rpartition(".")
handler = getattr(importlib.import_module(module_name), func_name)
with open(sys.argv[2]) as f:
    event = json.load(f)
try:
    outcome = {{"result": handler(event, Context())}}
except Exception as exc:
    outcome = {{"errorType": type(exc).__name__, "errorMessage": str(exc)[:500]}}
print({RESULT_MARK!r} + json.dumps(outcome, default=str), flush=True)
"""


# --- the environment SAM gives a function -----------------------------------------------------


def _declared_variables(template: Mapping[str, Any], logical_id: str) -> dict[str, Any]:
    globals_env = template.get("Globals", {}).get("Function", {}).get("Environment", {})
    own = template["Resources"][logical_id]["Properties"].get("Environment", {})
    return {**globals_env.get("Variables", {}), **own.get("Variables", {})}


def _template_value(value: Any, template: Mapping[str, Any]) -> str:
    """SAM's reading of a template value: parameters by their default (samconfig.toml's
    local_invoke overrides change only LogLevel here), a resource Ref by its logical ID,
    anything else it cannot resolve as ""."""
    if isinstance(value, dict) and set(value) == {"Ref"}:
        parameter = template.get("Parameters", {}).get(value["Ref"])
        return str(parameter.get("Default", "")) if parameter else str(value["Ref"])
    if isinstance(value, dict | list) or value is None:
        return ""
    return str(value)


def sam_environment(
    template: Mapping[str, Any], logical_id: str, env_file: Mapping[str, Any], endpoint: str
) -> tuple[dict[str, str], list[str]]:
    """(the container's environment, env-file variables the template does not declare).

    SAM sets only the variables the template declares; the undeclared ones are added here
    (AWS_ENDPOINT_URL is one: without it nothing reaches the emulator) and returned so that
    test_env_file_variables_are_declared_in_the_template can say which are missing."""
    properties = template["Resources"][logical_id]["Properties"]
    environment = {
        **SAM_AWS_VARIABLES,
        "AWS_LAMBDA_FUNCTION_NAME": logical_id,
        "AWS_LAMBDA_FUNCTION_HANDLER": properties["Handler"],
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(properties.get("MemorySize", 256)),
        "AWS_LAMBDA_FUNCTION_TIMEOUT": str(properties.get("Timeout", 30)),
    }
    overrides = {**env_file.get("Parameters", {}), **env_file.get(logical_id, {})}
    declared = _declared_variables(template, logical_id)
    for name, value in declared.items():
        environment[name] = (
            str(overrides[name]) if name in overrides else _template_value(value, template)
        )
    undeclared = sorted(set(overrides) - set(declared))
    for name in undeclared:
        environment[name] = str(overrides[name])
    environment["AWS_ENDPOINT_URL"] = endpoint
    # This machine's AWS configuration must not leak in (a container has none).
    environment["AWS_CONFIG_FILE"] = os.devnull
    environment["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    environment["AWS_EC2_METADATA_DISABLED"] = "true"
    environment["PYTHONDONTWRITEBYTECODE"] = "1"
    return environment, undeclared


# --- fixtures -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def local_stack(template: dict[str, Any]) -> Iterator[emulator.LocalStack]:
    with emulator.running(port=None, template=template) as stack:
        yield stack


@pytest.fixture(scope="module")
def env_file() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(ENV_FILE.read_text())
    return loaded


def invoke_like_sam(
    path: Path, template: dict[str, Any], env_file: dict[str, Any], endpoint: str
) -> dict[str, Any]:
    logical_id = path.parent.name
    environment, _ = sam_environment(template, logical_id, env_file, endpoint)
    handler = template["Resources"][logical_id]["Properties"]["Handler"]
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, handler, str(path)],
        cwd=SRC,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith(RESULT_MARK)]
    assert done.returncode == 0 and lines, (
        f"{path.name}: the interpreter failed (status {done.returncode})\n{done.stderr[-3000:]}"
    )
    outcome: dict[str, Any] = json.loads(lines[-1].removeprefix(RESULT_MARK))
    return outcome


# --- what each sample must do -----------------------------------------------------------------

Check = Callable[[dict[str, Any], emulator.LocalStack], None]


def returns(expected: Any) -> Check:
    def check(outcome: dict[str, Any], _stack: emulator.LocalStack) -> None:
        assert outcome.get("result") == expected, outcome

    return check


def batch_failures(count: int) -> Check:
    def check(outcome: dict[str, Any], _stack: emulator.LocalStack) -> None:
        assert "result" in outcome, outcome
        assert len(outcome["result"]["batchItemFailures"]) == count, outcome

    return check


def firehose_results(**counts: int) -> Check:
    def check(outcome: dict[str, Any], _stack: emulator.LocalStack) -> None:
        results = [r["result"] for r in outcome["result"]["records"]]
        assert {k: results.count(k) for k in set(results)} == counts, outcome

    return check


def http(status: int, body_contains: str = "") -> Check:
    def check(outcome: dict[str, Any], _stack: emulator.LocalStack) -> None:
        assert "result" in outcome, outcome
        assert outcome["result"]["statusCode"] == status, outcome
        assert body_contains in outcome["result"]["body"], outcome

    return check


def inbound_recorded(message_id: str, kind: str, applied: int | None = None) -> Check:
    """The handler reports one message recorded, and the emulator's InboundTable has it
    (with ``applied`` suppressions, when given: the signed samples prove their recipient)."""

    def check(outcome: dict[str, Any], stack: emulator.LocalStack) -> None:
        assert outcome.get("result") == {"recorded": 1}, outcome
        import boto3

        items = boto3.client("dynamodb").query(
            TableName=stack.tables["InboundTable"],
            KeyConditionExpression="message_id = :m",
            ExpressionAttributeValues={":m": {"S": message_id}},
            ConsistentRead=True,
        )["Items"]
        assert items, f"no InboundTable item for {message_id}"
        assert {i["kind"]["S"] for i in items} == {kind}, items
        if applied is not None:
            assert {int(i["suppressions_applied"]["N"]) for i in items} == {applied}, items

    return check


def unsubscribed(address: str) -> Check:
    """200, and the emulator's SuppressionTable holds the address, suppressed."""

    def check(outcome: dict[str, Any], stack: emulator.LocalStack) -> None:
        http(200, "Unsubscribed")(outcome, stack)
        import boto3

        item = boto3.client("dynamodb").get_item(
            TableName=stack.tables["SuppressionTable"],
            Key={"address": {"S": address}},
            ConsistentRead=True,
        )["Item"]
        assert item["state"]["S"] == "suppressed", item
        assert item["reason"]["S"] == "unsubscribe", item

    return check


def failed_records(*sequence_numbers: str) -> Check:
    def check(outcome: dict[str, Any], _stack: emulator.LocalStack) -> None:
        assert "result" in outcome, outcome
        failed = [f["itemIdentifier"] for f in outcome["result"]["batchItemFailures"]]
        assert failed == list(sequence_numbers), outcome

    return check


def sweep_completed() -> Check:
    def check(outcome: dict[str, Any], _stack: emulator.LocalStack) -> None:
        result = outcome.get("result")
        assert isinstance(result, dict), outcome
        assert result["failed"] == 0 and 0 <= result["materialised"] <= result["lapsed"], outcome

    return check


def raises(error_type: str, message_contains: str) -> Check:
    def check(outcome: dict[str, Any], _stack: emulator.LocalStack) -> None:
        assert outcome.get("errorType") == error_type, outcome
        assert message_contains in outcome["errorMessage"], outcome

    return check


EXPECTED: dict[str, Check] = {
    # The emulator holds no configuration set (nor SESv2's sending options): the function stops
    # at its first read, before changing anything; tests/unit (Stubber) cover pausing.
    "AutoPauseFunction/alarm-state-change-bounce-rate-pause.json": raises(
        "NotFoundException", "GetConfigurationSet"
    ),
    # moto has no SESv2 suppression-list API (404): the TTL removal of a lapsed hard bounce
    # (exported to SES, so DeleteSuppressedDestination comes first) is the one failed record;
    # the add and the lift (an allow over a soft-bounce escalation, never exported) publish.
    "ChangeEventsFunction/stream-add-lift-ttl-remove.json": failed_records(
        "111100000000000000000003"
    ),
    # Whatever the earlier samples left in the table: nothing fails.
    "ExpirySweepFunction/scheduled-event.json": sweep_completed(),
    "FeedbackFunction/sns-bounce-permanent.json": returns({"processed": 1}),
    "FeedbackFunction/sns-bounce-transient.json": returns({"processed": 1}),
    "FeedbackFunction/sns-complaint.json": returns({"processed": 1}),
    "FeedbackFunction/sns-delivery.json": returns({"processed": 1}),
    "FeedbackFunction/sns-subscription.json": returns({"processed": 1}),
    "FeedbackFunction/sns-topic-validation.json": returns({"processed": 1}),
    "FeedbackFunction/sqs-batch-with-malformed-record.json": batch_failures(1),
    "FeedbackFunction/sqs-bounce-permanent.json": batch_failures(0),
    "FeedbackFunction/sqs-mixed-batch-2.json": batch_failures(0),
    "FeedbackFunction/sqs-mixed-batch.json": batch_failures(0),
    "FirehoseTransformFunction/ses-events-with-malformed-and-non-ses-records.json": (
        firehose_results(Ok=3, Dropped=2, ProcessingFailed=1)
    ),
    "FirehoseTransformFunction/ses-events.json": firehose_results(Ok=10),
    # The sample names an object that is not in the bucket, on purpose: Lambda would retry
    # the event and then send it to the on-failure destination (`ses-feedback redrive`).
    "InboundFunction/s3-malformed-missing-object.json": raises(
        "InboundProcessingError", "could not be processed"
    ),
    "InboundFunction/s3-object-created-encoded-key.json": inbound_recorded(
        "dsn+0001", "dsn", applied=1
    ),
    "InboundFunction/s3-setup-notification.json": returns({"ignored": 1}),
    "InboundFunction/ses-lambda-action.json": inbound_recorded("human-0001", "human"),
    "InboundFunction/sns-s3-action-received.json": inbound_recorded("arf-0001", "arf", applied=1),
    # moto has no SESv2 suppression-list API (404); in AWS this sample runs the sync.
    "SesSyncFunction/scheduled-event.json": raises("ClientError", "ListSuppressedDestinations"),
    "SuppressionApiFunction/get-address.json": http(200, '"address"'),
    "SuppressionApiFunction/get-openapi.json": http(200, '"openapi"'),
    "SuppressionApiFunction/get-address-with-scope.json": http(200, '"scope":"newsletter:weekly"'),
    "SuppressionApiFunction/list-by-domain.json": http(200, '"items"'),
    "SuppressionApiFunction/list-by-reason-since.json": http(200, '"items"'),
    "SuppressionApiFunction/post-check-malformed-json.json": http(400, "not valid JSON"),
    "SuppressionApiFunction/post-check.json": http(200, '"results"'),
    # Tokens minted on 2026-11-30 with the public demo key; env.json gives local runs a
    # 3650-day link lifetime so the samples keep working (tests/one_click.py).
    "UnsubscribeFunction/get-confirmation-page.json": http(200, 'method="post"'),
    "UnsubscribeFunction/post-one-click.json": unsubscribed("jane.doe@example.com"),
    # Signed with a TEST-ONLY key on 2026-11-20 (events/WebhookFunction/README.md): outside
    # the test harness they are over an hour old, so the webhook refuses them before it
    # fetches any certificate. The malformed one is refused for its bad signature as well.
    "WebhookFunction/sns-https-malformed-unsigned-notification.json": http(403),
    "WebhookFunction/sns-https-notification-bounce.json": http(403, "too old"),
    "WebhookFunction/sns-https-subscription-confirmation.json": http(403, "too old"),
}


def _sample_id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def test_every_sample_has_an_expected_outcome():
    assert {_sample_id(p) for p in SAMPLES} == set(EXPECTED)


def test_env_file_names_every_function_and_the_emulator(template, env_file):
    functions = {
        name
        for name, res in template["Resources"].items()
        if res["Type"] == "AWS::Serverless::Function"
    }
    assert set(env_file) - {"Parameters"} == functions
    stack_names = local_env.local_table_names(template)
    buckets = local_env.local_bucket_names(template)
    for function in functions:
        values = {**env_file.get("Parameters", {}), **env_file[function]}
        assert values["AWS_ENDPOINT_URL"] == (
            f"http://{emulator.DOCKER_HOST_ALIAS}:{emulator.DEFAULT_PORT}"
        )
        assert values["SUPPRESSION_TABLE"] == stack_names["SuppressionTable"]
    assert env_file["InboundFunction"]["INBOUND_TABLE"] == stack_names["InboundTable"]
    assert env_file["InboundFunction"]["INBOUND_BUCKET"] == buckets["InboundBucket"]
    assert env_file["SesSyncFunction"]["SES_IMPORT_BUCKET"] == buckets["SesImportBucket"]


def test_env_file_variables_are_declared_in_the_template(template, env_file):
    undeclared = {
        function: sam_environment(template, function, env_file, "http://unused")[1]
        for function in set(env_file) - {"Parameters"}
    }
    assert {f: names for f, names in undeclared.items() if names} == {}


# (not named `path`: tests/contract/conftest.py prepares in-process stand-ins for that name)
@pytest.mark.parametrize("sample", SAMPLES, ids=_sample_id)
def test_sample_runs_as_sam_local_invoke_runs_it(sample, template, env_file, local_stack):
    outcome = invoke_like_sam(sample, template, env_file, local_stack.endpoint)
    EXPECTED[_sample_id(sample)](outcome, local_stack)
