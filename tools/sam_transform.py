"""Write template.yaml as the CloudFormation JSON the SAM transform makes of it.

`sam validate` checks the transform but does not write it; checkov and the template tests
want the generated roles, permissions and event source mappings. Run it with the SAM
virtualenv's interpreter (it needs aws-sam-translator, which the project venv lacks):

    .sam-venv/bin/python tools/sam_transform.py -o .aws-sam/transformed.json \
        [--param TracingMode=Active ...]

Parameters not given take their template defaults, as CloudFormation would. Nothing here
calls AWS: the managed-policy map the translator asks for is empty because the template
names no AWS managed policy (policy templates and inline statements only).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

ROOT = Path(__file__).resolve().parent.parent


class NoManagedPolicies:
    """Stands in for samtranslator's ManagedPolicyLoader, which would call IAM."""

    def load(self) -> dict[str, str]:
        return {}


def parse_params(pairs: list[str]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise SystemExit(f"--param wants Key=Value, got {pair!r}")
        params[key] = value
    return params


def with_placeholder_code(sam_template: dict[str, Any]) -> dict[str, Any]:
    """Local CodeUri (function) and ContentUri (layer) paths become an S3 placeholder, as
    `sam validate` does before it transforms: the translator accepts only S3 locations, and
    the code is not inspected."""
    placeholder = "s3://bucket/value"
    function_globals = sam_template.get("Globals", {}).get("Function", {})
    if isinstance(function_globals.get("CodeUri"), str):
        function_globals["CodeUri"] = placeholder
    for resource in sam_template.get("Resources", {}).values():
        props = resource.get("Properties") or {}
        if resource.get("Type") == "AWS::Serverless::Function" and isinstance(
            props.get("CodeUri"), str
        ):
            props["CodeUri"] = placeholder
        if resource.get("Type") == "AWS::Serverless::LayerVersion" and isinstance(
            props.get("ContentUri"), str
        ):
            props["ContentUri"] = placeholder
    return sam_template


def transformed(template_path: Path, params: dict[str, Any]) -> dict[str, Any]:
    sam_template = with_placeholder_code(yaml_parse(template_path.read_text()))
    result: dict[str, Any] = transform(sam_template, params, NoManagedPolicies())  # type: ignore[arg-type]
    return result


def main(argv: list[str] | None = None) -> int:
    # The translator fills AWS::Region into the ARNs it builds; any region does for checks.
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-t", "--template", type=Path, default=ROOT / "template.yaml")
    parser.add_argument("-o", "--output", type=Path, help="JSON file (default: stdout)")
    parser.add_argument("--param", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args(argv)
    text = json.dumps(transformed(args.template, parse_params(args.param)), indent=1)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text + "\n")
    else:
        sys.stdout.write(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
