"""``analyse_message``: what one raw bounce, complaint, auto-reply or DSN says."""

from __future__ import annotations

import re
from collections.abc import Callable
from email.message import Message
from functools import cache
from typing import Final

from domain.classify import arf, autoreply, dsn, mime, sesmail, transcript
from domain.classify.core import MAX_KEPT, classify_failure, clean_diagnostic, phrase_reason
from domain.classify.evidence import weigh_user_unknown
from domain.classify.receivers import apply_receiver_rules, has_receiver_rule
from domain.classify.report import MessageKind, MessageReport, RecipientReport
from domain.classify.ses import classify_complaint, classify_ses_message
from domain.classify.smtp_stage import smtp_command
from domain.classify.status_codes import STATUS_RE, is_generic, permanence
from domain.classify.taxonomy import verdict_for
from domain.verdicts import REASON_UNDETERMINED, Classification, Verdict
from domain.vocabulary import Reason

_DELIVERED_ACTIONS: Final = frozenset({"delivered", "relayed", "expanded"})
_WEAK_REASONS: Final = frozenset({REASON_UNDETERMINED, Reason.SYSTEMERROR, Reason.NETWORKERROR})
#: A refusal at these SMTP stages is about the sending side, not the recipient.
_SENDER_STAGE: Final = {
    "MAIL FROM": Reason.REJECTED,
    "CONNECT": Reason.BLOCKED,
    "HELO": Reason.BLOCKED,
    "EHLO": Reason.BLOCKED,
}
_NOT_ABOUT_SENDER: Final = frozenset({Verdict.INVALID_ADDRESS, Verdict.UNDETERMINED})
_INLINE_DSN_RE: Final = re.compile(
    r"^(?:final-recipient|original-recipient|x-actual-recipient)\s*:", re.I | re.M
)
#: Literals one of which every _INLINE_DSN_RE match holds (a cheap test first).
_INLINE_DSN_GATES: Final = (
    "l-Recipient",
    "l-recipient",
    "L-RECIPIENT",
    "ctual-R",
    "ctual-r",
    "CTUAL-R",
)
#: Headers only a non-delivery report carries (X-MS-Exchange-Message-Is-Ndr has no public
#: specification; Exchange and Office 365 put it on their NDRs, e.g. the 8 corpus files
#: lhost-exchange2007-05/-06, lhost-office365-*, rhost-microsoft-03).
_NDR_HEADERS: Final = ("X-Failed-Recipients", "X-MS-Exchange-Message-Is-Ndr")
_DSN_REPORT_TYPE_RE: Final = re.compile(r"report-type\s*=\s*[\"']?delivery-status\b", re.I)
_INLINE_ACTION_RE: Final = re.compile(
    r"^(?:action\s*:\s*(?:failed|delayed|delivered|relayed|expanded)|status\s*:\s*[245]\.)",
    re.I | re.M,
)
# A connection that could not be made (not one that broke: "lost connection with ...").
_AUTH_TLS_RE: Final = re.compile(r"\bauth|\b(?:tls|ssl|starttls)\b|encrypt", re.I)
_CONNECT_RE: Final = re.compile(r"(?<!lost )connect|timed? ?out|no route|unreachable", re.I)
_MAX_DEPTH: Final = 1
#: Headers naming who the notice was delivered to (the original's sender, us).
# (not X-Original-To: some MTAs, DragonFly's dma among them, write the failed recipient
# there in their own notices)
_OWN_RECIPIENT_HEADERS: Final = ("To", "Delivered-To", "Envelope-To", "X-Envelope-To")
_EMBEDDED_START_RE: Final = re.compile(
    r"^(?:return-path|received|from|date|subject|to|mime-version|content-type):", re.I | re.M
)
_QUOTED_RE: Final = re.compile(r"^> ?", re.M)


def analyse_message(raw: bytes) -> MessageReport:
    """Classify one raw RFC 5322 message.  Never raises: bad input gives kind ``other``."""
    try:
        if not isinstance(raw, (bytes, bytearray, memoryview)):
            return MessageReport("other", error="input is not bytes")
        return _analyse(mime.parse(bytes(raw)))
    except RecursionError:
        return MessageReport("other", error="message nesting too deep")
    except Exception as exc:  # noqa: BLE001 - the contract is: never raise
        return MessageReport("other", error=f"unparseable message: {type(exc).__name__}")


