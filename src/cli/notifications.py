"""``ses-feedback setup-notifications``: SES identity feedback notifications to SNS.

CloudFormation cannot set an identity's Bounce/Complaint/Delivery topics, so this command
does it with the SES API. It reads the current settings first and only changes what differs,
so running it again changes nothing; it prints each setting with its old and new value.
Headers (the original message headers in each notification) are turned on for every type it
sets a topic for, unless --no-headers.

Exit status: 0 when the identity is configured as asked, 1 when SES refused (one line on
stderr), 2 when no topic is given.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from typing import Any, Literal

EXIT_OK = 0
EXIT_FAILED = 1  # SES refused, or the identity is not this account's (one line on stderr)
EXIT_USAGE = 2


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "setup-notifications",
        help="point an SES identity's bounce/complaint/delivery notifications at SNS",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--identity", required=True, help="verified domain or email address")
    p.add_argument("--topic", help="SNS topic ARN for every type not given its own topic")
    p.add_argument("--topic-bounce", metavar="ARN")
    p.add_argument("--topic-complaint", metavar="ARN")
    p.add_argument("--topic-delivery", metavar="ARN")
    p.add_argument(
        "--no-delivery",
        action="store_true",
        help="leave Delivery notifications as they are (they are by far the most numerous)",
    )
    p.add_argument("--no-headers", action="store_true", help="do not include original headers")
    p.add_argument("--dry-run", action="store_true", help="show the changes without making them")
    p.add_argument(
        "--json",
        action="store_true",
        help='one JSON object per setting, then {"summary": ...}',
    )
    p.set_defaults(func=run)


@dataclass(frozen=True, slots=True)
class Change:
    notification_type: str
    setting: Literal["topic", "headers"]
    old: Any
    new: Any

    @property
    def changed(self) -> bool:
        return bool(self.old != self.new)


def desired_topics(args: argparse.Namespace) -> dict[str, str]:
    wanted = {
        "Bounce": args.topic_bounce or args.topic,
        "Complaint": args.topic_complaint or args.topic,
        "Delivery": None if args.no_delivery else (args.topic_delivery or args.topic),
    }
    return {kind: arn for kind, arn in wanted.items() if arn}


def plan(current: Any, topics: dict[str, str], headers: bool) -> list[Change]:
    """Every setting this command manages, in the order it applies them (topics first:
    SES only sends headers with notifications that have a topic)."""
    changes = [Change(kind, "topic", current.topics.get(kind), arn) for kind, arn in topics.items()]
    changes += [
        Change(kind, "headers", current.headers.get(kind, False), headers) for kind in topics
    ]
    return changes


def _show(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def run(args: argparse.Namespace) -> int:
    from adapters import factory
    from adapters.ses_identity import IdentityError

    topics = desired_topics(args)
    if not topics:
        print(
            "setup-notifications: give --topic, or --topic-bounce/--topic-complaint/"
            "--topic-delivery",
            file=sys.stderr,
        )
        return EXIT_USAGE
    ses = factory.ses_identity_notifications()
    say = _printer(args)
    try:
        changes = plan(ses.get(args.identity), topics, headers=not args.no_headers)
        say(f"Identity {args.identity}:", None)
        for change in changes:
            label = f"{change.notification_type} {change.setting}"
            row = {
                "identity": args.identity,
                "notification_type": change.notification_type,
                "setting": change.setting,
                "old": change.old,
                "new": change.new,
                "action": "unchanged",
            }
            if not change.changed:
                say(f"  {label:<18} {_show(change.new)} (unchanged)", row)
                continue
            if not args.dry_run:
                if change.setting == "topic":
                    ses.set_topic(args.identity, change.notification_type, change.new)
                else:
                    ses.set_headers(args.identity, change.notification_type, change.new)
            verb = "would change" if args.dry_run else "changed"
            row["action"] = verb.replace(" ", "-")
            say(f"  {label:<18} {_show(change.old)} -> {_show(change.new)} ({verb})", row)
    except IdentityError as exc:
        print(f"ses-feedback: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    count = sum(c.changed for c in changes)
    summary = {"summary": {"identity": args.identity, "changes": count, "dry_run": args.dry_run}}
    if not count:
        say("Nothing to change: the identity is already set up.", summary)
    elif args.dry_run:
        say(f"{count} change(s) needed; run without --dry-run to make them.", summary)
    else:
        say(f"{count} change(s) made.", summary)
    return EXIT_OK


def _printer(args: argparse.Namespace) -> Any:
    """Print the text line, or with --json the object (lines without one are text only)."""

    def say(text: str, row: dict[str, Any] | None) -> None:
        if not args.json:
            print(text)
        elif row is not None:
            print(json.dumps(row, sort_keys=True))

    return say
