"""Finding the deployed table from the CloudFormation stack's outputs."""

from __future__ import annotations

from typing import Any


class StackLookupError(RuntimeError):
    """The stack or its output could not be read (the message says which)."""


def stack_output(stack_name: str, output_key: str, client: Any = None) -> str:
    outputs = stack_outputs(stack_name, client)
    if output_key in outputs:
        return outputs[output_key]
    raise StackLookupError(f"stack {stack_name!r} has no output {output_key!r}")


def stack_outputs(stack_name: str, client: Any = None) -> dict[str, str]:
    """Every output of the stack, by key (one DescribeStacks call)."""
    if client is None:
        import boto3

        client = boto3.client("cloudformation")
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        stacks = client.describe_stacks(StackName=stack_name)["Stacks"]
    except (ClientError, BotoCoreError) as exc:
        raise StackLookupError(f"cannot describe stack {stack_name!r}: {exc}") from exc
    outputs = stacks[0].get("Outputs", []) if stacks else []
    return {str(o["OutputKey"]): str(o["OutputValue"]) for o in outputs if "OutputKey" in o}
