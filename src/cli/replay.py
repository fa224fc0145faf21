"""``ses-feedback replay PATH|s3://bucket/prefix``: re-apply archived SES feedback.

Reads Firehose output (analytics lines, gzip or not), Firehose `processing-failed/` records,
SES JSON files (either format, SNS envelopes, saved Lambda SQS/SNS events) from a file, a
folder (recursively) or an S3 prefix, and applies their outcomes to the suppression table
through the same policy as the live paths. The policy is idempotent and order-safe, so a
replay can be repeated and can overlap what the live paths already applied: records that
would not change are not written.

The table comes from --table, else SUPPRESSION_TABLE, else the stack's outputs (--stack);
the policy numbers from the same environment variables as the functions. Progress goes to
stderr, the summary to stdout. Exit status 0 when every document was read and applied; 1
when some were malformed, the store failed (re-running is safe), or the source or the
configuration cannot be used (one line on stderr).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime
from typing import Any, TextIO

from cli.table_options import add_table_options, parse_when, resolve_table
from domain.replay import Archive, ReplaySummary, replay_archive
from domain.service import SuppressionService

EXIT_OK = 0
EXIT_FAILED = 1


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "replay",
        help="re-apply archived SES feedback (Firehose archive, processing-failed/, JSON)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("source", metavar="PATH|s3://bucket/prefix")
    p.add_argument(
        "--since",
        type=parse_when,
        help="only events at or after this time (ISO 8601, UTC if no zone, or an age: 7d, 12h)",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="read the table and report what would change, without writing",
    )
    add_table_options(p)
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.add_argument("--json", action="store_true", help='the summary as {"summary": {...}}')
    p.set_defaults(func=run)


class Progress:
    """A bar on a terminal, a line every 10 % otherwise (domain.replay.ReplayProgress)."""

    def __init__(self, stream: TextIO, enabled: bool) -> None:
        self._total = 1
        self._objects = 0
        self._stream = stream
        self._enabled = enabled
        self._tty = enabled and stream.isatty()
        self._last_decile = -1
        self._started = time.monotonic()

    def start(self, total_bytes: int, total_objects: int) -> None:
        self._total = max(total_bytes, 1)
        self._objects = total_objects
        self._started = time.monotonic()

    def update(self, done_bytes: int, done_objects: int, events: int) -> None:
        if not self._enabled:
            return
        fraction = min(done_bytes / self._total, 1.0)
        if self._tty:
            filled = int(fraction * 30)
            bar = "#" * filled + "." * (30 - filled)
            self._stream.write(
                f"\r[{bar}] {fraction:4.0%} {done_objects}/{self._objects} objects, "
                f"{events:,} events, {time.monotonic() - self._started:.0f}s"
            )
            self._stream.flush()
            return
        decile = int(fraction * 10)
        if decile != self._last_decile:  # a log-friendly line every 10%
            self._last_decile = decile
            self._stream.write(
                f"replay: {fraction:.0%} ({done_objects}/{self._objects} objects, "
                f"{events:,} events)\n"
            )

    def close(self) -> None:
        if self._tty:
            self._stream.write("\n")


def replay(
    archive: Archive[Any],
    service: SuppressionService,
    *,
    since: datetime | None = None,
    progress_stream: TextIO = sys.stderr,
    show_progress: bool = True,
) -> ReplaySummary:
    """The use case (domain.replay.replay_archive) with progress on `progress_stream`."""
    progress = Progress(progress_stream, show_progress)
    try:
        return replay_archive(archive, service, since=since, progress=progress)
    finally:
        progress.close()


def _build_service(args: argparse.Namespace) -> SuppressionService:
    """The table as every operator command finds it (--table, $SUPPRESSION_TABLE, stack
    outputs) and the policy from the environment, like `ses-feedback suppress`."""
    from adapters import factory

    return factory.suppression_service_for(resolve_table(args), dry_run=args.dry_run)


def format_summary(summary: ReplaySummary, source: str, dry_run: bool) -> str:
    docs = summary.documents
    kinds = ", ".join(f"{k} {docs[k]:,}" for k in sorted(docs)) or "none"
    a = summary.applied
    verb = "would write" if dry_run else "written"
    lines = [
        f"Replayed {summary.objects:,} object(s), {summary.bytes:,} bytes, from {source}"
        + (" (dry run: nothing written)" if dry_run else ""),
        f"  documents: {kinds}",
    ]
    if summary.before_since:
        lines.append(f"  events before --since, ignored: {summary.before_since:,}")
    lines.append(
        f"  outcomes {a.outcomes:,}, relevant {a.relevant:,}, {verb} {a.written:,}, "
        f"unchanged {a.unchanged:,}, newly suppressed {len(a.newly_suppressed):,}"
    )
    if summary.error:
        lines.append(f"  stopped early: {summary.error} (re-running the replay is safe)")
    return "\n".join(lines)


def summary_json(summary: ReplaySummary, source: str, dry_run: bool) -> dict[str, Any]:
    """The summary for scripts: counts only (never the addresses newly suppressed)."""
    a = summary.applied
    return {
        "summary": {
            "source": source,
            "dry_run": dry_run,
            "objects": summary.objects,
            "bytes": summary.bytes,
            "documents": dict(sorted(summary.documents.items())),
            "before_since": summary.before_since,
            "outcomes": a.outcomes,
            "relevant": a.relevant,
            "written": a.written,
            "unchanged": a.unchanged,
            "newly_suppressed": len(a.newly_suppressed),
            "error": summary.error,
        }
    }


def run(args: argparse.Namespace) -> int:
    from adapters.archive import ArchiveError, open_archive

    try:
        archive = open_archive(args.source)
        service = _build_service(args)
        summary = replay(archive, service, since=args.since, show_progress=not args.no_progress)
    except ArchiveError as exc:
        print(f"ses-feedback: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if getattr(args, "json", False):
        print(json.dumps(summary_json(summary, args.source, args.dry_run), sort_keys=True))
    else:
        print(format_summary(summary, args.source, args.dry_run))
    if summary.error or summary.documents["malformed"]:
        return EXIT_FAILED
    return EXIT_OK
