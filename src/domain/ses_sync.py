"""Mapping between our table and SES's account-level suppression list (pure).

Import: SES's entries become "suppressed by SES" evidence (reason `suppressed`): SES already
refuses to send to them, but that is not new evidence about the address, so it never
outranks our own and never counts as a hard bounce.
Export: our own invalid-address and complaint suppressions become SES entries (BOUNCE /
COMPLAINT), so SES stops sending even for mail that bypasses this pipeline. Entries that
came from SES, manual decisions and soft-bounce escalations are not exported.
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
    """The SES reason to export an item under, or None when it should not be exported."""
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