# C901: the documented order of evidence for one message (structure, conventions, wording),
# each step skipped once an earlier one decided; run once per bounce message read.
def _analyse(msg: Message, depth: int = 0) -> MessageReport:  # noqa: C901
    """Structure first, then conventions, then wording (docs/classification.md, "Structure
    before wording"): each step below only runs when the ones above it found nothing."""
    walked = mime.walk_outer(msg)
    parts = [part for part, _ in walked]
    types = [ctype for _, ctype in walked]
    text = _human_text(parts, types)
    flat = _unparsed_multipart(msg)
    if flat is not None:
        # a multipart whose boundary never occurs: read the body as plain text
        text = flat

    # 1. An RFC 5965 feedback report, whatever its subject or auto-reply headers say.
    if arf.is_feedback_report(types, mime.header(msg, "Content-Type"), text):
        return _arf(msg, parts, types, text)
    # 2. An RFC 3464 delivery status (a message/delivery-status part, or its fields inline).
    inline = flat if flat is not None else _inline_dsn_text(text, types)
    if any(t in dsn.DSN_TYPES for t in types) or inline is not None:
        report = _dsn(msg, parts, types, text, inline)
        if report is not None:
            return report
    # 3. An SES notification delivered by mail (an SNS email subscription).
    if sesmail.looks_like_notification(text) or "application/json" in types:
        by_aws = sesmail.sent_by_aws(
            mime.header(msg, "From"), mime.raw_header(msg, "x-amz-sns-message-id")
        )
        report = _ses_json(parts, types, text)
        if report is not None and (report.kind != "other" or by_aws):
            return report  # an SES event we do not classify (Open, Received, ...) is "other"
        if by_aws:
            # AWS's own notification, but unreadable: reading its text as a bounce would
            # take the JSON's other addresses (our own sender among them) for recipients
            return MessageReport("other", error="SES notification by mail that is not valid JSON")

    subject = mime.header(msg, "Subject")
    sender = mime.header(msg, "From")
    # 4. Automatic replies (RFC 3834, conventions, challenge/response), unless a header or
    # the content type says the notice is a non-delivery report (Exim's and Exchange's
    # bounces carry RFC 3834's Auto-Submitted too).
    ndr = _declared_non_delivery(msg)
    if not ndr:
        auto = _auto_reply_reason(msg, subject, sender, text)
        if auto is not None:
            addr = mime.first_address(sender)
            return MessageReport(
                "auto-reply",
                None,
                (RecipientReport(addr, Classification(auto, Verdict.AUTO_REPLY)),),
            )
    if arf.COMPLAINT_HINT_RE.search(subject) and "message/rfc822" in types:
        return _complaint(msg, parts, types, "abuse", None)
    # 5. A bounce in prose or as an SMTP transcript.
    bouncy = ndr or bool(
        autoreply.BOUNCE_SUBJECT_RE.search(subject) or autoreply.BOUNCE_SENDER_RE.search(sender)
    )
    if not text.strip():
        return MessageReport("other", error="no readable text part")
    report = _text_bounce(msg, text, bouncy)
    if depth < _MAX_DEPTH and _undetermined(report):
        inner = _embedded_bounce(text, depth)
        if inner is not None:
            return inner
    return report


def _declared_non_delivery(msg: Message) -> bool:
    """The notice says it is a non-delivery report in its headers: Exim's
    ``X-Failed-Recipients``, Exchange's ``X-MS-Exchange-Message-Is-Ndr``, or a
    ``multipart/report; report-type=delivery-status`` whose status part went missing."""
    if any(mime.raw_header(msg, h) is not None for h in _NDR_HEADERS):
        return True
    return bool(_DSN_REPORT_TYPE_RE.search(mime.header(msg, "Content-Type")))


