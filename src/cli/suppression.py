"""Operator commands on the suppression table and SES's account-level list.

    ses-feedback check ADDRESS... [--scope S]  is each address suppressed now (for mail in S)?
    ses-feedback list [--domain D] [--reason R] [--since T]
    ses-feedback suppress ADDRESS --reason TEXT [--days N | --until T] [--scope S]
    ses-feedback unsuppress ADDRESS [--reason TEXT] [--force] [--no-ses] [--scope S]
    ses-feedback allow ADDRESS [--reason TEXT] [--days N | --until T] [--force] [--no-ses]
                       [--scope S]
    ses-feedback export [--since T] [--dry-run]  our hard bounces/complaints -> SES list
    ses-feedback import [--since T]              SES list -> our table
    ses-feedback ses-sync [--since T]            both, as the scheduled function does
    ses-feedback ses-sync --check                every disagreement of the two lists (read-only)
    ses-feedback ses-sync --reconcile [--dry-run]  fix the disagreements our table knows better
    ses-feedback ses-sync --job JOB_ID           an SES import job's state and failure file

Sets of SES_SYNC_BULK_THRESHOLD (100) addresses or more go to SES through SESv2 import jobs
(files in the stack's SesImportBucket: --import-bucket, else $SES_IMPORT_BUCKET, else the
SesImportBucketName output of --stack); --per-address keeps one request per address.

`unsuppress` and `allow` also take the address off SES's account-level list (after the
table is written), unless --no-ses. Lifting a complaint or an unsubscribe needs --force
and --reason; the item's `audit` keeps every manual action with its actor and reason.

--scope (default global) names the mail stream: `check --scope marketing` is refused by a
global suppression or one in `marketing` (or a scope covering it); `suppress/unsuppress/allow
--scope marketing` act on that scope alone and never touch SES's list, which is global.

The table comes from --table, else SUPPRESSION_TABLE, else the stack's outputs (--stack);
endpoints and credentials from the standard AWS variables. Every command takes --json for
one JSON object per line (a stable interface for scripts).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from adapters.settings import operator_name
from cli.ses_import_jobs import (
    JOB_COLUMNS,
    add_bulk_options,
    bulk_path,
    job_rows,
    jobs_exit_status,
)
from cli.table_options import add_table_options, parse_when, resolve_table
from domain.policy import ManualKind
from domain.scopes import GLOBAL_SCOPE, InvalidScopeError, normalise_scope


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    common = argparse.ArgumentParser(add_help=False)
    add_table_options(common)
    common.add_argument("--json", action="store_true", help="one JSON object per line")

    p = sub.add_parser("check", parents=[common], help="is each address suppressed now?")
    p.add_argument("addresses", nargs="+", metavar="ADDRESS")
    _add_scope_option(p, "the mail stream to check for")
    p.set_defaults(func=run_check)

    p = sub.add_parser("list", parents=[common], help="list suppressed addresses")
    p.add_argument("--domain")
    p.add_argument("--reason")
    p.add_argument("--since", type=parse_when, help="ISO 8601 time or e.g. 7d / 12h ago")
    p.add_argument("--include-expired", action="store_true")
    p.set_defaults(func=run_list)

    for name, kind, text in (
        ("suppress", ManualKind.SUPPRESS, "suppress an address by hand"),
        ("unsuppress", ManualKind.UNSUPPRESS, "lift every suppression recorded so far"),
        ("allow", ManualKind.ALLOW, "block automatic suppression until removed or expired"),
    ):
        p = sub.add_parser(name, parents=[common], help=text)
        p.add_argument("address", metavar="ADDRESS")
        _add_scope_option(p, "act on this scope only (SES's list is left alone)")
        p.add_argument(
            "--reason",
            default="",
            required=kind is ManualKind.SUPPRESS,
            help="why (kept on the item)",
        )
        p.add_argument("--actor", help="who (default: $SES_FEEDBACK_ACTOR or $USER)")
        if kind is not ManualKind.SUPPRESS:
            p.add_argument(
                "--force",
                action="store_true",
                help="needed (with --reason) to lift a complaint or an unsubscribe",
            )
            p.add_argument(
                "--no-ses",
                action="store_true",
                help="leave SES's account-level suppression list alone (table only)",
            )
        if kind is not ManualKind.UNSUPPRESS:
            until = p.add_mutually_exclusive_group()
            until.add_argument("--days", type=float, help="expires after N days")
            until.add_argument("--until", type=parse_when, help="expires at this ISO 8601 time")
        p.set_defaults(func=run_manual, kind=kind)

    p = sub.add_parser(
        "export",
        parents=[common],
        help="put our hard bounces and complaints on SES's account-level list",
    )
    p.add_argument("--since", type=parse_when, help="only suppressions since this time")
    p.add_argument("--dry-run", action="store_true")
    add_bulk_options(p)
    p.set_defaults(func=run_export)

    p = sub.add_parser(
        "import", parents=[common], help="record SES's account-level list in our table"
    )
    p.add_argument("--since", type=parse_when, help="only entries updated since this time")
    p.set_defaults(func=run_import)

    p = sub.add_parser("ses-sync", parents=[common], help="import, then export")
    p.add_argument("--since", type=parse_when)
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        "--check",
        action="store_true",
        help="change nothing: list every disagreement between the two lists (exit 2 if any)",
    )
    mode.add_argument(
        "--reconcile",
        action="store_true",
        help="put our exportable suppressions SES lacks, delete SES entries lifted here "
        "(docs/schema.md); other disagreements are left and counted",
    )
    mode.add_argument("--job", metavar="JOB_ID", help="show an SES import job (read-only)")
    p.add_argument("--dry-run", action="store_true", help="with --reconcile: show the plan only")
    add_bulk_options(p)
    p.set_defaults(func=run_sync)


def _scope(raw: str) -> str:
    try:
        return normalise_scope(raw)
    except InvalidScopeError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _add_scope_option(p: argparse.ArgumentParser, text: str) -> None:
    p.add_argument(
        "--scope",
        type=_scope,
        default=GLOBAL_SCOPE,
        help=f"{text}: global (default), a name such as marketing, or list:topic",
    )


# --- commands -------------------------------------------------------------------------------


def run_check(args: argparse.Namespace) -> int:
    if not all(_valid_address(raw) for raw in args.addresses):
        return 1
    client = _client(args)
    statuses = client.check_many(args.addresses, args.scope)
    rows = [s.to_json() for s in statuses.values()]
    columns = ["address", "suppressed", "reason", "category", "expires_at"]
    if args.scope != GLOBAL_SCOPE:
        columns.append("blocked_by")
    _emit(args, rows, columns)
    return 0


def run_list(args: argparse.Namespace) -> int:
    client = _client(args)
    in_force = not args.include_expired
    since = _iso(args.since) if args.since else None
    if args.domain:
        statuses: Iterable[Any] = client.list_by_domain(args.domain, in_force_only=in_force)
        statuses = [
            s
            for s in statuses
            if (not args.reason or s.reason == args.reason)
            and (not since or (s.suppressed_at or "") >= since)
        ]
    elif args.reason:
        statuses = client.list_since(args.reason, since or "0", in_force_only=in_force)
    else:
        from adapters.suppression_client import status_from_item

        now = datetime.now(UTC)
        statuses = [
            status_from_item(i["address"], i["address"], i, now)
            for i in client.items(suppressed_only=True, since=since)
        ]
        statuses = [s for s in statuses if s.suppressed or not in_force]
    rows = [s.to_json() for s in statuses]
    _emit(args, rows, ["address", "reason", "category", "suppressed_at", "expires_at"])
    return 0


def run_manual(args: argparse.Namespace) -> int:
    from domain.events import truncate_ms
    from domain.policy import ForceRequiredError

    address = _valid_address(args.address)
    if address is None:
        return 1
    if getattr(args, "force", False) and not args.reason.strip():
        print("error: --force needs --reason (it is kept in the item's audit)", file=sys.stderr)
        return 1
    now = datetime.now(UTC)
    until = getattr(args, "until", None)
    if getattr(args, "days", None):
        until = now + timedelta(days=args.days)
    service = _service(args)
    try:
        record = service.apply_manual(
            address,
            args.kind,
            at=now,
            actor=args.actor or operator_name(),
            note=args.reason,
            until=until,
            force=getattr(args, "force", False),
            scope=args.scope,
        )
    except ForceRequiredError as exc:
        print(f"error: nothing changed: {exc} (--force --reason TEXT)", file=sys.stderr)
        return 1
    d = record.decision
    blocked_by = record.blocked_by(args.scope, now)
    row = {
        "address": args.address,
        "normalised": address,
        "scope": args.scope,
        "state": str(d.state),
        # for mail sent under --scope: global, or a scoped suppression covering it
        "suppressed": bool(blocked_by),
        "blocked_by": blocked_by[0] if blocked_by else None,
        "reason": d.reason,
        "expires_at": _iso(d.expires_at) if d.expires_at else None,
    }
    columns = ["address", "state", "suppressed", "reason", "expires_at"]
    if args.scope != GLOBAL_SCOPE:
        scoped = {s.scope: s for s in d.scopes}.get(args.scope)
        row["reason"] = scoped.evidence.reason if scoped else None
        row["expires_at"] = _iso(scoped.expires_at) if scoped and scoped.expires_at else None
        columns = ["address", "scope", "suppressed", "blocked_by", "reason", "expires_at"]
    if args.kind is not ManualKind.SUPPRESS:
        # what this action lifted with --force (complaint / unsubscribe), from its audit entry
        mine = [
            a
            for a in record.ledger.audit
            if a.at == truncate_ms(now) and a.action != "manual" and a.scope == args.scope
        ]
        row["lifted"] = mine[0].lifted if mine else None
    failure = None
    if args.kind is not ManualKind.SUPPRESS:
        # SES's account-level list is global: a scoped lift must not take the address off it
        skip = args.no_ses or args.scope != GLOBAL_SCOPE
        row["ses_list"], failure = _lift_from_ses(address, skip=skip)
        columns.append("ses_list")
    _emit(args, [row], columns)
    if failure:
        print(
            f"error: the table is changed but SES's list is not ({failure}); run the "
            "command again (it is idempotent) or check with `ses-sync --check`",
            file=sys.stderr,
        )
        return 1
    return 0


def _lift_from_ses(address: str, *, skip: bool) -> tuple[str, str | None]:
    """Take a lifted address off SES's account-level list too, so SES stops dropping mail
    that the table now calls sendable: (`deleted` | `not-listed` | `skipped` | `failed`,
    the error when it failed). Runs after the table write, so a failure here loses nothing."""
    from botocore.exceptions import BotoCoreError, ClientError

    if skip:
        return "skipped", None
    try:
        return ("deleted" if _ses_list().delete(address) else "not-listed"), None
    except ClientError as exc:
        return "failed", exc.response.get("Error", {}).get("Code") or str(exc)
    except BotoCoreError as exc:
        return "failed", type(exc).__name__


def run_export(args: argparse.Namespace) -> int:
    from domain.ses_sync import export_to_ses

    client = _client(args)
    since = _iso(args.since) if args.since else None
    report = export_to_ses(
        _ses_list(),
        _progress(client.items(suppressed_only=True, since=since), "items"),
        datetime.now(UTC),
        dry_run=args.dry_run,
        bulk=bulk_path(args, _ses_list()),
    )
    if args.dry_run:
        _emit(args, [{"address": a, "reason": r} for a, r in report.planned], ["address", "reason"])
    else:
        _emit_jobs(args, report.export.jobs)
    _summary(
        args,
        {
            "exported": report.exported,
            "skipped": report.export_skipped,
            "dry_run": args.dry_run,
            "method": report.export.method,
            "failed": report.export.failed,
            "jobs": len(report.export.jobs),
        },
    )
    return jobs_exit_status(report.export.jobs)


def run_import(args: argparse.Namespace) -> int:
    from domain.ses_sync import import_from_ses

    report = import_from_ses(_ses_list(), _service(args), start=args.since)
    _summary(args, {"imported": report.imported, "written": report.import_written})
    return 0


def run_sync(args: argparse.Namespace) -> int:
    from domain.ses_sync import synchronise

    if args.dry_run and not args.reconcile:
        print("error: --dry-run goes with --reconcile", file=sys.stderr)
        return 1
    if args.check:
        return run_sync_check(args)
    if args.reconcile:
        return run_sync_reconcile(args)
    if args.job:
        return run_import_job_status(args)
    client = _client(args)
    report = synchronise(
        _ses_list(),
        _service(args),
        lambda stamp: client.items(suppressed_only=True, since=stamp),
        datetime.now(UTC),
        args.since,
        bulk=bulk_path(args, _ses_list()),
    )
    _emit_jobs(args, report.export.jobs)
    _summary(
        args,
        {
            "imported": report.imported,
            "written": report.import_written,
            "exported": report.exported,
            "skipped": report.export_skipped,
            "method": report.export.method,
            "failed": report.export.failed,
        },
    )
    return jobs_exit_status(report.export.jobs)


def run_sync_check(args: argparse.Namespace) -> int:
    """Read both lists whole and report where they disagree; writes nothing anywhere."""
    from domain.ses_sync import (
        DISAGREEMENT_KINDS,
        compare_lists,
        suppression_in_force,
    )

    if args.since:
        print("error: --check compares the whole lists; it takes no --since", file=sys.stderr)
        return 1
    now = datetime.now(UTC)
    entries, ours = _both_lists(args)
    found = compare_lists(entries, ours.values(), now)
    columns = ["kind", "address", "ses_reason", "exported_as", "our_state", "our_reason"]
    if found or args.json:
        _emit(args, [d.to_json() for d in found], columns)
    counts = {kind: sum(d.kind == kind for d in found) for kind in DISAGREEMENT_KINDS}
    _summary(
        args,
        {
            "ses_entries": len(entries),
            "suppressed_here": sum(suppression_in_force(i, now) for i in ours.values()),
            **counts,
        },
    )
    if found:
        print(
            "to fix what this table knows better: ses-feedback ses-sync --reconcile --dry-run, "
            "then without --dry-run",
            file=sys.stderr,
        )
    return 2 if found else 0


def _both_lists(args: argparse.Namespace) -> tuple[list[Any], dict[str, dict[str, Any]]]:
    from domain.ses_sync import read_both_lists

    return read_both_lists(
        _ses_list(), _client(args), lambda entries: _progress(entries, "SES entries")
    )


def run_sync_reconcile(args: argparse.Namespace) -> int:
    """Make SES's list agree with ours where the table knows better (domain.ses_sync.
    plan_reconcile): PUT first, then DELETE, each per address or by import job."""
    from domain.ses_import import DELETE, PUT, apply_to_ses
    from domain.ses_sync import latest_lift, lift_candidates, plan_reconcile

    if args.since:
        print("error: --reconcile works on the whole lists; it takes no --since", file=sys.stderr)
        return 1
    now = datetime.now(UTC)
    entries, ours = _both_lists(args)
    from adapters import factory

    repository = factory.suppression_repository_for(resolve_table(args))
    records = repository.get_many(lift_candidates(entries, ours, now))
    lifts = {a: t for a, r in records.items() if (t := latest_lift(r)) is not None}
    plan = plan_reconcile(entries, ours.values(), lifts, now)
    ses = _ses_list()
    bulk = bulk_path(args, ses)
    put = apply_to_ses(PUT, plan.puts, ses, bulk, dry_run=args.dry_run)
    deleted = apply_to_ses(DELETE, plan.deletes, ses, bulk, dry_run=args.dry_run)
    if args.dry_run:
        rows = [{"action": "PUT", "address": a, "reason": r} for a, r in plan.puts]
        rows += [{"action": "DELETE", "address": a, "reason": None} for a, _ in plan.deletes]
        _emit(args, rows, ["action", "address", "reason"])
    else:
        _emit_jobs(args, put.jobs + deleted.jobs)
    _summary(
        args,
        {
            "dry_run": args.dry_run,
            "put": put.summary(),
            "delete": {**deleted.summary(), "not_listed": deleted.not_listed},
            "left": plan.left,
        },
    )
    return jobs_exit_status(put.jobs + deleted.jobs)


def run_import_job_status(args: argparse.Namespace) -> int:
    """One import job as SES reports it, with the failure file's presigned URL (it holds
    addresses: it is shown here, to the operator, and never logged). Exit 0 when it
    completed without failed records, 1 when it failed or has some, 2 while it runs."""
    job = _ses_list().import_job(args.job)
    _emit_jobs(args, [job])
    if not job.finished:
        return 2
    return 0 if job.state == "COMPLETED" and job.failed == 0 else 1


# --- helpers --------------------------------------------------------------------------------


def _valid_address(raw: str) -> str | None:
    """The normalised address, or None after a one-line error on stderr: input that is not
    exactly one bare addr-spec is refused, never turned into some other address."""
    from domain.addresses import InvalidAddressError, normalise_addr_spec

    try:
        return normalise_addr_spec(raw)
    except InvalidAddressError as exc:
        shown = ascii(raw)  # one line, whatever control characters the input holds
        if len(shown) > 80:
            shown = shown[:77] + "..."
        print(f"error: {shown} is not a valid address: {exc}", file=sys.stderr)
        return None


def _client(args: argparse.Namespace) -> Any:
    from adapters import factory

    return factory.suppression_client_for(resolve_table(args))


def _service(args: argparse.Namespace) -> Any:
    from adapters import factory

    return factory.suppression_service_for(resolve_table(args))


def _ses_list() -> Any:
    from adapters import factory

    return factory.ses_suppression_list()


def _emit_jobs(args: argparse.Namespace, jobs: list[Any]) -> None:
    if jobs:
        _emit(args, job_rows(jobs), JOB_COLUMNS)


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _progress(items: Iterable[Any], what: str) -> Iterable[Any]:
    """Count progress on stderr when it is a terminal (SES allows ~1 request/s)."""
    if not sys.stderr.isatty():
        yield from items
        return
    n = 0
    for n, item in enumerate(items, 1):
        if n % 10 == 0:
            print(f"\r{n} {what}...", end="", file=sys.stderr, flush=True)
        yield item
    print(f"\r{n} {what}.   ", file=sys.stderr)


def _emit(args: argparse.Namespace, rows: list[dict[str, Any]], columns: list[str]) -> None:
    if args.json:
        for row in rows:
            print(json.dumps(row, sort_keys=True))
        return
    if not rows:
        print("(none)")
        return
    table = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in table)) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    for r in table:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)))


def _summary(args: argparse.Namespace, summary: dict[str, Any]) -> None:
    if args.json:
        print(json.dumps({"summary": summary}, sort_keys=True))
    else:
        print(", ".join(f"{k}: {v}" for k, v in summary.items()))


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
