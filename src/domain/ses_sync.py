"""Mapping between our table and SES's account-level suppression list (pure).

Import: SES's entries become "suppressed by SES" evidence (reason `suppressed`): SES already
refuses to send to them, but that is not new evidence about the address, so it never
outranks our own and never counts as a hard bounce.
Export: our own invalid-address and complaint suppressions become SES entries (BOUNCE /
COMPLAINT), so SES stops sending even for mail that bypasses this pipeline. Entries that
came from SES, manual decisions and soft-bounce escalations are not exported. Nor are scoped
suppressions (an item's `scopes` map: unsubscribes from one list or topic): SES's list is
account-wide, so exporting one would block every stream; only the item's global state is
read here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from domain.addresses import InvalidAddressError, normalise_address
from domain.events import RecipientOutcome, truncate_ms
from domain.policy import SuppressionRecord
from domain.service import SuppressionService
from domain.ses_import import PUT, ApplyReport, BulkPath, apply_to_ses
from domain.verdicts import REASON_SES_SUPPRESSED, Classification, Verdict
from domain.vocabulary import Reason

SES_REASONS = ("BOUNCE", "COMPLAINT")
_EXPORT_REASON_BY_CATEGORY = {
    str(Verdict.INVALID_ADDRESS): "BOUNCE",
    str(Verdict.COMPLAINT): "COMPLAINT",
}


@dataclass(frozen=True, slots=True)
class SesListEntry:
    address: str
    reason: Literal["BOUNCE", "COMPLAINT"]
    last_update: datetime


def outcomes_from_ses_entries(entries: Iterable[SesListEntry]) -> list[RecipientOutcome]:
    outcomes = []
    for entry in entries:
        try:
            address = normalise_address(entry.address)
        except InvalidAddressError:
            continue
        at = truncate_ms(entry.last_update)
        outcomes.append(
            RecipientOutcome(
                address=address,
                event_type="SesSuppressionList",
                event_id=f"SesSuppressionList:{entry.reason}:{at.isoformat()}:{address}",
                occurred_at=at,
                classification=Classification(
                    REASON_SES_SUPPRESSED,
                    Verdict.UNDETERMINED,
                    diagnostic=f"on the SES account-level suppression list ({entry.reason})",
                ),
                source="ses-suppression-list",
            )
        )
    return outcomes


def export_reason(item: Mapping[str, Any], now: datetime) -> str | None:
    """The SES reason to export an item under, or None when it should not be exported.
    Reads the global state only: the `scopes` map is never exported."""
    if item.get("state") != "suppressed" or item.get("reason") == REASON_SES_SUPPRESSED:
        return None
    expires = item.get("expires_at")
    if expires is not None and int(expires) <= int(now.timestamp()):
        return None
    return _EXPORT_REASON_BY_CATEGORY.get(str(item.get("category")))


class SesListPort(Protocol):
    def entries(
        self,
        reasons: tuple[str, ...] = SES_REASONS,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> Iterator[SesListEntry]: ...

    def put(self, address: str, reason: str) -> None: ...

    def delete(self, address: str) -> bool: ...


@dataclass
class SyncReport:
    imported: int = 0  # SES entries read
    import_written: int = 0  # items created or changed in our table
    exported: int = 0  # entries put to SES (or to be put, in a dry run)
    export_skipped: int = 0  # our items not eligible for export
    planned: list[tuple[str, str]] = field(default_factory=list)  # dry runs
    export: ApplyReport = field(default_factory=lambda: ApplyReport(PUT))


def import_from_ses(
    ses: SesListPort,
    service: SuppressionService,
    *,
    start: datetime | None = None,
    batch_size: int = 100,
) -> SyncReport:
    """Record SES's list in our table, a batch at a time (one BatchGetItem per batch)."""
    report = SyncReport()
    batch: list[SesListEntry] = []
    for entry in ses.entries(SES_REASONS, start, None):
        report.imported += 1
        batch.append(entry)
        if len(batch) >= batch_size:
            report.import_written += service.apply_outcomes(
                outcomes_from_ses_entries(batch)
            ).written
            batch = []
    if batch:
        report.import_written += service.apply_outcomes(outcomes_from_ses_entries(batch)).written
    return report


def export_to_ses(
    ses: SesListPort,
    items: Iterable[Mapping[str, Any]],
    now: datetime,
    *,
    dry_run: bool = False,
    bulk: BulkPath | None = None,
) -> SyncReport:
    """Put our hard bounces and complaints on SES's list: one PutSuppressedDestination per
    address (idempotent, so re-exporting is harmless, only slow at 1 request/s), or import
    jobs when there is a bulk path and the set reaches its threshold."""
    report = SyncReport()
    rows: list[tuple[str, str | None]] = []
    for item in items:
        reason = export_reason(item, now)
        if reason is None:
            report.export_skipped += 1
            continue
        rows.append((str(item["address"]), reason))
    if dry_run:
        report.planned = [(address, str(reason)) for address, reason in rows]
    report.export = apply_to_ses(PUT, rows, ses, bulk, dry_run=dry_run)
    report.exported = len(rows)
    return report


