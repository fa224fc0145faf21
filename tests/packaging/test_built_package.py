"""The packaging test: what `sam build` produced runs with nothing else.

For every function template.yaml names, in a fresh interpreter of the function's runtime
version (`-I -S`: no site-packages, no PYTHONPATH), with only that function's package and the
layer's python/ directory on the path: import the handler and handle one sample event from
events/<FunctionLogicalId>/ against the embedded emulator. A dependency missing from
layer/requirements.txt, or handler code importing the CLI, tests or anything else not in the
package, fails here.

It needs a build: `make package-test` (part of `make test`) builds for this machine's
architecture and sets SES_FEEDBACK_BUILD_DIR and SES_FEEDBACK_RUNTIME_PYTHON; without them
the tests skip.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cli import local_env
from tests.conftest import EVENTS, ROOT

RUNNER = Path(__file__).with_name("isolated_invoke.py")
#: What a function's package may hold: its entry points, nothing else; the code layer holds
#: the shared packages of src/ (src/Makefile).
RUNTIME_PACKAGES = {"handlers"}
SHARED_PACKAGES = {"domain", "adapters"}
pytestmark = pytest.mark.packaging


def build_dir() -> Path:
    value = os.environ.get("SES_FEEDBACK_BUILD_DIR")
    if not value:
        pytest.skip(
            "no build to test: run `make package-test` (it builds and sets SES_FEEDBACK_BUILD_DIR)"
        )
    path = (ROOT / value).resolve()
    if not (path / "template.yaml").exists():
        pytest.fail(f"SES_FEEDBACK_BUILD_DIR={value} holds no built template.yaml")
    return path


def runtime_python(runtime: str) -> str:
    """The interpreter of the template's runtime (python3.13): the one sam build used (set by
    the Makefile), else the first on PATH; skip, saying why, if there is none."""
    wanted = re.fullmatch(r"python(\d+\.\d+)", runtime)
    assert wanted, f"not a Python runtime: {runtime}"
    found = os.environ.get("SES_FEEDBACK_RUNTIME_PYTHON") or shutil.which(runtime)
    if not found:
        pytest.skip(f"no {runtime} interpreter found (set SES_FEEDBACK_RUNTIME_PYTHON)")
    version = subprocess.run(
        [found, "-I", "-S", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert version == wanted.group(1), f"{found} is Python {version}, the runtime is {runtime}"
    return found


@pytest.fixture(scope="module")
def built() -> dict[str, Any]:
    return local_env.load_template(build_dir() / "template.yaml")


def functions_of(template: dict[str, Any]) -> list[str]:
    return sorted(
        name
        for name, res in template["Resources"].items()
        if res["Type"] == "AWS::Serverless::Function"
    )


FUNCTIONS = functions_of(local_env.load_template())


def sample_for(function: str) -> Path:
    """The first sample (sorted) that is not a "malformed" one, so the success path runs (the
    contract tests run every sample, in the dev environment)."""
    samples = sorted(p for p in (EVENTS / function).glob("*.json") if "malformed" not in p.name)
    assert samples, f"events/{function}/ has no sample"
    return samples[0]


def layer_dirs(built: dict[str, Any], function: str) -> list[Path]:
    props = built["Resources"][function]["Properties"]
    layers = props.get("Layers", built.get("Globals", {}).get("Function", {}).get("Layers", []))
    dirs = []
    for layer in layers:
        assert isinstance(layer, dict) and "Ref" in layer, f"{function}: not a layer of this stack"
        content = built["Resources"][layer["Ref"]]["Properties"]["ContentUri"]
        dirs.append(build_dir() / content / "python")
    return dirs


def test_the_build_has_every_function_of_the_template(built):
    assert functions_of(built) == FUNCTIONS


@pytest.mark.parametrize("function", FUNCTIONS)
def test_package_holds_only_the_runtime_code(built, function):
    package = build_dir() / built["Resources"][function]["Properties"]["CodeUri"]
    assert {p.name for p in package.iterdir()} == RUNTIME_PACKAGES
    # Bytecode is shipped (src/Makefile): exactly one runtime-version .pyc per source file,
    # compiled from the packaged source (nothing from the development tree's caches).
    runtime = built["Globals"]["Function"]["Runtime"]  # python3.13 -> cpython-313
    tag = "cpython-" + runtime.removeprefix("python").replace(".", "")
    sources = {p.relative_to(package).with_suffix("") for p in package.rglob("*.py")}
    compiled = {
        (p.parent.parent / p.name.removesuffix(f".{tag}.pyc")).relative_to(package)
        for p in package.rglob("__pycache__/*.pyc")
    }
    strays = [p for p in package.rglob("__pycache__/*") if not p.name.endswith(f".{tag}.pyc")]
    assert compiled == sources, "every packaged source has its bytecode, and only those"
    assert strays == [], "bytecode for another interpreter was packaged"


def test_code_layer_holds_the_shared_packages_with_their_bytecode(built):
    layer = build_dir() / built["Resources"]["AppCodeLayer"]["Properties"]["ContentUri"]
    assert {p.name for p in layer.iterdir()} == {"python"}
    code = layer / "python"
    assert {p.name for p in code.iterdir()} == SHARED_PACKAGES
    runtime = built["Globals"]["Function"]["Runtime"]
    tag = "cpython-" + runtime.removeprefix("python").replace(".", "")
    sources = {p.relative_to(code).with_suffix("") for p in code.rglob("*.py")}
    compiled = {
        (p.parent.parent / p.name.removesuffix(f".{tag}.pyc")).relative_to(code)
        for p in code.rglob("__pycache__/*.pyc")
    }
    assert sources and compiled == sources


def prepare(function: str, event: dict[str, Any], request: pytest.FixtureRequest) -> dict:
    """Emulator state and fakes for one function's sample; returns the fakes for the runner."""
    request.getfixturevalue("suppression_table")
    if function == "InboundFunction":
        env = request.getfixturevalue("inbound_env")
        for key in local_env.inbound_object_keys(event, env.prefix):
            env.upload(key.removeprefix(env.prefix))
    if function == "SesSyncFunction":  # the emulator has no SESv2 suppression-list API
        return {"ses_list": True}
    if function == "ChangeEventsFunction":  # its marks table; EventBridge is the emulator's
        import boto3

        table = request.getfixturevalue("suppression_table")
        marks = f"{table}-published-events"
        local_env.create_tables(
            boto3.client("dynamodb"), {"PublishedEventsTable": marks}, local_env.load_template()
        )
        request.getfixturevalue("monkeypatch").setenv("PUBLISHED_EVENTS_TABLE", marks)
        return {"ses_list": True}  # nor SESv2's DeleteSuppressedDestination
    if function == "AutoPauseFunction":  # its settings, as the contract test sets them
        monkeypatch = request.getfixturevalue("monkeypatch")
        cset = "ses-feedback-dev"
        monkeypatch.setenv("AUTO_PAUSE_CONFIGURATION_SET", cset)
        monkeypatch.setenv(
            "AUTO_PAUSE_CONFIGURATION_SET_ARN",
            f"arn:aws:ses:us-east-1:123456789012:configuration-set/{cset}",
        )
        monkeypatch.setenv("AUTO_PAUSE_ALARMS", f"{cset}-bounce-rate-pause")
        return {"sending_control": True}
    if function == "UnsubscribeFunction":  # sample tokens: the public demo key, 2026-11-30
        from tests.conftest import SAMPLE_RETURN_PATH_KEY

        monkeypatch = request.getfixturevalue("monkeypatch")
        monkeypatch.setenv("RETURN_PATH_KEYS", SAMPLE_RETURN_PATH_KEY)
        monkeypatch.setenv("UNSUBSCRIBE_TOKEN_LIFETIME_DAYS", "3650")
        return {}
    if function == "WebhookFunction":  # samples are signed with a TEST-ONLY certificate
        from tests.sns_signing import CERT_URL, TEST_CERT_PATH, TOPIC_ARN, sample_bodies_time

        request.getfixturevalue("monkeypatch").setenv("WEBHOOK_ALLOWED_TOPIC_ARNS", TOPIC_ARN)
        sent_at = sample_bodies_time(event)
        assert sent_at, "the webhook sample has no Timestamp"
        pem = TEST_CERT_PATH.read_text()
        return {"sns_certificate": {"url": CERT_URL, "pem": pem, "now": sent_at.isoformat()}}
    return {}


