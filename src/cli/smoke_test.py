"""``ses-feedback smoke-test``: after a deploy, prove that feedback reaches the table.

Sends one message through the stack's configuration set to each SES mailbox-simulator
address (success, bounce, complaint, suppressionlist, ooto; the simulator works in the
sandbox and its sends do not count against the reputation rates), each with a label unique
to this run, then reads the suppression table until every expected outcome has arrived or
--timeout passes, with a progress line on stderr. The report names what did not arrive and
where to look.

The stack's ConfigurationSetName and SuppressionTableName outputs name the set and table
(--stack, default ses-feedback-dev). The sender is --from, else smoke-test@ the stack's
SendingIdentityName; it must be a verified identity.

Exit status: 0 when every outcome arrived, 2 when one did not or the stack lacks an output,
1 when SES or CloudFormation refused a call (one line on stderr).

The simulator addresses get items in the table like any other recipient (a bounce+label
address is suppressed); they are harmless there, and each run uses new ones.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.smoke_test import Observed, Probe, ProbeResult, simulator_probes, wait_for_outcomes

EXIT_OK = 0
EXIT_FAILED = 2
TAG = "ses-feedback-smoke-test"

WHERE_TO_LOOK = (
    "the configuration set's event destinations (ses-feedback doctor), the FeedbackQueue "
    "and its DLQ, and FeedbackFunction's log"
)


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "smoke-test",
        help="send to SES's mailbox simulator and wait for each outcome in the table",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--stack", default="ses-feedback-dev", help="the deployed stack's name")
    p.add_argument("--from", dest="sender", metavar="ADDRESS", help="verified sender address")
    p.add_argument("--timeout", type=int, default=600, metavar="SECONDS", help="default 600")
    p.add_argument("--interval", type=int, default=10, metavar="SECONDS", help="default 10")
    p.add_argument(
        "--json",
        action="store_true",
        help='one JSON object per expected outcome, then {"summary": ...}',
    )
    p.set_defaults(func=run)


def send_probes(
    sesv2: Any, probes: Sequence[Probe], sender: str, configuration_set: str, label: str
) -> None:
    for probe in probes:
        sesv2.send_email(
            FromEmailAddress=sender,
            Destination={"ToAddresses": [probe.address]},
            Content={
                "Simple": {
                    "Subject": {"Data": f"ses-feedback smoke test {label} ({probe.kind})"},
                    "Body": {"Text": {"Data": f"Expected: {probe.expect}."}},
                }
            },
            ConfigurationSetName=configuration_set,
            EmailTags=[{"Name": TAG, "Value": label}],
        )


def table_reader(client: Any) -> Callable[[Sequence[str]], Mapping[str, Observed]]:
    """Adapts SuppressionClient.check_many (expiry applied) to what the wait reads."""

    def read(addresses: Sequence[str]) -> Mapping[str, Observed]:
        found = client.check_many(addresses)
        return {
            address: Observed(status.state, status.reason, status.category, status.suppressed)
            for address, status in found.items()
        }

    return read


def report(results: Sequence[ProbeResult]) -> str:
    lines = []
    for result in results:
        probe, seen = result.probe, result.seen
        if result.passed:
            when = f" after {result.after.total_seconds():.0f}s" if result.after else ""
            lines.append(f"OK       {probe.kind}: {probe.expect}{when}")
            continue
        found = (
            "no item"
            if seen.state is None
            else f"state {seen.state}, reason {seen.reason}, category {seen.category}"
        )
        lines.append(f"MISSING  {probe.kind}: expected {probe.expect}; table has {found}")
        lines.append(f"         address {probe.address}; look at {WHERE_TO_LOOK}")
    passed = sum(r.passed for r in results)
    lines.append(f"{passed} of {len(results)} outcomes as expected")
    return "\n".join(lines)


def report_json(results: Sequence[ProbeResult], label: str) -> list[dict[str, Any]]:
    """The report for scripts: one object per probe (the simulator addresses are SES's own,
    not personal data), then a summary."""
    rows: list[dict[str, Any]] = []
    for result in results:
        seen = result.seen
        rows.append(
            {
                "kind": result.probe.kind,
                "address": result.probe.address,
                "expected": result.probe.expect,
                "passed": result.passed,
                "after_seconds": round(result.after.total_seconds()) if result.after else None,
                "state": seen.state,
                "reason": seen.reason,
                "category": seen.category,
                "suppressed": seen.suppressed,
            }
        )
    passed = sum(r.passed for r in results)
    rows.append({"summary": {"label": label, "passed": passed, "expected": len(results)}})
    return rows


def _progress(done: int, total: int, elapsed: timedelta) -> None:
    print(
        f"\rwaiting: {done}/{total} outcomes in the table, {elapsed.total_seconds():.0f}s",
        end="",
        file=sys.stderr,
        flush=True,
    )


def run(
    args: argparse.Namespace,
    sesv2: Any = None,
    table: Any = None,
    cloudformation: Any = None,
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    from adapters.stack_outputs import stack_outputs

    outputs = stack_outputs(args.stack, cloudformation)
    configuration_set = outputs.get("ConfigurationSetName")
    table_name = outputs.get("SuppressionTableName")
    sender = args.sender or (
        f"smoke-test@{outputs['SendingIdentityName']}" if "SendingIdentityName" in outputs else None
    )
    if not configuration_set or not table_name:
        print(
            f"error: stack {args.stack!r} lacks ConfigurationSetName or SuppressionTableName",
            file=sys.stderr,
        )
        return EXIT_FAILED
    if not sender:
        print("error: give --from ADDRESS (a verified sender)", file=sys.stderr)
        return EXIT_FAILED
    if sesv2 is None or table is None:
        from adapters import factory

        sesv2 = sesv2 if sesv2 is not None else factory.aws_client("sesv2")
        table = table if table is not None else factory.suppression_client_for(table_name)
    label = clock().strftime("%Y%m%dt%H%M%S")
    probes = simulator_probes(label)
    send_probes(sesv2, probes, sender, configuration_set, label)
    print(
        f"sent {len(probes)} messages through {configuration_set} (label {label})", file=sys.stderr
    )
    results = wait_for_outcomes(
        probes,
        table_reader(table),
        clock=clock,
        sleep=sleep,
        timeout=timedelta(seconds=args.timeout),
        interval=timedelta(seconds=args.interval),
        progress=_progress,
    )
    print(file=sys.stderr)
    if getattr(args, "json", False):
        for row in report_json(results, label):
            print(json.dumps(row, sort_keys=True))
    else:
        print(report(results))
    return EXIT_OK if all(r.passed for r in results) else EXIT_FAILED
