"""How the stack is built and deployed: one dependency layer pinned to what the
tests run with, function packages built from src/ by src/Makefile, samconfig.toml defaults,
and the parameter groups `sam deploy` users see. The build itself: tests/packaging."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import ROOT

LAYER = "DependencyLayer"
CODE_LAYER = "AppCodeLayer"
#: The Lambda environment the layer is built for (markers of transitive requirements).
LAMBDA_MARKERS = {
    "python_version": "3.13",
    "python_full_version": "3.13.0",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "aarch64",
    "os_name": "posix",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "extra": "",
}


def pins(path) -> dict[str, str]:
    found = {}
    for text in path.read_text().splitlines():
        line = text.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            name, sep, version = line.partition("==")
            assert sep, f"{path.name}: {line!r} is not pinned with =="
            found[canonicalize_name(name)] = version.strip()
    return found


LAYER_PINS = pins(ROOT / "layer" / "requirements.txt")
CONSTRAINTS = pins(ROOT / "constraints.txt")


def functions(template):
    return {
        n: r for n, r in template["Resources"].items() if r["Type"] == "AWS::Serverless::Function"
    }


# --- the layer and the function packages ---------------------------------------------------


def test_every_function_uses_the_layer_and_builds_only_its_code(template):
    globals_ = template["Globals"]["Function"]
    assert globals_["Layers"] == [{"Ref": LAYER}, {"Ref": CODE_LAYER}]
    assert globals_["CodeUri"] == "src/"
    for name, function in functions(template).items():
        assert "Layers" not in function["Properties"], f"{name} replaces the global Layers"
        assert "CodeUri" not in function["Properties"], f"{name} has its own CodeUri"
        # Without it SAM's Python builder would copy all of src/, the CLI included.
        assert function.get("Metadata", {}).get("BuildMethod") == "makefile", name
    targets = (ROOT / "src" / "Makefile").read_text()
    assert re.search(r"^build-%:", targets, re.MULTILINE), "src/Makefile builds every function"
    assert re.search(rf"^build-{CODE_LAYER}:", targets, re.MULTILINE), "and the code layer"


def test_the_code_layer_holds_the_shared_packages_for_any_architecture(template):
    """domain/ and adapters/ are pure Python: one layer serves both architectures, and each
    function's package keeps only its entry points (handlers/)."""
    layer = template["Resources"][CODE_LAYER]
    runtime = template["Globals"]["Function"]["Runtime"]
    assert layer["Metadata"] == {"BuildMethod": "makefile"}
    assert layer["Properties"]["ContentUri"] == "src/"
    assert layer["Properties"]["CompatibleRuntimes"] == [runtime]
    assert sorted(layer["Properties"]["CompatibleArchitectures"]) == ["arm64", "x86_64"]
    makefile = (ROOT / "src" / "Makefile").read_text()
    assert re.search(r"^SHARED_PACKAGES := domain adapters$", makefile, re.MULTILINE)
    assert re.search(r"^FUNCTION_PACKAGES := handlers$", makefile, re.MULTILINE)


def test_the_layer_is_built_for_the_functions_runtime_and_architecture(template):
    layer = template["Resources"][LAYER]
    runtime = template["Globals"]["Function"]["Runtime"]
    [architecture] = template["Globals"]["Function"]["Architectures"]
    # layer/Makefile installs the pinned wheels and compiles them (docs/decisions.md)
    assert layer["Metadata"] == {"BuildMethod": "makefile", "BuildArchitecture": architecture}
    assert layer["Properties"]["CompatibleRuntimes"] == [runtime]
    assert layer["Properties"]["CompatibleArchitectures"] == [architecture]
    assert layer["Properties"]["ContentUri"] == "layer/"
    assert sorted(p.name for p in (ROOT / "layer").iterdir()) == ["Makefile", "requirements.txt"]
    makefile = (ROOT / "layer" / "Makefile").read_text()
    version = runtime.removeprefix("python")
    assert f"--python-version {version}" in makefile
    assert f"PYTHON_RUNTIME ?= {runtime}" in makefile
    assert "-r requirements.txt" in makefile
    assert f"LAYER_ARCHITECTURE ?= {architecture}" in makefile