def assert_handled(function: str, event: dict[str, Any], response: Any) -> None:
    """The same success criteria as the contract tests, per kind of trigger."""
    if isinstance(response, dict) and "statusCode" in response:  # HTTP API / Function URL
        assert 200 <= response["statusCode"] < 300, response
    elif "records" in event:  # Firehose transformation
        assert [r["result"] for r in response["records"]] == ["Ok"] * len(event["records"])
    elif function == "SesSyncFunction":
        assert set(response) >= {"imported", "exported"}, response
    else:  # SQS batches report failures; direct invocations return nothing
        assert (response or {}).get("batchItemFailures", []) == [], response


@pytest.mark.parametrize("function", FUNCTIONS)
def test_handler_runs_from_its_package_and_the_layer_alone(
    built, function, request, tmp_path, aws_endpoint
):
    props = built["Resources"][function]["Properties"]
    runtime = props.get("Runtime") or built["Globals"]["Function"]["Runtime"]
    python = runtime_python(runtime)
    package = build_dir() / props["CodeUri"]
    layers = layer_dirs(built, function)
    assert layers, f"{function} has no layer"
    sample = sample_for(function)
    event = json.loads(sample.read_text())
    fakes = prepare(function, event, request)
    job = tmp_path / "job.json"
    result_file = tmp_path / "result.json"
    job.write_text(
        json.dumps(
            {
                "paths": [str(package), *map(str, layers)],
                "handler": props["Handler"],
                "event": event,
                "fakes": fakes,
            }
        )
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    run = subprocess.run(
        [python, "-B", "-I", "-S", str(RUNNER), str(job), str(result_file)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(result_file.read_text())
    assert result["error"] is None, f"{function} on {sample.name}:\n{result['error']}"
    assert_handled(function, event, result["response"])
    assert result["strays"] == [], "modules loaded from outside the package and the layer"
    # boto3 and botocore, when loaded, come from the layer together (docs/decisions.md)
    for sdk in ("boto3", "botocore"):
        if result[sdk].get("loaded", True):
            assert any(Path(result[sdk]["file"]).is_relative_to(d) for d in layers), result[sdk]
    print(
        f"{function}: {sample.name} handled; python {result['python'].split()[0]}", file=sys.stderr
    )
