"""Classification of SES bounce, delay and complaint recipients, and whole SES messages.

SES's ``bounceType``/``bounceSubType`` is one input, not the answer: each recipient's DSN
``action``, ``status`` and ``diagnosticCode`` are reconciled with it and usually win,
because they are more precise (SES has labelled a ``550 5.3.0`` user-unknown rejection
Transient/General, and a Permanent bounce can carry a ``delayed`` 4.x.x recipient).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Final

from domain.classify.core import (
    MEMO_MAX_CHARS,
    classify_failure,
    classify_failure_unmemoised,
    clean_diagnostic,
    phrase_reason,
    register_cache,
    subject_of,
)
from domain.classify.evidence import FIRM_USERUNKNOWN, weigh_user_unknown
from domain.classify.receivers import apply_receiver_rules, has_receiver_rule
from domain.classify.report import MessageKind, MessageReport, RecipientReport
from domain.classify.smtp_stage import smtp_command
from domain.classify.status_codes import normalise_status
from domain.classify.taxonomy import verdict_for
from domain.event_types import (
    BOUNCE,
    COMPLAINT,
    DELIVERY,
    DELIVERY_DELAY,
    canonical_type_loosely,
)
from domain.verdicts import REASON_SES_SUPPRESSED, REASON_UNDETERMINED, Classification, Verdict
from domain.vocabulary import Reason

_SUPPRESSED_SUBTYPES: Final = frozenset({"suppressed", "onaccountsuppressionlist"})

#: bounceSubType -> the reason it implies when the recipient's own fields say nothing.
_SUBTYPE_DEFAULTS: Final[dict[str, Reason]] = {
    "noemail": Reason.USERUNKNOWN,
    "mailboxfull": Reason.MAILBOXFULL,
    "messagetoolarge": Reason.MESGTOOBIG,
    "contentrejected": Reason.CONTENTERROR,
    "attachmentrejected": Reason.CONTENTERROR,
}
#: Subtypes precise enough that only a firm contrary status code overrides them, and the
#: phrase reasons that may refine them.
_SUBTYPE_REFINEMENTS: Final[dict[str, frozenset[Reason]]] = {
    "noemail": frozenset(
        {Reason.USERUNKNOWN, Reason.HOSTUNKNOWN, Reason.HASMOVED, Reason.NOTACCEPT}
    ),
    "mailboxfull": frozenset({Reason.MAILBOXFULL, Reason.EXCEEDLIMIT, Reason.SYSTEMFULL}),
    "messagetoolarge": frozenset({Reason.MESGTOOBIG, Reason.EXCEEDLIMIT}),
    "contentrejected": frozenset(
        {
            Reason.SPAMDETECTED,
            Reason.VIRUSDETECTED,
            Reason.CONTENTERROR,
            Reason.NOTCOMPLIANTRFC,
            Reason.POLICYVIOLATION,
        }
    ),
    "attachmentrejected": frozenset(
        {Reason.VIRUSDETECTED, Reason.CONTENTERROR, Reason.POLICYVIOLATION}
    ),
}

#: RFC 3463 subjects that are never about the address (X.6 message content or media,
#: X.7 security or policy): the reason a Permanent/General bounce gets under them when its
#: text matches nothing, instead of the "remove the address" default.
_SUBJECT_FALLBACKS: Final[dict[str, Reason]] = {
    "6": Reason.CONTENTERROR,
    "7": Reason.POLICYVIOLATION,
}

#: delayType -> reason.  Types marked generic let the recipient's status/diagnostic decide.
_DELAY_TYPES: Final[dict[str, Reason]] = {
    "internalfailure": Reason.SYSTEMERROR,  # an SES-internal issue
    "general": Reason.SYSTEMERROR,  # a generic SMTP failure (generic: text decides)
    "mailboxfull": Reason.MAILBOXFULL,
    "spamdetected": Reason.SPAMDETECTED,  # the receiver saw much unsolicited mail from us
    "recipientservererror": Reason.SYSTEMERROR,  # generic: text decides
    "ipfailure": Reason.BLOCKED,  # our sending IP is blocked or throttled
    "transientcommunicationfailure": Reason.NETWORKERROR,
    "byoiphostnamelookupunavailable": Reason.REQUIREPTR,  # no DNS hostname for our BYOIP address
    "undetermined": Reason.UNDETERMINED,  # generic: text decides
    "sendingdeferral": Reason.SPEEDING,  # SES deferred the message itself (sending rate)
}
_GENERIC_DELAY_TYPES: Final = frozenset(
    {
        "general",
        "recipientservererror",
        "undetermined",
        "internalfailure",
        "transientcommunicationfailure",
    }
)


def _norm(value: object) -> str:
    return value.strip().lower() if type(value) is str or isinstance(value, str) else ""


def _str_or_none(value: object) -> str | None:
    # type() first: the exact-type test is much cheaper than isinstance on the hot path
    if type(value) is str or isinstance(value, str):
        return value or None
    return None


def classify_ses_bounce_recipient(
    bounce_type: str | None,
    bounce_sub_type: str | None,
    action: str | None,
    status: str | None,
    diagnostic_code: str | None,
    *,
    address: str | None = None,
    stage: str | None = None,
) -> Classification:
    """Classify one ``bouncedRecipients[]`` entry of an SES bounce.

    *address* (the entry's ``emailAddress``), when given, lets the receiver rules
    (receivers.py) read a well-known receiver's wording.  *stage*, the SMTP command the
    refusal answered when known from elsewhere (stored evidence), is used where the
    diagnostic does not name one.

    Rules, in order:
    1. Suppressed / OnAccountSuppressionList: SES refused to send; reason ``suppressed``,
       verdict undetermined (no new evidence about the address).
    2. ``action`` delivered/relayed/expanded: the recipient was in fact delivered.
    3. The recipient's own status code and diagnostic text decide (status codes, phrase
       tables); ``action: delayed`` or a 4.x.x code make the failure temporary, so never hard.
    4. Precise subtypes (NoEmail, MailboxFull, MessageTooLarge, ContentRejected,
       AttachmentRejected) decide when the text is silent, and are only refined by it.
    5. Nothing to go on: Permanent/General -> ``userunknown`` (invalid-address, AWS:
       "remove the recipient's email address"); Transient/General with no DSN at all ->
       ``vacation`` (what SES reports for automatic replies, e.g. the ooto@ simulator);
       Transient with some DSN -> ``expired`` (SES stopped retrying); else undetermined.
    """
    if diagnostic_code is None or (
        type(diagnostic_code) is str and len(diagnostic_code) <= MEMO_MAX_CHARS
    ):
        try:
            c = _bounce_recipient_memo(
                bounce_type, bounce_sub_type, action, status, diagnostic_code, stage
            )
        except TypeError:  # unhashable arguments of the wrong type: compute directly
            c = _bounce_recipient(
                bounce_type, bounce_sub_type, action, status, diagnostic_code, stage
            )
    else:
        c = _bounce_recipient(bounce_type, bounce_sub_type, action, status, diagnostic_code, stage)
    if address is not None and has_receiver_rule(address):
        known = c.stage or stage or smtp_command(_str_or_none(diagnostic_code) or "")
        c = apply_receiver_rules(address, c, known)
    return c


# C901: one flat sequence of checks per SES recipient, the hottest path (bench/classifier.py:
# events/s); its order is the precedence of the evidence, and helper calls would cost per event.
def _bounce_recipient(  # noqa: PLR0917, C901 - positional: the memo below keys on them cheaply
    bounce_type: str | None,
    bounce_sub_type: str | None,
    action: str | None,
    status: str | None,
    diagnostic_code: str | None,
    stage: str | None = None,
) -> Classification:
    btype = _norm(bounce_type)
    subtype = _norm(bounce_sub_type)
    act = _norm(action)
    st = normalise_status(_str_or_none(status))
    diag = _str_or_none(diagnostic_code)
    if subtype in _SUPPRESSED_SUBTYPES:
        return Classification(
            REASON_SES_SUPPRESSED, Verdict.UNDETERMINED, st, None, clean_diagnostic(diag)
        )
    if act in ("delivered", "relayed", "expanded"):
        return Classification(Reason.DELIVERED, Verdict.DELIVERED, st, None, clean_diagnostic(diag))

    permanent_hint: bool | None = {"permanent": True, "transient": False}.get(btype)
    if act == "delayed":
        permanent_hint = False
        if st is not None and st[0] == "5":
            st = "4" + st[1:]  # a delayed recipient is by definition not a permanent failure
    # unmemoised: this function's own memo already covers identical entries
    result = classify_failure_unmemoised(st, None, diag, permanent_hint)
    if result.reason == Reason.USERUNKNOWN and result.status not in FIRM_USERUNKNOWN:
        # an explicit X.1.1 is proof at any stage: only other codes need the stage read
        known = smtp_command(diag or "") or stage
        if known is not None:
            result = result._replace(stage=known)
        result = weigh_user_unknown(result, known)
    if act == "delayed" and result.verdict is Verdict.INVALID_ADDRESS:
        result = _with_verdict(result, Verdict.TRANSIENT)

    default = _SUBTYPE_DEFAULTS.get(subtype)
    if default is not None:
        allowed = _SUBTYPE_REFINEMENTS[subtype]
        if result.reason in allowed:
            return result
        if result.reason == REASON_UNDETERMINED or not _firm(result):
            reason = default
            if subtype == "contentrejected" and diag and phrase_reason(diag) == Reason.BLOCKED:
                reason = Reason.SPAMDETECTED
            perm = _permanent_of(result, permanent_hint)
            return _with_reason(result, reason, perm)
        return result

    if result.reason != REASON_UNDETERMINED:
        return result
    if btype == "permanent" and act != "delayed":
        fallback = _SUBJECT_FALLBACKS.get(subject_of(result.status) or "")
        if fallback is not None:
            # text we do not recognise under a code about the message or the sender: the
            # code says it is not the address, so "remove the address" does not apply
            return _with_reason(result, fallback, True)
        return _with_reason(result, Reason.USERUNKNOWN, True)
    if btype == "transient":
        if st is None and not diag and not act:
            return _with_reason(result, Reason.VACATION, None)
        return _with_reason(result, Reason.EXPIRED, False)
    return result


# Identical recipient entries recur (the same template diagnostic, or none at all): a hit
# returns the same immutable Classification without any text work.
_bounce_recipient_memo: Final = lru_cache(maxsize=2048, typed=True)(_bounce_recipient)


register_cache(_bounce_recipient_memo.cache_clear)


def _firm(result: Classification) -> bool:
    """True when the result rests on a specific status code or a phrase match."""
    return bool(result.diagnostic and phrase_reason(result.diagnostic)) or (
        result.status is not None and result.status[2:] not in ("0.0",)
    )


def _permanent_of(result: Classification, hint: bool | None) -> bool | None:
    code = result.status or result.reply_code
    if code:
        return code[0] == "5"
    return hint


def _with_reason(result: Classification, reason: str, permanent: bool | None) -> Classification:
    return Classification(
        reason,
        verdict_for(reason, permanent),
        result.status,
        result.reply_code,
        result.diagnostic,
    )


def _with_verdict(result: Classification, verdict: Verdict) -> Classification:
    return Classification(
        result.reason, verdict, result.status, result.reply_code, result.diagnostic
    )


def classify_ses_delay_recipient(
    delay_type: str | None, status: str | None, diagnostic_code: str | None
) -> Classification:
    """Classify one ``delayedRecipients[]`` entry of an SES DeliveryDelay event.

    A delay is never permanent, so never hard.  Precise delay types decide; generic ones
    (General, Undetermined, RecipientServerError, ...) let the status/diagnostic refine them.
    """
    dtype = _norm(delay_type)
    diag = _str_or_none(diagnostic_code)
    result = classify_failure(_str_or_none(status), None, diag, permanent_hint=False)
    type_reason = _DELAY_TYPES.get(dtype, REASON_UNDETERMINED)
    if dtype in _GENERIC_DELAY_TYPES or dtype not in _DELAY_TYPES:
        reason = result.reason if result.reason != REASON_UNDETERMINED else type_reason
    else:
        reason = type_reason
    return Classification(
        reason, verdict_for(reason, False), result.status, result.reply_code, result.diagnostic
    )


def classify_complaint(feedback_type: str | None, complaint_sub_type: str | None) -> Classification:
    """Classify one complaint (SES complaint object or ARF report).

    Any feedback type is a complaint except ``not-spam`` (a correction: undetermined);
    complaintSubType ``OnAccountSuppressionList`` means SES did not send at all.
    """
    if _norm(complaint_sub_type) == "onaccountsuppressionlist":
        return Classification(REASON_SES_SUPPRESSED, Verdict.UNDETERMINED)
    if _norm(feedback_type) == "not-spam":
        return Classification(Reason.FEEDBACK, Verdict.UNDETERMINED)
    return Classification(Reason.FEEDBACK, Verdict.COMPLAINT)


# --------------------------------------------------------------------------------------
# Whole SES notifications / events


def _mapping(value: object) -> Mapping[str, object] | None:
    if type(value) is dict:  # what JSON decoders give; skips the slower ABC check
        return value
    return value if isinstance(value, Mapping) else None


def _list(value: object) -> list[object] | tuple[object, ...]:
    if type(value) is list:
        return value
    return value if isinstance(value, (list, tuple)) else []


def _address(entry: Mapping[str, object]) -> str | None:
    addr = _str_or_none(entry.get("emailAddress"))
    return extract_addr_spec(addr) if addr else None


def extract_addr_spec(value: str) -> str | None:
    """``"Name <a@b>"`` -> ``"a@b"`` (lower-cased); None when there is no ``@``."""
    value = value.strip()
    if "<" in value and ">" in value:
        value = value[value.rfind("<") + 1 : value.rfind(">")]
    value = value.strip().strip("<>").strip()
    if "@" not in value or len(value) > 320:
        return None
    return value.lower()


def classify_ses_bounce_entry(
    bounce_type: str | None,
    bounce_sub_type: str | None,
    entry: Mapping[str, object],
    address: str | None,
) -> Classification:
    """Classify one ``bouncedRecipients[]`` object: the fields of it that matter, read in
    one place for every caller (wrong types read as absent)."""
    return classify_ses_bounce_recipient(
        bounce_type,
        bounce_sub_type,
        _str_or_none(entry.get("action")),
        _str_or_none(entry.get("status")),
        _str_or_none(entry.get("diagnosticCode")),
        address=address,
    )


def classify_ses_delay_entry(delay_type: str | None, entry: Mapping[str, object]) -> Classification:
    """Classify one ``delayedRecipients[]`` object (see classify_ses_bounce_entry)."""
    return classify_ses_delay_recipient(
        delay_type,
        _str_or_none(entry.get("status")),
        _str_or_none(entry.get("diagnosticCode")),
    )


def classify_ses_message(obj: Mapping[str, object]) -> MessageReport:
    """Classify an SES notification (``notificationType``) or event (``eventType``).

    Never raises for malformed input: unknown or unusable objects give kind ``other``
    with an ``error``.
    """
    try:
        return _classify_ses_message(obj)
    except Exception as exc:  # noqa: BLE001 - never let bad input escape
        return MessageReport("other", error=f"unreadable SES object: {type(exc).__name__}")


# C901: the per-event dispatch on the SES event type and its fields, on the hot path like
# _bounce_recipient; each branch is a few field reads, not worth a call each.
def _classify_ses_message(obj: Mapping[str, object]) -> MessageReport:  # noqa: C901
    if type(obj) is not dict and not isinstance(obj, Mapping):
        return MessageReport("other", error="not a JSON object")
    kind_raw = obj.get("notificationType", obj.get("eventType"))
    if not isinstance(kind_raw, str):
        return MessageReport("other", error="no notificationType or eventType")
    kind = canonical_type_loosely(kind_raw)
    if kind == BOUNCE:
        bounce = _mapping(obj.get("bounce"))
        if bounce is None:
            return MessageReport("other", error="Bounce without a bounce object")
        btype = _str_or_none(bounce.get("bounceType"))
        bsub = _str_or_none(bounce.get("bounceSubType"))
        recips = []
        all_vacation = True
        for item in _list(bounce.get("bouncedRecipients")):
            entry = _mapping(item)
            if entry is None:
                continue
            addr = _address(entry)
            c = classify_ses_bounce_entry(btype, bsub, entry, addr)
            recips.append(RecipientReport(addr, c))
            if c.reason != Reason.VACATION:
                all_vacation = False
        if not recips:
            return MessageReport("bounce", error="bounce without usable bouncedRecipients")
        kind_out: MessageKind = "auto-reply" if all_vacation else "bounce"
        return MessageReport(kind_out, None, tuple(recips))
    if kind == COMPLAINT:
        complaint = _mapping(obj.get("complaint"))
        if complaint is None:
            return MessageReport("other", error="Complaint without a complaint object")
        ftype = _str_or_none(complaint.get("complaintFeedbackType"))
        c = classify_complaint(ftype, _str_or_none(complaint.get("complaintSubType")))
        recips = [
            RecipientReport(_address(e), c)
            for e in map(_mapping, _list(complaint.get("complainedRecipients")))
            if e is not None
        ]
        if not recips:
            recips = [RecipientReport(None, c)]
        return MessageReport("complaint", ftype, tuple(recips))
    if kind == DELIVERY:
        delivery = _mapping(obj.get("delivery"))
        if delivery is None:
            return MessageReport("other", error="Delivery without a delivery object")
        smtp = _str_or_none(delivery.get("smtpResponse"))
        c = classify_failure(None, None, smtp)
        c = Classification(
            Reason.DELIVERED, Verdict.DELIVERED, c.status, c.reply_code, c.diagnostic
        )
        addrs = [
            extract_addr_spec(a) for a in _list(delivery.get("recipients")) if isinstance(a, str)
        ]
        return MessageReport("delivery", None, tuple(RecipientReport(a, c) for a in addrs))
    if kind == DELIVERY_DELAY:
        delay = _mapping(obj.get("deliveryDelay"))
        if delay is None:
            return MessageReport("other", error="DeliveryDelay without a deliveryDelay object")
        dtype = _str_or_none(delay.get("delayType"))
        recips = []
        for item in _list(delay.get("delayedRecipients")):
            entry = _mapping(item)
            if entry is None:
                continue
            c = classify_ses_delay_entry(dtype, entry)
            recips.append(RecipientReport(_address(entry), c))
        return MessageReport("delay", None, tuple(recips))
    what = kind_raw[:60]
    return MessageReport("other", error=f"not a bounce, complaint, delivery or delay: {what}")