def test_packages_ship_bytecode_compiled_by_the_runtime_interpreter(template):
    """Lambda cannot write __pycache__, so the packages carry it, compiled by the runtime's
    own Python (the .pyc magic number is per version) and valid without source timestamps."""
    runtime = template["Globals"]["Function"]["Runtime"]
    for makefile in (ROOT / "layer" / "Makefile", ROOT / "src" / "Makefile"):
        text = makefile.read_text()
        assert f"PYTHON_RUNTIME ?= {runtime}" in text, makefile
        assert "$(PYTHON_RUNTIME) -m compileall" in text, makefile
        assert "--invalidation-mode unchecked-hash" in text, makefile


def test_layer_pins_are_the_versions_the_tests_run_with():
    differing = {
        n: (v, CONSTRAINTS.get(n)) for n, v in LAYER_PINS.items() if CONSTRAINTS.get(n) != v
    }
    assert differing == {}, "layer/requirements.txt and constraints.txt disagree"


def test_layer_holds_every_runtime_dependency_and_nothing_else():
    """The project's dependencies (pyproject) and all they require in Lambda, pinned."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    wanted = [Requirement(r) for r in pyproject["project"]["dependencies"]]
    needed: set[str] = set()
    while wanted:
        requirement = wanted.pop()
        name = canonicalize_name(requirement.name)
        if name in needed:
            continue
        needed.add(name)
        for spec in metadata.requires(name) or []:
            dependency = Requirement(spec)
            if dependency.marker is None or dependency.marker.evaluate(LAMBDA_MARKERS):
                wanted.append(dependency)
    assert set(LAYER_PINS) == needed


def test_boto3_and_botocore_are_packaged_as_a_pair():
    """Both in the layer, and the pinned botocore is the one the pinned boto3 accepts."""
    assert {"boto3", "botocore"} <= set(LAYER_PINS)
    requires = [Requirement(r) for r in metadata.requires("boto3") or []]
    [spec] = [r for r in requires if r.name == "botocore" and r.marker is None]
    assert spec.specifier.contains(LAYER_PINS["botocore"])
    assert metadata.version("boto3") == LAYER_PINS["boto3"]


# --- samconfig.toml ---------------------------------------------------------------------------

SAMCONFIG = tomllib.loads((ROOT / "samconfig.toml").read_text())
IAM_NAME_PROPERTIES = {
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::IAM::User": "UserName",
    "AWS::IAM::Group": "GroupName",
    "AWS::IAM::InstanceProfile": "InstanceProfileName",
}


@pytest.mark.parametrize("environment", ["default", "prod"])
def test_deploy_takes_the_region_from_the_aws_configuration(environment):
    for command, parameters in SAMCONFIG[environment].items():
        assert "region" not in parameters, f"[{environment}.{command}] sets a region"


@pytest.mark.parametrize("environment", ["default", "prod"])
def test_deploy_asks_only_for_the_capabilities_the_template_needs(template, environment):
    named = [
        name
        for name, res in template["Resources"].items()
        if IAM_NAME_PROPERTIES.get(res["Type"]) in (res.get("Properties") or {})
    ]
    wanted = {"CAPABILITY_IAM"} | ({"CAPABILITY_NAMED_IAM"} if named else set())
    capabilities = SAMCONFIG[environment]["deploy"]["parameters"]["capabilities"]
    assert set(capabilities.split()) == wanted, f"IAM resources with explicit names: {named}"


# --- the parameters as `sam deploy --guided` and the console present them ------------------


def test_every_parameter_is_described_grouped_and_labelled(template):
    parameters = template["Parameters"]
    interface = template["Metadata"]["AWS::CloudFormation::Interface"]
    grouped = [p for group in interface["ParameterGroups"] for p in group["Parameters"]]
    assert sorted(grouped) == sorted(parameters), "each parameter in exactly one group"
    assert set(interface["ParameterLabels"]) == set(parameters)
    undescribed = [name for name, p in parameters.items() if not p.get("Description")]
    assert undescribed == []
