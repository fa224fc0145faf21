"""``ses-feedback classify PATH...``: classify bounce files, one JSON object per line.

``.json`` files hold an SES notification/event object or an SNS envelope of one (HTTP
``{"Type": "Notification", "Message": "..."}`` or Lambda/SQS ``{"Records": [...]}``, one
output line per record); anything else is read as a raw RFC 5322 message.  Exit status 0
even when a file cannot be classified (``kind: "other"`` with an ``error``); 2 when a path
could not be read (the others are still processed).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

from domain.classify import MessageReport, analyse_message, classify_ses_message

EXIT_UNREADABLE = 2


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "classify",
        help="classify bounce/complaint/auto-reply messages or SES JSON (one JSON line each)",
        description=__doc__,
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help=".eml/raw message or .json file")
    p.add_argument(
        "--json",
        action="store_true",
        help="accepted like every command's --json: the output is always one JSON object a line",
    )
    p.set_defaults(func=run)


def _unwrap(obj: object) -> Iterator[object]:
    """SES objects inside SNS (HTTP or Lambda form) or SQS-of-SNS envelopes."""
    if isinstance(obj, list):
        for item in obj:
            yield from _unwrap(item)
        return
    if not isinstance(obj, Mapping):
        yield obj
        return
    records = obj.get("Records")
    if isinstance(records, list):
        for rec in records:
            if isinstance(rec, Mapping):
                inner = rec.get("Sns", rec.get("body", rec))
                yield from _unwrap(inner)
            else:
                yield rec
        return
    message = obj.get("Message")
    if isinstance(message, str) and "notificationType" not in obj and "eventType" not in obj:
        try:
            yield from _unwrap(json.loads(message))
        except ValueError:
            yield {"_error": "SNS Message is not JSON"}
        return
    if isinstance(message, Mapping):
        yield from _unwrap(message)
        return
    yield obj


def _json_reports(text: str) -> list[MessageReport]:
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) < 2:
            return [MessageReport("other", error=f"invalid JSON: {exc.msg}")]
        # JSON lines (Firehose writes one SES record per line)
        return [r for line in lines for r in _json_reports(line)]
    if isinstance(obj, str):  # SQS body holding a JSON string
        try:
            obj = json.loads(obj)
        except ValueError:
            return [MessageReport("other", error="JSON string is not an SES object")]
    out = []
    for record in _unwrap(obj):
        item = record
        if isinstance(record, str):
            try:
                item = json.loads(record)
            except ValueError:
                out.append(MessageReport("other", error="record is not JSON"))
                continue
        if isinstance(item, Mapping) and "_error" in item:
            out.append(MessageReport("other", error=str(item["_error"])))
        elif isinstance(item, Mapping):
            out.append(classify_ses_message(item))
        else:
            out.append(MessageReport("other", error="not a JSON object"))
    return out or [MessageReport("other", error="no SES record found")]


def classify_path(path: str) -> list[dict[str, object]]:
    """The output objects for one path; raises OSError when it cannot be read."""
    data = Path(path).read_bytes()
    if path.lower().endswith(".json"):
        reports = _json_reports(data.decode("utf-8", "replace"))
    else:
        reports = [analyse_message(data)]
    return [r.to_json_dict(path) for r in reports]


def run(args: argparse.Namespace) -> int:
    status = 0
    out = sys.stdout
    for path in args.paths:
        try:
            objs = classify_path(path)
        except OSError as exc:
            print(f"classify: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
            status = EXIT_UNREADABLE
            continue
        for obj in objs:
            out.write(json.dumps(obj, ensure_ascii=False, sort_keys=False) + "\n")
    out.flush()
    return status
