"""What one received message is, and what it says about whom (pure; never raises).

Order of decisions (docs/inbound.md):

1. virus verdict FAIL: kind ``virus``; the header block is read, the body is not.
2. structure scan (:mod:`domain.inbound.scan`); unreadable: kind ``unparseable`` + reason.
3. report-like (multipart/report, a delivery-status or feedback-report part, a daemon
   sender, a bounce subject, a null return path, ...): a small *view* of the message (header
   blocks and the first KBs of the text and message parts, never the big attachments) goes
   through the classification engine (``domain.classify.analyse_message``): bounce, delay or
   delivery report -> ``dsn``; complaint -> ``arf``; automatic reply -> ``auto-reply``.
4. automatic-reply headers or subject -> ``auto-reply``.
5. sent to an unsubscribe mailbox, or a ``List-Unsubscribe`` mailto reply (subject
   "unsubscribe") -> ``unsubscribe``, about the ``From`` address. A subaddress names the
   scope (``unsubscribe+marketing@...`` unsubscribes from ``marketing`` only); without one
   the unsubscribe is global.
6. anything else -> ``human``.

DSN, ARF and unsubscribe messages change an address's state only with proof that it
concerns mail we sent to that address (docs/security.md):

- a DSN or ARF report: a return path we signed for that very recipient
  (:mod:`domain.inbound.proof`) found anywhere in the report, and DMARC not failed;
- an unsubscribe request: sent to a configured unsubscribe mailbox, by a ``From`` address
  whose domain DMARC, or SPF/DKIM aligned with it, proves.

Without proof the message is recorded with the reason, and changes nothing. SPF or DKIM
passing for *some* domain (:meth:`AuthVerdicts.authenticated`) is recorded, never enough.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime
from typing import Final, Literal, get_args

from domain.addresses import InvalidAddressError, domain_of, normalise_address
from domain.classify import analyse_message, autoreply
from domain.classify.arf import COMPLAINT_HINT_RE, REPORT_TYPE_RE
from domain.classify.mime import codec_name, decode_words, html_to_text
from domain.classify.sesmail import sent_by_aws
from domain.events import RecipientOutcome, truncate_ms
from domain.inbound.auth import FAIL, PASS, AuthVerdicts, merge_verdicts, verdicts_from_headers
from domain.inbound.proof import ReturnPathSigner
from domain.inbound.scan import (
    Buffer,
    MimeStructureError,
    Part,
    Scan,
    decoded_head,
    digest,
    scan,
    top_headers,
)
from domain.policy import REASON_UNSUBSCRIBE
from domain.scopes import GLOBAL_SCOPE, InvalidScopeError, normalise_scope
from domain.verdicts import Classification, Verdict

InboundKind = Literal["human", "dsn", "arf", "auto-reply", "unsubscribe", "unparseable", "virus"]
KINDS: Final = frozenset(get_args(InboundKind))
FEEDBACK_KINDS: Final = frozenset({"dsn", "arf", "unsubscribe"})

PREVIEW_CHARS: Final = 256
SUBJECT_CHARS: Final = 500
MAX_ATTACHMENTS: Final = 50
MAX_RECIPIENTS: Final = 100
MAX_FEEDBACK: Final = 100
NAME_CHARS: Final = 200
#: Bytes of each text/message part, and of all parts together, that the classifier sees.
VIEW_PART_BYTES: Final = 128 * 1024
VIEW_TOTAL_BYTES: Final = 512 * 1024

_REPORT_TYPES: Final = frozenset(
    {"message/delivery-status", "message/global-delivery-status", "message/feedback-report"}
)
_EMBEDDED_TYPES: Final = frozenset(
    {"message/rfc822", "message/global", "text/rfc822-headers", "message/rfc822-headers"}
)
_UNSUBSCRIBE_SUBJECT_RE: Final = re.compile(r"^\s*(?:(?:re|aw|sv|fwd?)\s*:\s*)*unsubscribe\b", re.I)
_RECEIVED_FOR_RE: Final = re.compile(r"\bfor\s+<?([^\s<>;]+@[^\s<>;]+?)>?\s*;", re.I)
_REPORT_KIND: Final[dict[str, InboundKind]] = {
    "bounce": "dsn",
    "delay": "dsn",
    "delivery": "dsn",
    "complaint": "arf",
    "auto-reply": "auto-reply",
}
_EVENT_TYPE: Final = {
    "bounce": "Bounce",
    "delay": "DeliveryDelay",
    "delivery": "Delivery",
    "complaint": "Complaint",
    "unsubscribe": "Unsubscribe",
}


@dataclass(frozen=True, slots=True)
class Attachment:
    name: str | None
    content_type: str
    size: int  # decoded bytes
    sha256: str  # of the decoded bytes
    defect: str | None = None


@dataclass(frozen=True, slots=True)
class Feedback:
    """One address a DSN, ARF report or unsubscribe request talks about."""

    address: str
    classification: Classification
    proof: str | None = None  # what proves it concerns mail we sent; None: nothing does
    scope: str = GLOBAL_SCOPE  # unsubscribes only: the list the request names


@dataclass(frozen=True, slots=True)
class InboundReport:
    kind: InboundKind
    size: int
    verdicts: AuthVerdicts = field(default_factory=AuthVerdicts)
    sender: str | None = None  # From addr-spec, normalised
    return_path: str | None = None
    recipients: tuple[str, ...] = ()  # the mailboxes it was delivered to
    subject: str | None = None
    date: datetime | None = None  # the Date header
    header_message_id: str | None = None
    received_at: datetime | None = (
        None  # the top Received header: informational, never used to date
    )
    preview: str | None = None
    attachments: tuple[Attachment, ...] = ()
    attachment_count: int = 0
    feedback: tuple[Feedback, ...] = ()
    feedback_type: str | None = None
    report_kind: str | None = None  # the classifier's kind: bounce, delay, delivery, ...
    authenticated: bool = False
    note: str | None = None
    error: str | None = None  # why the message is unparseable
    defects: tuple[str, ...] = ()

    @property
    def suppresses(self) -> bool:
        """Whether some of the feedback may be applied to the suppression table."""
        return self.kind in FEEDBACK_KINDS and any(f.proof for f in self.feedback)

    @property
    def sender_domain(self) -> str | None:
        """The ``From`` domain: what suppressions are rate-limited by."""
        return domain_of(self.sender) if self.sender else None


def analyse_inbound(
    raw: Buffer,
    *,
    receipt_verdicts: AuthVerdicts | None = None,
    envelope_recipients: Sequence[str] = (),
    unsubscribe_mailboxes: Iterable[str] = (),
    signer: ReturnPathSigner | None = None,
    received_at: datetime | None = None,
) -> InboundReport:
    """Analyse one raw received message. Never raises: bad input gives ``unparseable``.

    ``signer`` checks signed return paths (without one no DSN or ARF report proves
    anything); ``received_at`` (SES's receipt time) is the "now" their age is judged by.
    """
    size = len(raw) if isinstance(raw, (bytes, bytearray)) else 0
    origin = _Origin(signer, envelope_recipients, received_at or datetime.now(UTC))
    try:
        if not isinstance(raw, (bytes, bytearray)):
            return InboundReport("unparseable", 0, error="input is not bytes")
        return _analyse(raw, receipt_verdicts, origin, unsubscribe_mailboxes)
    except RecursionError:
        return InboundReport("unparseable", size, error="message nesting too deep")
    except Exception as exc:  # noqa: BLE001 - the contract is: never raise
        return InboundReport("unparseable", size, error=f"unexpected {type(exc).__name__}")


@dataclass(frozen=True, slots=True)
class _Origin:
    """What proof of origin is checked with: the signer, the envelope recipients (SES's
    receipt names the signed return path there) and the time of receipt."""

    signer: ReturnPathSigner | None
    envelope: Sequence[str]
    at: datetime

    def prove(self, view: bytes, verdicts: AuthVerdicts, feedback: list[Feedback]) -> str:
        """Mark each feedback entry that a signed return path proves; return the note."""
        if not feedback:
            return "no recipient address found"
        if verdicts.dmarc == FAIL or (verdicts.spf == FAIL and verdicts.dkim != PASS):
            # SES saw a forged sender: even a genuine token may have been lifted from a
            # message its recipient forwarded or published
            failed = "DMARC" if verdicts.dmarc == FAIL else "SPF"
            return f"{failed} failed: recorded, no suppression"
        if self.signer is None:
            return "no return-path key configured: recorded, no suppression"
        tokens = self.signer.tokens_in([view, *self.envelope])
        proven = self.signer.proven([f.address for f in feedback], tokens, self.at)
        for i, entry in enumerate(feedback):
            if entry.address in proven:
                feedback[i] = replace(entry, proof="signed return path")
        if len(proven) == len(feedback):
            return "every recipient proven by a signed return path"
        missing = len(feedback) - len(proven)
        why = "no signed return path" if not tokens else "no valid signed return path"
        return f"{why} for {missing} of {len(feedback)} recipient(s): those are not applied"


def _analyse(
    raw: Buffer,
    receipt: AuthVerdicts | None,
    origin: _Origin,
    unsubscribe: Iterable[str],
) -> InboundReport:
    size = len(raw)
    if not size:
        verdicts = merge_verdicts(receipt, AuthVerdicts())
        return InboundReport("unparseable", 0, verdicts, error="empty message")
    try:
        structure: Scan | None = scan(raw)
        error = None
    except MimeStructureError as exc:
        structure, error = None, str(exc)
    top = structure.root.headers if structure else top_headers(raw)
    verdicts = merge_verdicts(receipt, verdicts_from_headers(_items(top)))
    common = _Common.read(top, origin.envelope)
    base = InboundReport(
        "unparseable",
        size,
        verdicts,
        sender=common.sender,
        return_path=common.return_path,
        recipients=common.recipients,
        subject=common.subject,
        date=common.date,
        header_message_id=common.message_id,
        received_at=common.received_at,
    )
    if verdicts.virus_found:
        return replace(base, kind="virus", note="virus verdict FAIL: the body was not parsed")
    if structure is None:
        if top is not None and _report_like(top, []):
            # the classification engine reads a multipart whose boundary never occurs as text
            salvaged = _classify(bytes(raw[:VIEW_TOTAL_BYTES]), verdicts, base, origin)
            if salvaged is not None:
                return replace(salvaged, defects=(error or "",))
        return replace(base, error=error)

    leaves = structure.root.leaves()
    types = [leaf.content_type for leaf in leaves]
    inventory, count = _attachments(raw, leaves)
    attachment_defects = tuple(a.defect for a in inventory if a.defect)
    base = replace(
        base,
        kind="human",
        preview=_preview(raw, leaves),
        attachments=inventory,
        attachment_count=count,
        defects=tuple(structure.defects[:10]) + attachment_defects[:5],
    )
    note = None
    if _report_like(structure.root.headers, types):
        classified = _classify(_view(raw, structure.root), verdicts, base, origin)
        if classified is not None:
            return classified
        note = "looked like a delivery or feedback report, but the classifier found none"
    if _auto_reply(structure.root.headers, common.subject or ""):
        return replace(base, kind="auto-reply", note=note)
    unsubscribe = tuple(unsubscribe)
    mailbox = _unsubscribe_mailbox(common.recipients, unsubscribe)
    if mailbox is not None or _UNSUBSCRIBE_SUBJECT_RE.search(common.subject or ""):
        scope, scope_note = _unsubscribe_scope(mailbox, unsubscribe)
        return _unsubscribe_report(
            common, verdicts, mailbox, base, scope=scope, scope_note=scope_note
        )
    return replace(base, note=note)


# --- header fields ------------------------------------------------------------------------


def _items(msg: Message | None) -> list[tuple[str, str]]:
    if msg is None:
        return []
    return [(str(k), str(v)) for k, v in msg.items()]


def _text(msg: Message | None, name: str, limit: int = 2000) -> str | None:
    if msg is None:
        return None
    value = msg.get(name)
    if value is None:
        return None
    text = decode_words(str(value))
    text = " ".join(text.split())
    return text[:limit] if text else None


def _address(raw: str | None) -> str | None:
    if not raw:
        return None
    with suppress(InvalidAddressError):
        return normalise_address(raw)
    return None


def _addresses(values: Iterable[str]) -> list[str]:
    out: dict[str, None] = {}
    with suppress(Exception):  # getaddresses copes with nearly anything; be safe anyway
        for _, addr in getaddresses(list(values)):
            norm = _address(addr)
            if norm:
                out.setdefault(norm, None)
    return list(out)


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        parsed = parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    with suppress(OverflowError, ValueError):
        return truncate_ms(parsed.astimezone(UTC))
    return None


@dataclass(frozen=True, slots=True)
class _Common:
    sender: str | None
    return_path: str | None
    recipients: tuple[str, ...]
    subject: str | None
    date: datetime | None
    message_id: str | None
    received_at: datetime | None

    @classmethod
    def read(cls, msg: Message | None, envelope: Sequence[str]) -> _Common:
        sender = _addresses([_text(msg, "From") or ""])
        return_path = _text(msg, "Return-Path", 400)
        received = _text(msg, "Received", 2000)
        recipients = [a for a in (_address(r) for r in envelope) if a]
        if not recipients and received:
            # SES's own Received header names the recipient when there is one
            m = _RECEIVED_FOR_RE.search(received)
            if m and (addr := _address(m.group(1))):
                recipients = [addr]
        if not recipients:
            recipients = _addresses([_text(msg, "To") or "", _text(msg, "Cc") or ""])
        subject = _text(msg, "Subject", SUBJECT_CHARS)
        when = received.rsplit(";", 1)[1] if received and ";" in received else None
        return cls(
            sender=sender[0] if sender else None,
            return_path=return_path.strip("<> ") if return_path is not None else None,
            recipients=tuple(recipients[:MAX_RECIPIENTS]),
            subject=subject,
            date=_when(_text(msg, "Date", 200)),
            message_id=_text(msg, "Message-ID", 500),
            received_at=_when(when),
        )


# --- kinds ----------------------------------------------------------------------------------


def _report_like(top: Message, types: Sequence[str]) -> bool:
    ctype = str(top.get("Content-Type", "")).lower()
    subject = _text(top, "Subject") or ""
    sender = _text(top, "From") or ""
    return_path = _text(top, "Return-Path")
    return (
        ctype.startswith("multipart/report")
        or bool(REPORT_TYPE_RE.search(ctype))
        or any(t in _REPORT_TYPES for t in types)
        or top.get("X-Failed-Recipients") is not None
        or bool(autoreply.BOUNCE_SENDER_RE.search(sender))
        or sent_by_aws(sender, top.get("x-amz-sns-message-id"))  # SES notifications by email
        or bool(autoreply.BOUNCE_SUBJECT_RE.search(subject))
        or (return_path is not None and return_path.strip() in ("<>", ""))
        or bool(COMPLAINT_HINT_RE.search(subject) and any(t in _EMBEDDED_TYPES for t in types))
    )


def _auto_reply(top: Message, subject: str) -> bool:
    if autoreply.AUTO_SUBJECT_RE.search(subject) or autoreply.AUTO_SUBJECT_ANYWHERE_RE.search(
        subject
    ):
        return True
    if any(top.get(h) is not None for h in autoreply.AUTO_HEADERS):
        return True
    if str(top.get("Precedence", "")).strip().lower() in autoreply.AUTO_PRECEDENCE:
        return True
    return str(top.get("Auto-Submitted", "")).strip().lower().startswith("auto-replied")


def _classify(
    view: bytes, verdicts: AuthVerdicts, base: InboundReport, origin: _Origin
) -> InboundReport | None:
    report = analyse_message(view)
    kind = _REPORT_KIND.get(report.kind)
    if kind is None:
        return None
    feedback: list[Feedback] = []
    if kind != "auto-reply":
        for r in report.recipients:
            addr = _address(r.address)
            if addr and all(f.address != addr for f in feedback):
                feedback.append(Feedback(addr, r.classification))
            if len(feedback) >= MAX_FEEDBACK:
                break
    authenticated, _ = verdicts.authenticated()
    note = report.error
    if kind in FEEDBACK_KINDS:
        note = (
            report.error
            if not feedback and report.error
            else origin.prove(view, verdicts, feedback)
        )
    return replace(
        base,
        kind=kind,
        feedback=tuple(feedback),
        feedback_type=report.feedback_type,
        report_kind=report.kind,
        authenticated=authenticated,
        note=note,
        error=None,
    )


def _unsubscribe_mailbox(recipients: Sequence[str], mailboxes: Iterable[str]) -> str | None:
    wanted = {a for a in (_address(m) for m in mailboxes) if a}
    if not wanted:
        return None
    for rcpt in recipients:
        local, _, domain = rcpt.rpartition("@")
        if rcpt in wanted or f"{local.split('+', 1)[0]}@{domain}" in wanted:
            return rcpt
    return None


def _unsubscribe_scope(mailbox: str | None, mailboxes: Iterable[str]) -> tuple[str, str | None]:
    """(the scope an unsubscribe mailbox names, a note when its subaddress is not a scope).
    ``unsubscribe+marketing@d`` -> ``marketing``; a configured mailbox itself, or one
    without a subaddress, is global (today's behaviour). A subaddress that is not a scope
    name is read as global: the sender asked to be removed, and we cannot tell from what,
    so the request is honoured for everything rather than dropped."""
    if mailbox is None or mailbox in {_address(m) for m in mailboxes}:
        return GLOBAL_SCOPE, None
    local = mailbox.rpartition("@")[0]
    if "+" not in local:
        return GLOBAL_SCOPE, None
    try:
        return normalise_scope(local.split("+", 1)[1]), None
    except InvalidScopeError:
        return GLOBAL_SCOPE, "the mailbox's subaddress is not a scope name: applied as global"


def _unsubscribe_report(
    common: _Common,
    verdicts: AuthVerdicts,
    mailbox: str | None,
    base: InboundReport,
    *,
    scope: str = GLOBAL_SCOPE,
    scope_note: str | None = None,
) -> InboundReport:
    authenticated, _ = verdicts.authenticated()
    how = "sent to the unsubscribe mailbox" if mailbox else "subject asks to unsubscribe"
    if scope != GLOBAL_SCOPE:
        how = f"{how}, scope {scope}"
    feedback: tuple[Feedback, ...] = ()
    aligned = verdicts.aligned_with(base.sender_domain)  # base carries common.sender
    if not common.sender:
        note = "no From address to unsubscribe"
    elif mailbox is None:
        # a request may only come through the mailbox List-Unsubscribe names: anyone can
        # write "unsubscribe" to a support address on someone else's behalf
        note = "asks to unsubscribe, but not through the unsubscribe mailbox: not applied"
    elif aligned is None:
        note = (
            "From domain not proven (no DMARC pass, no SPF/DKIM pass aligned with it): "
            "recorded, no suppression"
        )
    else:
        note = f"{how}; {aligned}"
    if scope_note and mailbox is not None:
        note = f"{note}; {scope_note}"
    if common.sender:
        c = Classification(
            REASON_UNSUBSCRIBE,
            Verdict.UNDETERMINED,
            diagnostic=f"unsubscribe request by email ({how})",
        )
        proof = aligned if mailbox is not None else None
        feedback = (Feedback(common.sender, c, proof, scope),)
    return replace(
        base, kind="unsubscribe", feedback=feedback, authenticated=authenticated, note=note
    )


# --- body: preview, inventory, classifier view ----------------------------------------------


def _is_body_text(part: Part) -> bool:
    return (
        part.content_type in ("text/plain", "text/html")
        and part.disposition() != "attachment"
        and part.filename() is None
    )


def _preview(raw: Buffer, leaves: Sequence[Part]) -> str | None:
    for wanted in ("text/plain", "text/html"):
        for part in leaves:
            if part.content_type == wanted and _is_body_text(part):
                data = decoded_head(raw, part, PREVIEW_CHARS * 16)
                try:
                    charset = part.headers.get_content_charset() or "utf-8"
                except Exception:  # noqa: BLE001
                    charset = "utf-8"
                text = data.decode(codec_name(charset), "replace")
                if wanted == "text/html":
                    text = html_to_text(text)
                text = " ".join(text.split())
                return text[:PREVIEW_CHARS] or None
    return None


def _attachments(raw: Buffer, leaves: Sequence[Part]) -> tuple[tuple[Attachment, ...], int]:
    out: list[Attachment] = []
    count = 0
    for part in leaves:
        if part.depth == 0 and part.content_type in ("text/plain", "text/html"):
            continue  # a single-part message: its body is not an attachment
        if _is_body_text(part):
            continue
        count += 1
        if len(out) >= MAX_ATTACHMENTS:
            continue
        d = digest(raw, part)
        name = part.filename()
        out.append(
            Attachment(
                name=decode_words(name)[:NAME_CHARS] if name else None,
                content_type=part.content_type,
                size=d.size,
                sha256=d.sha256,
                defect=d.defect,
            )
        )
    return tuple(out), count


def _view(raw: Buffer, root: Part) -> bytes:
    """A small copy of the message for the classifier: every header block, and the first
    :data:`VIEW_PART_BYTES` of text and message parts (other bodies left empty)."""
    budget = [VIEW_TOTAL_BYTES]
    return _view_part(raw, root, budget)


def _view_part(raw: Buffer, part: Part, budget: list[int]) -> bytes:
    head = bytes(raw[part.header_start : part.head_end])
    if head and not head.endswith(b"\n"):
        head += b"\r\n"
    head += b"\r\n"
    if part.boundary is not None:
        chunks = [head]
        for child in part.children:
            chunks.append(b"--" + part.boundary + b"\r\n")
            chunks.append(_view_part(raw, child, budget))
            chunks.append(b"\r\n")
        chunks.append(b"--" + part.boundary + b"--\r\n")
        return b"".join(chunks)
    if not part.content_type.startswith(("text/", "message/", "multipart/")) or budget[0] <= 0:
        return head
    take = min(part.size, VIEW_PART_BYTES, budget[0])
    end = part.body_start + take
    if end < part.body_end:
        cut = raw.rfind(b"\n", part.body_start, end)
        end = cut + 1 if cut > part.body_start else end
    budget[0] -= end - part.body_start
    return head + bytes(raw[part.body_start : end])


# --- outcomes -------------------------------------------------------------------------------


def feedback_outcomes(
    report: InboundReport, message_id: str, occurred_at: datetime
) -> tuple[RecipientOutcome, ...]:
    """The suppression outcomes of a DSN, ARF report or unsubscribe request: one per
    feedback entry that is proven to concern mail we sent (:attr:`Feedback.proof`).

    Event ids are ``inbound:<message id>:<address>``: the same message delivered again gives
    the same ids, so the suppression table does not change twice.
    """
    if not report.suppresses:
        return ()
    kind = "unsubscribe" if report.kind == "unsubscribe" else (report.report_kind or "")
    event_type = _EVENT_TYPE.get(kind, "Inbound")
    at = truncate_ms(occurred_at.astimezone(UTC))
    return tuple(
        RecipientOutcome(
            address=f.address,
            event_type=event_type,
            event_id=f"inbound:{message_id}:{f.address}",
            occurred_at=at,
            classification=f.classification,
            message_id=message_id,
            feedback_type=report.feedback_type,
            source="inbound",
            scope=f.scope,
        )
        for f in report.feedback
        if f.proof
    )
