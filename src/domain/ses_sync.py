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

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from domain.addresses import InvalidAddressError, normalise_address
from domain.events import RecipientOutcome, truncate_ms
from domain.service import SuppressionService
from domain.verdicts import REASON_SES_SUPPRESSED, Classification, Verdict

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
    exported: int = 0  # entries put to SES
    export_skipped: int = 0  # our items not eligible for export
    planned: list[tuple[str, str]] = field(default_factory=list)  # dry runs


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
) -> SyncReport:
    """Put our hard bounces and complaints on SES's list (PutSuppressedDestination is
    idempotent, so re-exporting an address is harmless, only slow at 1 request/s)."""
    report = SyncReport()
    for item in items:
        reason = export_reason(item, now)
        if reason is None:
            report.export_skipped += 1
            continue
        address = str(item["address"])
        if dry_run:
            report.planned.append((address, reason))
        else:
            ses.put(address, reason)
        report.exported += 1
    return report


def synchronise(
    ses: SesListPort,
    service: SuppressionService,
    our_items: Callable[[str | None], Iterable[Mapping[str, Any]]],
    now: datetime,
    since: datetime | None,
) -> SyncReport:
    """Both directions for the window since `since` (None: everything). Import first, so
    entries that came from SES are recognised and not exported back."""
    imported = import_from_ses(ses, service, start=since)
    stamp = since.isoformat(timespec="milliseconds").replace("+00:00", "Z") if since else None
    exported = export_to_ses(ses, our_items(stamp), now)
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
