"""``ses-feedback emulator``: a local AWS for `sam local invoke` and the CLI, until Ctrl-C.

Starts the embedded moto server (the one `ses-feedback demo` and the tests use), creates every
table of template.yaml from its own definition and every bucket, under the names a `dev` stack
gives them (ses-feedback-dev-suppression, ...), stores the messages the InboundFunction
samples name (events/InboundFunction/messages) where the receipt rule would have put them,
and prints the endpoint and the environment to use. events/env.json points each function at
this emulator on the default port, as seen from SAM's Docker containers.

State lives in memory and goes when the emulator stops. Needs the dev dependencies (moto).
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from cli import local_env

# events/env.json names this port (http://host.docker.internal:4599): change both together.
DEFAULT_PORT = 4599
DOCKER_HOST_ALIAS = "host.docker.internal"
STAGE = "dev"


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "emulator",
        help="run a local AWS emulator with the template's tables and buckets (for sam local)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port to listen on ({DEFAULT_PORT}, the one events/env.json names; 0: any free)",
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (127.0.0.1; 0.0.0.0 when Docker on Linux must reach it)",
    )
    p.add_argument(
        "--events",
        type=Path,
        default=local_env.repo_root() / "events",
        help="sample events folder whose inbound messages to store",
    )
    p.add_argument(
        "--once", action="store_true", help="set up, print, and stop (a check, and for tests)"
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="print what it holds as one JSON object (endpoint, tables, buckets, environment)",
    )
    p.set_defaults(func=run)


@dataclass
class LocalStack:
    """What the emulator holds, by template logical ID."""

    endpoint: str
    tables: dict[str, str] = field(default_factory=dict)
    buckets: dict[str, str] = field(default_factory=dict)
    inbound_prefix: str = ""
    inbound_keys: list[str] = field(default_factory=list)

    def cli_environment(self) -> dict[str, str]:
        """What a shell needs for `ses-feedback check ...` and the AWS CLI against it."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "SUPPRESSION_TABLE": self.tables["SuppressionTable"],
        }


def provision(template: Mapping[str, Any], events: Path, endpoint: str) -> LocalStack:
    """Create the tables and buckets (those already there are kept) and store the inbound
    sample messages. boto3 must already point at the emulator (AWS_ENDPOINT_URL)."""
    from adapters import factory

    stack = LocalStack(
        endpoint=endpoint,
        tables=local_env.local_table_names(template, STAGE),
        buckets=local_env.local_bucket_names(template, STAGE),
        inbound_prefix=_parameter_default(template, "InboundObjectPrefix"),
    )
    dynamodb = factory.aws_client("dynamodb")
    existing = set(dynamodb.list_tables()["TableNames"])
    missing = {k: v for k, v in stack.tables.items() if v not in existing}
    local_env.create_tables(dynamodb, missing, template)
    s3 = factory.aws_client("s3")
    local_env.ensure_buckets(s3, stack.buckets.values())
    if "InboundBucket" in stack.buckets:
        stack.inbound_keys = local_env.store_inbound_samples(
            s3, stack.buckets["InboundBucket"], stack.inbound_prefix, events
        )
    return stack


@contextmanager
def running(
    port: int | None = None,
    host: str = "127.0.0.1",
    events: Path | None = None,
    template: Mapping[str, Any] | None = None,
) -> Iterator[LocalStack]:
    """The emulator, provisioned, for as long as the block runs (port None: a free one)."""
    template = template or local_env.load_template()
    with local_env.embedded_aws(port, host) as endpoint:
        yield provision(template, events or local_env.repo_root() / "events", endpoint)


def describe(stack: LocalStack, host: str, port: int, out: TextIO) -> None:
    env = stack.cli_environment()
    tables = ", ".join(f"{k}={v}" for k, v in sorted(stack.tables.items()))
    buckets = ", ".join(f"{k}={v}" for k, v in sorted(stack.buckets.items()))
    lines = [
        f"AWS emulator (moto) at {stack.endpoint}, listening on {host}:{port}",
        f"  tables:  {tables}",
        f"  buckets: {buckets}",
        f"  inbound sample messages: {len(stack.inbound_keys)} stored under "
        f"s3://{stack.buckets.get('InboundBucket', '?')}/{stack.inbound_prefix}",
        "",
        "This shell (ses-feedback check/list, aws ...):",
        "  export " + " ".join(f"{k}={v}" for k, v in env.items()),
        "",
        "sam local invoke (functions run in Docker and reach the host by name):",
        "  sam local invoke InboundFunction -e events/InboundFunction/ses-lambda-action.json \\",
        "      --env-vars events/env.json",
        f"  events/env.json says AWS_ENDPOINT_URL=http://{DOCKER_HOST_ALIAS}:{DEFAULT_PORT}. On"
        " Linux also pass",
        f"  --add-host {DOCKER_HOST_ALIAS}:host-gateway and start the emulator with"
        " --host 0.0.0.0.",
    ]
    if port != DEFAULT_PORT:
        lines.append(
            f"  This emulator is on port {port}, not {DEFAULT_PORT}: edit AWS_ENDPOINT_URL in a "
            "copy of events/env.json."
        )
    lines.append("")
    print("\n".join(lines), file=out, flush=True)


def describe_json(stack: LocalStack, host: str, port: int) -> dict[str, Any]:
    return {
        "endpoint": stack.endpoint,
        "host": host,
        "port": port,
        "tables": dict(sorted(stack.tables.items())),
        "buckets": dict(sorted(stack.buckets.items())),
        "inbound_prefix": stack.inbound_prefix,
        "inbound_samples": len(stack.inbound_keys),
        "environment": stack.cli_environment(),
    }


def run(args: argparse.Namespace, stop: threading.Event | None = None) -> int:
    """Serve until Ctrl-C (or until `stop` is set; --once: not at all)."""
    port = args.port or local_env.free_port()
    with running(port, args.host, args.events) as stack:
        if getattr(args, "json", False):
            print(json.dumps(describe_json(stack, args.host, port), sort_keys=True), flush=True)
        else:
            describe(stack, args.host, port, sys.stdout)
        if args.once:
            return 0
        if not getattr(args, "json", False):  # stdout stays one JSON object
            print("Ctrl-C stops the emulator (its state goes with it).", flush=True)
        stop = stop or threading.Event()
        try:
            while not stop.wait(1.0):
                pass
        except KeyboardInterrupt:
            print("\nemulator stopped", file=sys.stderr)
    return 0


def _parameter_default(template: Mapping[str, Any], name: str) -> str:
    return str(template.get("Parameters", {}).get(name, {}).get("Default", ""))