def synchronise(
    ses: SesListPort,
    service: SuppressionService,
    our_items: Callable[[str | None], Iterable[Mapping[str, Any]]],
    now: datetime,
    since: datetime | None,
    *,
    bulk: BulkPath | None = None,
) -> SyncReport:
    """Both directions for the window since `since` (None: everything). Import first, so
    entries that came from SES are recognised and not exported back."""
    imported = import_from_ses(ses, service, start=since)
    stamp = since.isoformat(timespec="milliseconds").replace("+00:00", "Z") if since else None
    exported = export_to_ses(ses, our_items(stamp), now, bulk=bulk)
    exported.imported = imported.imported
    exported.import_written = imported.import_written
    return exported


# --- the two lists compared (ses-sync --check) ----------------------------------------------

ONLY_HERE = "only-here"  # suppressed in force in our table, not on SES's list
ONLY_IN_SES = "only-in-ses"  # on SES's list, not suppressed in force here
REASON_DIFFERS = "reason-differs"  # on both, but we would export another SES reason
DISAGREEMENT_KINDS = (ONLY_HERE, ONLY_IN_SES, REASON_DIFFERS)


@dataclass(frozen=True, slots=True)
class Disagreement:
    """One address on which the two lists disagree. `ses_reason` is SES's entry (None: not
    listed); `exported_as` is what `export` would put there (None: ours is not exported, e.g.
    a manual suppression, a soft-bounce escalation or an entry imported from SES);
    `our_state`/`our_reason`/`our_category` describe our item (None: no item; `our_state`
    is `expired` for a suppression that has lapsed)."""

    kind: str
    address: str  # normalised (SES's spelling when it does not normalise)
    ses_reason: str | None = None
    exported_as: str | None = None
    our_state: str | None = None
    our_reason: str | None = None
    our_category: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "address": self.address,
            "ses_reason": self.ses_reason,
            "exported_as": self.exported_as,
            "our_state": self.our_state,
            "our_reason": self.our_reason,
            "our_category": self.our_category,
        }


def suppression_in_force(item: Mapping[str, Any], now: datetime) -> bool:
    if item.get("state") != STATE_SUPPRESSED:
        return False
    expires = item.get("expires_at")
    return expires is None or int(expires) > int(now.timestamp())


STATE_SUPPRESSED = "suppressed"


def _state_shown(item: Mapping[str, Any] | None) -> str | None:
    """Our state as the report shows it: a suppression that has lapsed reads `expired`."""
    if item is None:
        return None
    state = str(item.get("state"))
    return "expired" if state == STATE_SUPPRESSED else state


def compare_lists(
    ses_entries: Iterable[SesListEntry],
    our_items: Iterable[Mapping[str, Any]],
    now: datetime,
) -> list[Disagreement]:
    """Every disagreement between SES's list and the suppressions in force in our table
    (read-time expiry applied), sorted by address. `our_items` needs every item whose state
    is `suppressed`; items in another state may be given too (they tell `only-in-ses` rows
    what we hold). Changes nothing."""
    listed: dict[str, SesListEntry] = {}
    for entry in ses_entries:
        try:
            key = normalise_address(entry.address)
        except InvalidAddressError:
            key = entry.address
        listed[key] = entry
    ours = {str(item["address"]): item for item in our_items}
    found: list[Disagreement] = []
    for address, item in ours.items():
        if not suppression_in_force(item, now):
            continue
        on_ses = listed.get(address)
        exported_as = export_reason(item, now)
        if on_ses is not None and (exported_as is None or exported_as == on_ses.reason):
            continue
        found.append(
            Disagreement(
                ONLY_HERE if on_ses is None else REASON_DIFFERS,
                address,
                ses_reason=on_ses.reason if on_ses is not None else None,
                exported_as=exported_as,
                our_state=STATE_SUPPRESSED,
                our_reason=item.get("reason"),
                our_category=item.get("category"),
            )
        )
    for address, entry in listed.items():
        held = ours.get(address)
        if held is not None and suppression_in_force(held, now):
            continue
        found.append(
            Disagreement(
                ONLY_IN_SES,
                address,
                ses_reason=entry.reason,
                our_state=_state_shown(held),
                our_reason=held.get("reason") if held is not None else None,
                our_category=held.get("category") if held is not None else None,
            )
        )
    return sorted(found, key=lambda d: (d.address, d.kind))


# --- the two lists reconciled (ses-sync --reconcile) ----------------------------------------

#: Why a disagreement is left alone by a reconcile (the summary counts each).
LEFT_NOT_EXPORTED = "not-exported"  # only-here, but export never puts it (manual, soft, SES)
LEFT_SES_COMPLAINT = "ses-complaint-kept"  # SES says COMPLAINT, we would say BOUNCE
LEFT_NOT_LIFTED = "not-lifted-here"  # only-in-ses, and no lift here: SES's own, or expiry
LEFT_NEWER_IN_SES = "newer-in-ses"  # only-in-ses, but SES's entry is newer than our lift