def _inline_dsn_text(text: str, types: list[str]) -> str | None:
    """The notice's text when it carries RFC 3464 per-recipient fields inline (a gateway
    that writes the delivery status into its text part): a recipient field and an
    ``Action`` or ``Status`` field at the start of lines, before the returned message."""
    if any(t in dsn.DSN_TYPES for t in types) or not any(g in text for g in _INLINE_DSN_GATES):
        return None
    body = transcript.cut_original(text)
    if _INLINE_DSN_RE.search(body) and _INLINE_ACTION_RE.search(body):
        return body
    return None


def _undetermined(report: MessageReport) -> bool:
    return report.kind == "other" or all(
        r.classification.reason == REASON_UNDETERMINED for r in report.recipients
    )


def _embedded_bounce(text: str, depth: int) -> MessageReport | None:
    """A bounce forwarded or quoted inside the notice (e.g. a relay returning the bounce it
    received): analyse the embedded message once."""
    if _QUOTED_RE.search(text):
        text = _QUOTED_RE.sub("", text)  # a forwarded bounce quoted with "> "
    start = _EMBEDDED_START_RE.search(text, 1)
    if start is None:
        return None
    inner = _analyse(mime.parse(text[start.start() :].encode("utf-8", "replace")), depth + 1)
    if inner.kind in ("bounce", "delay") and not _undetermined(inner):
        return inner
    return None


# --------------------------------------------------------------------------------------


def _unparsed_multipart(msg: Message) -> str | None:
    if msg.get_content_maintype() != "multipart":
        return None
    payload = msg.get_payload()
    if isinstance(payload, str):
        return payload[: transcript.MAX_TEXT * 2]
    return None


def _human_text(parts: list[Message], types: list[str]) -> str:
    """The human-readable notice: text parts outside any returned message, bounded
    (*parts* come from mime.walk_outer, which never descends into an enclosed message)."""
    chunks: list[str] = []
    html: list[str] = []
    size = 0
    for part, ctype in zip(parts, types, strict=False):
        if ctype in ("text/plain", "text") or (
            # a nested multipart whose boundary the parser never found (a parameter on an
            # unfolded line, a missing boundary): its body is the only text there is
            ctype.startswith("multipart/") and isinstance(part.get_payload(), str)
        ):
            chunks.append(mime.part_text(part))
            size += len(chunks[-1])
        elif ctype == "text/html":
            html.append(mime.part_text(part))
        if size > transcript.MAX_TEXT:
            break
    if not chunks and html:
        chunks = [mime.html_to_text(h) for h in html]
    return "\n".join(chunks)[: transcript.MAX_TEXT * 2]


def _excluded(msg: Message) -> set[str]:
    out = _own_recipients(msg)
    for name in ("From", "Sender", "Reply-To", "Return-Path"):
        out.update(mime.addresses(mime.header(msg, name)))
    return out


def _own_recipients(msg: Message) -> set[str]:
    """Who the notice itself was sent to: the original message's sender (us), never the
    failed recipient it reports."""
    out: set[str] = set()
    for name in _OWN_RECIPIENT_HEADERS:
        out.update(mime.addresses(mime.header(msg, name)))
    return out


def _failed_recipients_header(msg: Message, own: set[str]) -> list[str]:
    """``X-Failed-Recipients`` (Exim): the failed recipients, named by the notice's MTA."""
    return [a for a in mime.addresses(mime.header(msg, "X-Failed-Recipients")) if a not in own]


def _dsn_address(
    r: dsn.DsnRecipient, index: int, count: int, own: set[str], failed_hdr: list[str]
) -> str | None:
    """The failed recipient of one DSN block: its Final-Recipient (else Original-Recipient)
    unless that is the notice's own recipient (the original's sender) while X-Failed-Recipients
    names another: then the header's entry at the same position (when it lists one address
    per block, or the notice has one block).  Without such a header the block's own address
    stands, even when it is the notice's recipient: mail sent to oneself and forwarded on
    fails that way, and the address mailed is still the one in Final-Recipient."""
    for addr in (r.final_recipient, r.original_recipient):
        if addr and addr not in own:
            return addr
    if len(failed_hdr) == count:
        return failed_hdr[index]
    if count == 1 and failed_hdr:
        return failed_hdr[0]
    return r.address


