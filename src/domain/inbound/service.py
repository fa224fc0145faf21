"""Processing one received message: fetch, analyse, apply feedback, record.

Ports (``MailStore``, ``InboundRepository``) are Protocols implemented in ``adapters``; the
suppression side is the existing ``SuppressionService``.

Idempotency: the suppression outcomes have stable event ids (``inbound:<message id>:<address>``)
and are applied *before* the InboundTable item is written, with a put that only succeeds when
no item exists yet (or only the record of a failed fetch). A redelivery of a message that was
recorded is skipped before the object is read again; one that failed half-way re-applies the
same outcomes, which changes nothing, and then records the item.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol

from domain.events import RecipientOutcome, truncate_ms
from domain.inbound.analysis import InboundReport, analyse_inbound, feedback_outcomes
from domain.inbound.auth import AuthVerdicts
from domain.inbound.proof import ReturnPathSigner
from domain.inbound.scan import Buffer
from domain.service import ApplyResult

SETUP_NOTIFICATION = "AMAZON_SES_SETUP_NOTIFICATION"
UNKNOWN_MAILBOX = "(unknown)"
#: SES accepts messages up to 40 MB including headers; its own headers add a few KB.
MAX_MESSAGE_BYTES = 41 * 1024 * 1024


class MailUnavailableError(Exception):
    """The stored message could not be read. ``retryable`` False: retrying cannot help."""

    def __init__(self, reason: str, *, retryable: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


@dataclass(frozen=True, slots=True)
class Location:
    bucket: str
    key: str

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


@dataclass(frozen=True, slots=True)
class InboundNotice:
    """What an envelope (SES Lambda action, S3 event, SNS notification) tells us."""

    message_id: str
    location: Location
    source: Literal["ses", "s3", "sns"]
    recipients: tuple[str, ...] = ()  # envelope RCPT TO matched by the rule, when known
    timestamp: datetime | None = None
    verdicts: AuthVerdicts | None = None  # from the receipt, when the envelope has one


@dataclass(frozen=True, slots=True)
class InboundPolicy:
    unsubscribe_mailboxes: frozenset[str] = frozenset()
    retention_days: int = 90
    max_message_bytes: int = MAX_MESSAGE_BYTES
    #: Checks the signed return paths that prove a DSN or ARF report concerns mail we sent;
    #: None: no report can prove anything, so none changes the suppression table.
    signer: ReturnPathSigner | None = None
    #: Suppressions one sender domain may cause per clock hour (0: no limit). A second line
    #: of defence behind the proofs: a leaked key or a mailbox provider's compromised
    #: accounts cannot empty the mailing list in one go.
    max_suppressions_per_domain_hour: int = 0

    def __post_init__(self) -> None:
        if self.retention_days < 1:
            raise ValueError("retention_days must be >= 1")
        if self.max_message_bytes < 1:
            raise ValueError("max_message_bytes must be >= 1")
        if self.max_suppressions_per_domain_hour < 0:
            raise ValueError("max_suppressions_per_domain_hour must be >= 0")


@dataclass(frozen=True, slots=True)
class InboundRecord:
    """One InboundTable item: one message as delivered to one mailbox."""

    message_id: str
    mailbox: str
    received_at: datetime
    location: Location
    report: InboundReport
    source: str
    expires_at: datetime
    fetch_failed: bool = False
    suppressions_applied: int = 0
    received_at_source: str = "receipt"  # see received_time()


#: Which clock dated a message, by envelope: SES's receipt (Lambda action, SNS notification)
#: or the S3 event; never a header of the message, which its sender may have written.
_TIME_SOURCES = {"ses": "receipt", "sns": "receipt", "s3": "s3-event"}


def received_time(notice: InboundNotice, now: datetime) -> tuple[datetime, str]:
    """When the message was received, and which clock says so (``receipt``, ``s3-event``,
    or ``processing`` when the envelope carried no time)."""
    if notice.timestamp is not None:
        return truncate_ms(notice.timestamp), _TIME_SOURCES.get(notice.source, notice.source)
    return truncate_ms(now), "processing"


class MailStore(Protocol):
    def fetch(self, location: Location, max_bytes: int) -> Buffer:
        """The raw message. Raises MailUnavailableError."""


class InboundRepository(Protocol):
    def status(self, message_id: str) -> str | None:
        """None (never seen), "recorded", or "fetch-failed"."""

    def put(self, record: InboundRecord) -> bool:
        """Write unless an item that is not a failed fetch exists; False when skipped."""

    def discard_failed(self, message_id: str) -> None:
        """Delete the message's items that still record a failed fetch (after a success
        recorded it under its real mailboxes)."""


class SuppressionPort(Protocol):
    def apply_outcomes(self, outcomes: Iterable[RecipientOutcome]) -> ApplyResult: ...


class RateLimiter(Protocol):
    def take(self, key: str, wanted: int, limit: int, expires_at: datetime) -> int:
        """Take up to ``wanted`` from the counter ``key`` (at most ``limit`` in all, kept
        until ``expires_at``); returns how many were granted (0..wanted)."""


def sender_organisation(domain: str | None) -> str:
    """The rate-limit key of a sender domain: its last two labels, three under a two-letter
    country code with a short second level (``mx.example.co.uk`` -> ``example.co.uk``).
    An approximation of the registrable domain (no public-suffix list here), so that
    subdomains of one sender share one budget."""
    if not domain:
        return "(no sender)"
    labels = domain.lower().rstrip(".").split(".")
    keep = 3 if len(labels) >= 3 and len(labels[-1]) == 2 and len(labels[-2]) <= 3 else 2
    return ".".join(labels[-keep:])


@dataclass
class InboundResult:
    message_id: str
    status: Literal["recorded", "duplicate", "unreadable"]
    kind: str | None = None
    outcomes: int = 0
    newly_suppressed: list[str] = field(default_factory=list)
    note: str | None = None
    error: str | None = None
    rate_limited: int = 0  # proven outcomes held back by the per-domain rate limit


class InboundService:
    def __init__(
        self,
        store: MailStore,
        repository: InboundRepository,
        suppression: SuppressionPort,
        policy: InboundPolicy,
        rate_limiter: RateLimiter | None = None,
    ) -> None:
        self._store = store
        self._repo = repository
        self._suppression = suppression
        self._policy = policy
        self._limiter = rate_limiter

    def process(self, notice: InboundNotice, now: datetime | None = None) -> InboundResult:
        """Raises MailUnavailableError (after recording it) when the message cannot be read
        and a retry might help, so the caller lets the invocation be retried."""
        now = now or datetime.now(UTC)
        previous = self._repo.status(notice.message_id)
        if previous == "recorded":
            return InboundResult(notice.message_id, "duplicate")
        try:
            raw = self._store.fetch(notice.location, self._policy.max_message_bytes)
        except MailUnavailableError as exc:
            report = InboundReport(
                "unparseable",
                0,
                notice.verdicts or AuthVerdicts(),
                recipients=notice.recipients,
                error=f"message not readable: {exc.reason}",
            )
            self._record(notice, report, now, fetch_failed=exc.retryable)
            if exc.retryable:
                raise
            return InboundResult(notice.message_id, "unreadable", "unparseable", error=exc.reason)
        # the envelope's time (SES receipt, S3 event), never a header the sender wrote: it
        # judges the return paths' age, dates the outcomes and picks the rate-limit hour
        at = received_time(notice, now)[0]
        report = analyse_inbound(
            raw,
            receipt_verdicts=notice.verdicts,
            envelope_recipients=notice.recipients,
            unsubscribe_mailboxes=self._policy.unsubscribe_mailboxes,
            signer=self._policy.signer,
            received_at=at,
        )
        del raw  # the biggest object of the invocation; nothing below needs it
        proven = feedback_outcomes(report, notice.message_id, at)
        outcomes, report = self._within_rate_limit(proven, report, at)
        applied = self._suppression.apply_outcomes(outcomes) if outcomes else ApplyResult()
        written = self._record(notice, report, now, applied=len(outcomes))
        if previous == "fetch-failed":
            self._repo.discard_failed(notice.message_id)
        return InboundResult(
            notice.message_id,
            "recorded" if written else "duplicate",
            report.kind,
            outcomes=len(outcomes),
            newly_suppressed=list(applied.newly_suppressed),
            note=report.note,
            error=report.error,
            rate_limited=len(proven) - len(outcomes),
        )

    def _within_rate_limit(
        self, outcomes: tuple[RecipientOutcome, ...], report: InboundReport, at: datetime
    ) -> tuple[tuple[RecipientOutcome, ...], InboundReport]:
        limit = self._policy.max_suppressions_per_domain_hour
        if not outcomes or not limit or self._limiter is None:
            return outcomes, report
        hour = at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        key = f"{sender_organisation(report.sender_domain)}#{hour:%Y-%m-%dT%H}"
        granted = self._limiter.take(key, len(outcomes), limit, hour + timedelta(hours=2))
        if granted >= len(outcomes):
            return outcomes, report
        held = len(outcomes) - granted
        note = (
            f"{report.note + '; ' if report.note else ''}rate limit: {held} of "
            f"{len(outcomes)} not applied ({limit} per sender domain and hour)"
        )
        return outcomes[:granted], replace(report, note=note)

    def _record(
        self,
        notice: InboundNotice,
        report: InboundReport,
        now: datetime,
        *,
        fetch_failed: bool = False,
        applied: int = 0,
    ) -> bool:
        at, time_source = received_time(notice, now)
        mailboxes: Sequence[str] = report.recipients or notice.recipients or (UNKNOWN_MAILBOX,)
        signer = self._policy.signer
        if signer is not None:  # one mailbox for all signed return paths
            mailboxes = [signer.base_mailbox(m) for m in mailboxes]
        written = False
        for mailbox in dict.fromkeys(mailboxes):
            record = InboundRecord(
                message_id=notice.message_id,
                mailbox=mailbox,
                received_at=at,
                received_at_source=time_source,
                location=notice.location,
                report=report,
                source=notice.source,
                expires_at=at + timedelta(days=self._policy.retention_days),
                fetch_failed=fetch_failed,
                suppressions_applied=applied,
            )
            written = self._repo.put(record) or written
        return written
