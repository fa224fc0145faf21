"""``ses-feedback resume``: turn the configuration set's sending back on after a pause.

AutoPauseFunction (AutoPauseEnabled=true) disables sending when a pause-level reputation
alarm fires and tags the configuration set with the alarm and the time. This command shows
that record, enables sending and removes the tags. The set comes from the stack's
``ConfigurationSetName`` and ``ConfigurationSetArn`` outputs (--stack, default
ses-feedback-dev). Resuming a set that is sending changes nothing. Resume only after the
cause is fixed: the alarm that paused it will fire again otherwise.

Exit status: 0 when the set is sending (or, with --dry-run, would be); 1 when SES or
CloudFormation refused (one line on stderr).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from adapters.sending_control import SendingState

EXIT_OK = 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "resume",
        help="re-enable sending for the stack's configuration set after a pause",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--stack",
        default="ses-feedback-dev",
        help="stack whose ConfigurationSetName/ConfigurationSetArn outputs name the set",
    )
    p.add_argument("--dry-run", action="store_true", help="show what would change")
    p.add_argument(
        "--json",
        action="store_true",
        help="one JSON object: configuration_set, was_sending, paused_by, paused_at, resumed",
    )
    p.set_defaults(func=run)


def describe_pause(state: SendingState) -> str:
    if state.paused_by:
        return f"paused by alarm {state.paused_by} at {state.paused_at or 'an unrecorded time'}"
    return "paused (no auto-pause record: paused by hand or by SES)"


def run(args: argparse.Namespace, ses: Any = None, cloudformation: Any = None) -> int:
    from adapters.stack_outputs import StackLookupError, stack_outputs

    outputs = stack_outputs(args.stack, cloudformation)
    name, arn = outputs.get("ConfigurationSetName"), outputs.get("ConfigurationSetArn")
    if not name or not arn:
        raise StackLookupError(
            f"stack {args.stack!r} has no ConfigurationSetName/ConfigurationSetArn output"
        )
    from adapters import factory

    control = factory.sending_control_for(ses)
    state = control.state(name)
    resumed = not state.sending_enabled and not args.dry_run
    if resumed:
        control.resume(name, arn)
    if getattr(args, "json", False):
        row = {
            "configuration_set": name,
            "was_sending": state.sending_enabled,
            "paused_by": state.paused_by,
            "paused_at": state.paused_at,
            "resumed": resumed,
            "dry_run": args.dry_run,
        }
        print(json.dumps(row, sort_keys=True, default=str))
    elif state.sending_enabled:
        print(f"{name}: sending is enabled; nothing to resume")
    elif args.dry_run:
        print(f"{name}: {describe_pause(state)}; would enable sending")
    else:
        print(f"{name}: was {describe_pause(state)}; sending enabled")
    return EXIT_OK
