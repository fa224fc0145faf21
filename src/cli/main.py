"""`ses-feedback`: the operator's command line. Each subcommand lives in its own module."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# One module per subcommand group; each exposes add_parser(subparsers) and sets `func`.
SUBCOMMAND_MODULES = [
    "cli.demo",
    "cli.classify",
    "cli.suppression",
    "cli.reclassify",
    "cli.notifications",
    "cli.replay",
    "cli.receipt_rules",
    "cli.return_path",
    "cli.unsubscribe_headers",
    "cli.redrive",
    "cli.emulator",
    "cli.resume",
    "cli.doctor",
    "cli.smoke_test",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ses-feedback",
        description="Amazon SES feedback: classify bounces, run the pipeline, inspect the "
        "suppression table.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for module_name in SUBCOMMAND_MODULES:
        importlib.import_module(module_name).add_parser(sub)
    return parser


def _operator_errors() -> tuple[type[BaseException], ...]:
    """Failures an operator can fix (configuration, credentials, AWS refusals): one line on
    stderr and exit status 1, not a traceback."""
    from botocore.exceptions import BotoCoreError, ClientError

    from adapters.settings import ConfigurationError
    from adapters.stack_outputs import StackLookupError

    return (BotoCoreError, ClientError, ConfigurationError, StackLookupError)


OperatorError = _operator_errors()


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except KeyboardInterrupt:
        return 130
    except OperatorError as exc:
        print(f"ses-feedback: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `ses-feedback ... | head` is normal use
        sys.stderr.close()
        return 0
    return code


if __name__ == "__main__":
    raise SystemExit(main())