@dataclass
class ReconcilePlan:
    """What a full reconcile changes on SES's list. `puts`: (our normalised address, SES
    reason); `deletes`: SES's own spelling of the address (its API matches case exactly);
    `left`: why each disagreement it does not fix stays, counted."""

    puts: list[tuple[str, str | None]] = field(default_factory=list)
    deletes: list[tuple[str, str | None]] = field(default_factory=list)
    left: dict[str, int] = field(default_factory=dict)

    def leave(self, why: str) -> None:
        self.left[why] = self.left.get(why, 0) + 1


class StatusView(Protocol):
    """What `read_both_lists` needs of a status from the suppression client."""

    @property
    def normalised(self) -> str | None: ...

    @property
    def state(self) -> str | None: ...

    @property
    def reason(self) -> str | None: ...

    @property
    def category(self) -> str | None: ...


class SuppressionReader(Protocol):
    def items(self, *, suppressed_only: bool = True) -> Iterable[dict[str, Any]]: ...

    def check_many(self, addresses: Iterable[str]) -> Mapping[str, StatusView]: ...


def read_both_lists(
    ses: SesListPort,
    table: SuppressionReader,
    counted: Callable[[Iterable[SesListEntry]], Iterable[SesListEntry]] = lambda e: e,
) -> tuple[list[SesListEntry], dict[str, dict[str, Any]]]:
    """SES's whole list, and what our table holds that a comparison needs, keyed by
    normalised address: every suppressed item, plus (one batched read) the state of each
    address only SES lists. `counted` wraps SES's entries (the CLI shows progress: SES
    answers about one request per second)."""
    entries = list(counted(ses.entries(SES_REASONS)))
    ours = {item["address"]: item for item in table.items(suppressed_only=True)}
    others = [e.address for e in entries if e.address.lower() not in ours]
    for status in table.check_many(others).values():
        if status.normalised and status.state and status.normalised not in ours:
            ours[status.normalised] = {
                "address": status.normalised,
                "state": status.state,
                "reason": status.reason,
                "category": status.category,
            }
    return entries, ours


def lift_candidates(
    entries: Iterable[SesListEntry], ours: Mapping[str, Mapping[str, Any]], now: datetime
) -> set[str]:
    """Addresses SES lists that have no suppression in force here: the only ones a
    reconcile may delete from SES, once their latest manual action is known."""
    candidates = set()
    for entry in entries:
        try:
            key = normalise_address(entry.address)
        except InvalidAddressError:
            continue
        if not (key in ours and suppression_in_force(ours[key], now)):
            candidates.add(key)
    return candidates


def latest_lift(record: SuppressionRecord | None) -> datetime | None:
    """When an operator last lifted the address here (unsuppress or allow), if the latest
    manual action is such a lift. Automatic evidence up to then does not count here."""
    manual = record.ledger.manual if record is not None else None
    if manual is not None and manual.reason in (Reason.MANUAL_UNSUPPRESS, Reason.MANUAL_ALLOW):
        return manual.at
    return None


def plan_reconcile(
    ses_entries: Sequence[SesListEntry],
    our_items: Iterable[Mapping[str, Any]],
    lifts: Mapping[str, datetime],
    now: datetime,
) -> ReconcilePlan:
    """The changes that make SES's list agree with ours where our table has the better
    knowledge, and nothing else:

    - PUT what `export` would put for a suppression in force here that SES lacks
      (`only-here` with an `exported_as`), and COMPLAINT where SES holds only BOUNCE;
    - DELETE an SES entry whose address an operator lifted here (unsuppress / allow) at or
      after SES's entry was last updated: SES is still blocking what we decided to send to.

    Left alone: suppressions `export` never puts (manual, soft-bounce escalations, entries
    that came from SES), a COMPLAINT on SES where we would say BOUNCE (a weaker reason never
    replaces a stronger one, as in our own policy), SES entries for addresses we never lifted
    (SES's own evidence; lapsed suppressions are expiry's business) and SES entries newer
    than our lift (SES saw something after the operator decided). `lifts` maps normalised
    addresses to `latest_lift` of their records."""
    entries = list(ses_entries)
    items = list(our_items)
    plan = ReconcilePlan()
    for found in compare_lists(entries, items, now):
        if found.kind == ONLY_HERE:
            if found.exported_as is None:
                plan.leave(LEFT_NOT_EXPORTED)
            else:
                plan.puts.append((found.address, found.exported_as))
        elif found.kind == REASON_DIFFERS:
            if found.exported_as == "COMPLAINT":
                plan.puts.append((found.address, found.exported_as))
            else:
                plan.leave(LEFT_SES_COMPLAINT)
    in_force = {str(i["address"]) for i in items if suppression_in_force(i, now)}
    for entry in entries:
        try:
            key = normalise_address(entry.address)
        except InvalidAddressError:
            key = entry.address
        if key in in_force:
            continue
        lifted = lifts.get(key)
        if lifted is None:
            plan.leave(LEFT_NOT_LIFTED)
        elif truncate_ms(entry.last_update) <= lifted:
            plan.deletes.append((entry.address, None))
        else:
            plan.leave(LEFT_NEWER_IN_SES)
    return plan
