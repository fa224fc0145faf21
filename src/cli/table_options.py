"""Which suppression table a command works on: --table, else $SUPPRESSION_TABLE, else the
SuppressionTableName output of the stack named by --stack. Shared by every table command."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta

from adapters.settings import table_from_environment

DEFAULT_STACK = "ses-feedback-dev"


def add_table_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--table", help="table name (default: $SUPPRESSION_TABLE or stack)")
    parser.add_argument(
        "--stack",
        default=DEFAULT_STACK,
        help=f"stack whose SuppressionTableName output to use ({DEFAULT_STACK})",
    )


def resolve_table(args: argparse.Namespace) -> str:
    if args.table:
        return str(args.table)
    from_env = table_from_environment()
    if from_env:
        return from_env
    from adapters.stack_outputs import stack_output

    return stack_output(args.stack, "SuppressionTableName")


def parse_when(text: str) -> datetime:
    """ISO 8601 (UTC when no zone is given), or an age such as 7d, 12h, 30m ("that long ago")."""
    units = {"d": "days", "h": "hours", "m": "minutes"}
    if text and text[-1] in units and text[:-1].replace(".", "", 1).isdigit():
        return datetime.now(UTC) - timedelta(**{units[text[-1]]: float(text[:-1])})
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not an ISO 8601 time or an age like 7d/12h: {text!r}"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