def _classify_segment(
    seg: Callable[[], str], status: str | None, diagnostic: str | None, hint: bool | None
) -> Classification:
    """Classify one recipient from DSN fields and/or its text segment (*seg* gives it,
    computed on first use)."""
    c = _classify_texts(seg, status, diagnostic, hint)
    if (
        diagnostic
        and diagnostic.lstrip()[:6].lower() == "x-unix"
        and (verdict_for(c.reason, True) is not Verdict.MAILBOX_PROBLEM)
    ):
        # RFC 3464 diagnostic type x-unix: the local delivery program failed
        return Classification(
            Reason.MAILERERROR, Verdict.TRANSIENT, c.status, c.reply_code, c.diagnostic
        )
    return c


def _classify_texts(
    seg_of: Callable[[], str], status: str | None, diagnostic: str | None, hint: bool | None
) -> Classification:
    if diagnostic:
        first = classify_failure(status, None, diagnostic, permanent_hint=hint)
        if first.reason not in _WEAK_REASONS and (
            phrase_reason(first.diagnostic or "") or not is_generic(first.status)
        ):
            return _data_stage(first, lambda: diagnostic + "\n" + seg_of())
    seg = seg_of()
    excerpt = transcript.diagnostic_excerpt(seg) if seg else ""
    text = (diagnostic + "\n" + seg) if diagnostic else seg
    second = classify_failure(status, None, text, permanent_hint=hint)
    if second.reason == REASON_UNDETERMINED and diagnostic:
        second = classify_failure(status, None, diagnostic, permanent_hint=hint)
    kept = clean_diagnostic(diagnostic) or clean_diagnostic(excerpt)
    return _data_stage(
        Classification(
            second.reason,
            second.verdict,
            second.status,
            second.reply_code,
            kept[:MAX_KEPT] if kept else None,
        ),
        lambda: text,
    )


def _data_stage(c: Classification, text_of: Callable[[], str]) -> Classification:
    """What the SMTP stage named in *text* says about *c*: an unproven "user unknown"
    (evidence.py) is the recipient side's filtering; a refusal before RCPT TO is about the
    sender."""
    if c.reason != Reason.SECURITYERROR and verdict_for(c.reason, True) not in _NOT_ABOUT_SENDER:
        return c  # neither rule below can change it: the stage need not be read
    text = text_of()
    command = smtp_command(text)
    if command is not None:
        c = c._replace(stage=command)
    if command not in _SENDER_STAGE:
        c = weigh_user_unknown(c, command)
    if command in _SENDER_STAGE and (
        verdict_for(c.reason, True) in _NOT_ABOUT_SENDER
        # a bare "access denied" before RCPT TO: the sender (or client) is what was refused;
        # authentication/TLS wording keeps securityerror
        or (c.reason == Reason.SECURITYERROR and not _AUTH_TLS_RE.search(text))
    ):
        reason = _SENDER_STAGE[command]
        return Classification(
            reason, verdict_for(reason, True), c.status, c.reply_code, c.diagnostic, command
        )
    return c


def _receiver(
    addr: str | None, c: Classification, seg_of: Callable[[], str], diagnostic: str | None
) -> Classification:
    """Apply the receiver rules (receivers.py), with the SMTP stage the notice names."""
    if not has_receiver_rule(addr):
        return c
    seg = seg_of()
    text = (diagnostic + "\n" + seg) if diagnostic else seg
    return apply_receiver_rules(addr, c, smtp_command(text))


def _expired_fix(c: Classification, action: str | None) -> Classification:
    """A 4.x.x failure the reporting MTA gave up on is ``expired`` unless the text says more."""
    if action != "failed" or not c.status or c.status[0] != "4":
        return c
    if c.reason == REASON_UNDETERMINED or (
        c.reason == Reason.NETWORKERROR and _CONNECT_RE.search(c.diagnostic or "")
    ):
        return c._replace(reason=Reason.EXPIRED, verdict=Verdict.TRANSIENT)
    return c


