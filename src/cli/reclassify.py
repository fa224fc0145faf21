"""`ses-feedback reclassify`: invalid-address suppressions the current rules would not make.

    ses-feedback reclassify [--table T | --stack S] [--json]

Reads every suppression in force whose category is invalid-address, classifies its stored
evidence again, and prints those the current classifier reads otherwise (a filter's "user
unknown", a sender-side refusal). Nothing is changed: lift the ones you agree with with
`ses-feedback unsuppress ADDRESS --reason "reclassified"`, after which new bounces of the
address count as what they are (soft ones towards escalation).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime

from cli.table_options import add_table_options, resolve_table


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "reclassify",
        help="list invalid-address suppressions the current classifier would not make",
    )
    add_table_options(p)
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from adapters import factory
    from domain.reclassify import reclassify_items
    from domain.times import iso

    client = factory.suppression_client_for(resolve_table(args))
    report = reclassify_items(client.items(suppressed_only=True), datetime.now(UTC))
    read, changed = report.read, report.changed
    for r in changed:
        row = {
            "address": r.address,
            "stored_reason": r.stored_reason,
            "reason": r.reason,
            "verdict": r.verdict.value,
            "status": r.status,
            "diagnostic": r.diagnostic,
            "evidence_at": iso(r.evidence_at),
            "suppressed_at": iso(r.suppressed_at) if r.suppressed_at else None,
        }
        if args.json:
            print(json.dumps(row, sort_keys=True))
        else:
            print(
                f"{r.address}  {r.stored_reason} -> {r.reason} ({r.verdict.value})  "
                f"{(r.diagnostic or '')[:80]}"
            )
    summary = f"{read} invalid-address suppressions read; {len(changed)} read otherwise now"
    if args.json:
        print(summary, file=sys.stderr)  # stdout stays one JSON object per line
        return 0
    print(summary)
    if changed:
        print('lift one with: ses-feedback unsuppress ADDRESS --reason "reclassified"')
    return 0
