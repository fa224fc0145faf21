"""``ses-feedback activate-receipt-rules``: make the stack's receipt rule set the active one.

CloudFormation creates the rule set but cannot activate it, and an account has only one
active rule set per region. The rule set comes from --rule-set, else from the stack's
``InboundReceiptRuleSetName`` output (--stack, default ses-feedback-dev). The command shows
which rule set is active before; activating the one already active changes nothing.

Activating replaces the account's active rule set in this region: if another rule set is
active, its rules stop applying (the command names it; --dry-run changes nothing).

Exit status: 0 when the rule set is active, 2 when SES refused or the rule set is unknown.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

EXIT_OK = 0
EXIT_FAILED = 2
OUTPUT_KEY = "InboundReceiptRuleSetName"


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "activate-receipt-rules",
        help="activate the inbound receipt rule set (CloudFormation cannot)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--rule-set", metavar="NAME", help="receipt rule set to activate")
    p.add_argument(
        "--stack",
        default="ses-feedback-dev",
        help="stack whose InboundReceiptRuleSetName output names the rule set",
    )
    p.add_argument("--dry-run", action="store_true", help="show what would change")
    p.add_argument(
        "--json",
        action="store_true",
        help="one JSON object: rule_set, previous, changed, dry_run",
    )
    p.set_defaults(func=run)


def activate(client: Any, rule_set: str, *, dry_run: bool = False) -> tuple[str | None, bool]:
    """(previously active rule set or None, whether anything changed)."""
    current = client.describe_active_receipt_rule_set().get("Metadata", {}).get("Name")
    if current == rule_set:
        return current, False
    # Fails with RuleSetDoesNotExist for an unknown name, before anything changes.
    client.describe_receipt_rule_set(RuleSetName=rule_set)
    if not dry_run:
        client.set_active_receipt_rule_set(RuleSetName=rule_set)
    return current, True


def run(args: argparse.Namespace, client: Any = None) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    rule_set = args.rule_set
    if not rule_set:
        from adapters.stack_outputs import StackLookupError, stack_output

        try:
            rule_set = stack_output(args.stack, OUTPUT_KEY)
        except StackLookupError as exc:
            # The stack makes the rule set only when InboundRecipients is set (off by default).
            print(
                f"error: {exc} (was the stack deployed with InboundRecipients? or pass --rule-set)",
                file=sys.stderr,
            )
            return EXIT_FAILED
    if client is None:
        from adapters import factory

        client = factory.aws_client("ses")
    try:
        previous, changed = activate(client, rule_set, dry_run=args.dry_run)
    except (ClientError, BotoCoreError) as exc:
        print(f"error: cannot activate {rule_set!r}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if getattr(args, "json", False):
        row = {
            "rule_set": rule_set,
            "previous": previous,
            "changed": changed,
            "dry_run": args.dry_run,
        }
        print(json.dumps(row, sort_keys=True))
    elif not changed:
        print(f"{rule_set}: already the active receipt rule set")
    else:
        verb = "would replace" if args.dry_run else "replaced"
        was = f"{verb} {previous!r}" if previous else "no rule set was active"
        action = "would activate" if args.dry_run else "activated"
        print(f"{rule_set}: {action} ({was})")
    return EXIT_OK