def _dsn(
    msg: Message, parts: list[Message], types: list[str], text: str, flat: str | None = None
) -> MessageReport | None:
    recips: list[dsn.DsnRecipient] = []
    for part, ctype in zip(parts, types, strict=False):
        if ctype in dsn.DSN_TYPES:
            recips.extend(dsn.recipients(dsn.delivery_status_text(part)))
    if flat is not None and not recips:
        recips = dsn.recipients(flat)
    if not recips:
        return None
    body = transcript.cut_original(text)
    # The notice's text is split per recipient only when a recipient needs its part (weak
    # DSN fields, or a decision that depends on the SMTP stage): splitting is a quarter of
    # the analysis, and most DSNs say enough in their own fields.
    segs = cache(lambda: dict(transcript.segments(body, _excluded(msg))) if body.strip() else {})
    out: list[RecipientReport] = []
    actions: list[str] = []
    # the notice's own recipients matter only when X-Failed-Recipients offers another name
    named = mime.raw_header(msg, "X-Failed-Recipients") is not None
    own = _own_recipients(msg) if named else set()
    failed_hdr = _failed_recipients_header(msg, own) if named else []
    for index, r in enumerate(recips):
        action = r.action or ""
        actions.append(action)
        addr = _dsn_address(r, index, len(recips), own, failed_hdr) if failed_hdr else r.address
        if action in _DELIVERED_ACTIONS:
            c = classify_failure(r.status, None, r.diagnostic)
            out.append(
                RecipientReport(
                    addr,
                    Classification(
                        Reason.DELIVERED, Verdict.DELIVERED, c.status, c.reply_code, c.diagnostic
                    ),
                )
            )
            continue
        hint = False if action == "delayed" else permanence(r.status, None)
        seg = cache(
            lambda addr=addr: segs().get(addr or "", "") or (body if len(recips) == 1 else "")
        )
        c = _receiver(addr, _classify_segment(seg, r.status, r.diagnostic, hint), seg, r.diagnostic)
        if action == "delayed" and c.verdict is Verdict.INVALID_ADDRESS:
            c = c._replace(verdict=Verdict.TRANSIENT)
        out.append(RecipientReport(addr, _expired_fix(c, action)))
    kind: MessageKind
    if all(a in _DELIVERED_ACTIONS for a in actions):
        kind = "delivery"
    elif all(a == "delayed" for a in actions):
        kind = "delay"
    else:
        kind = "bounce"
    return MessageReport(kind, None, tuple(out))


def _text_bounce(msg: Message, text: str, bouncy: bool) -> MessageReport:
    body = transcript.cut_original(text)
    exclude = _excluded(msg)
    failed_hdr = _failed_recipients_header(msg, exclude)
    segs = transcript.segments(body, exclude)
    if failed_hdr:
        known = dict(segs)
        segs = [(a, known.get(a, body)) for a in failed_hdr]
    hint = transcript.permanence_hint(body)
    out: list[RecipientReport] = []
    for addr, text_of in segs:
        seg = cache(lambda text_of=text_of: text_of)
        c = _receiver(addr, _classify_segment(seg, None, None, hint), seg, None)
        if (
            hint is True
            and c.reason == Reason.NETWORKERROR
            and c.reply_code is None
            and (_CONNECT_RE.search(c.diagnostic or ""))
        ):
            c = c._replace(reason=Reason.EXPIRED, verdict=Verdict.TRANSIENT)
        out.append(RecipientReport(addr, c))
    if not bouncy and all(r.classification.reason == REASON_UNDETERMINED for r in out):
        return MessageReport("other", error="not a bounce, complaint or automatic reply")
    if hint is False and all(not r.classification.hard for r in out) and not bouncy:
        return MessageReport("delay", None, tuple(out))
    error = None
    if all(r.classification.reason == REASON_UNDETERMINED for r in out):
        error = "bounce without a recognisable reason"
    return MessageReport("bounce", None, tuple(out), error)


def _auto_reply_reason(msg: Message, subject: str, sender: str, text: str) -> str | None:
    """``vacation`` or ``challenge`` when the message is an automatic reply, else None.

    Strong conventions (an auto-reply subject in any language, ``X-Autoreply``-style
    headers, ``Precedence: auto_reply``, ``X-Autogenerated: Reply`` and the like) decide unless the
    sender or subject is a bounce's; the weak hints (RFC 3834 ``Auto-Submitted``,
    Microsoft's ``X-Auto-Response-Suppress`` and ``X-MS-Exchange-Inbox-Rules-Loop``) and
    out-of-office wording at the start of the text only when the body does not read like a
    bounce either.  A sender-verification request
    (challenge/response) is an automatic reply too, with its own reason."""
    if autoreply.BOUNCE_SENDER_RE.search(sender) or autoreply.BOUNCE_SUBJECT_RE.search(subject):
        return None
    body = transcript.cut_original(text)
    if autoreply.is_challenge(subject, body) and not STATUS_RE.search(body[:4000]):
        return autoreply.REASON_CHALLENGE
    if autoreply.auto_reply_subject(subject):
        return Reason.VACATION
    if any(mime.raw_header(msg, h) is not None for h in autoreply.AUTO_HEADERS):
        return Reason.VACATION
    if mime.header(msg, "Precedence").strip().lower() in autoreply.AUTO_PRECEDENCE:
        return Reason.VACATION
    if any(rx.search(mime.header(msg, name)) for name, rx in autoreply.AUTO_HEADER_VALUES):
        return Reason.VACATION
    weak = mime.header(msg, "Auto-Submitted").strip().lower().startswith("auto-replied") or any(
        mime.raw_header(msg, h) is not None for h in autoreply.WEAK_AUTO_HEADERS
    )
    # the weak hints, or out-of-office wording at the start of the text: an automatic
    # reply, unless the body reads like a bounce
    if (weak or autoreply.vacation_text(body)) and not (
        STATUS_RE.search(body) or phrase_reason(body[:2000])
    ):
        return Reason.VACATION
    return None


def _arf(msg: Message, parts: list[Message], types: list[str], text: str) -> MessageReport:
    fields: dict[str, str] = {}
    for part, ctype in zip(parts, types, strict=False):
        if ctype == "message/feedback-report":
            fields = arf.feedback_fields(part)
            break
    if not fields:
        # the report's fields written in the text (a lost or never-built report part)
        fields = arf.inline_fields(text)
    ftype = fields.get("feedback-type", "").strip().lower() or None
    if ftype is None:
        m = arf.FEEDBACK_TYPE_RE.search(text)
        ftype = m.group(1).lower() if m else "abuse"
    return _complaint(msg, parts, types, ftype, arf.report_recipients(fields))


def _complaint(
    msg: Message,
    parts: list[Message],
    types: list[str],
    ftype: str | None,
    addrs: list[str] | None,
) -> MessageReport:
    c = classify_complaint(ftype, None)
    if addrs:
        return MessageReport("complaint", ftype, tuple(RecipientReport(a, c) for a in addrs))
    addr: str | None = None
    for part, ctype in zip(parts, types, strict=False):
        if ctype in ("message/rfc822", "text/rfc822-headers"):
            addr = _original_to(part)
            if addr:
                break
    return MessageReport("complaint", ftype, (RecipientReport(addr, c),))


def _original_to(part: Message) -> str | None:
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        return mime.first_address(mime.header(payload[0], "To"))
    if isinstance(payload, str):
        m = re.search(r"^to:[ \t]*(.{1,500})$", payload[:20000], re.I | re.M)
        return mime.first_address(m.group(1)) if m else None
    return None


def _ses_json(parts: list[Message], types: list[str], text: str) -> MessageReport | None:
    """An SES notification delivered as an email body (sesmail.py finds it, ses.py
    classifies it as it classifies notifications received from SNS)."""
    obj = sesmail.find_notification(text)
    if obj is None:
        # the notice's text is cut for the wording rules; a notification with many
        # recipients or headers is longer, or attached as a JSON file: read those parts
        # again, less bounded
        full = "\n".join(
            mime.part_text(part, sesmail.MAX_BODY_CHARS)
            for part, ctype in zip(parts, types, strict=False)
            if ctype in ("text/plain", "text", "application/json")
        )
        if len(full) > len(text):
            obj = sesmail.find_notification(full)
    if obj is None:
        return None
    return classify_ses_message(obj)


__all__ = ["analyse_message", "verdict_for"]
