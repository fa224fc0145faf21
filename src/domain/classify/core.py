"""Classify one failed recipient from its status code, reply code and diagnostic text."""

from __future__ import annotations

import re
from typing import Final

from domain.classify.phrases import PHRASES
from domain.classify.status_codes import (
    find_reply_code,
    find_status,
    is_generic,
    is_strong,
    normalise_status,
    permanence,
    reason_from_reply_code,
    reason_from_status,
)
from domain.classify.taxonomy import verdict_for
from domain.verdicts import REASON_UNDETERMINED, Classification, Verdict

#: Diagnostic text beyond this many characters is ignored (bounded regex work).
MAX_DIAGNOSTIC: Final = 2000
#: Diagnostic text kept in a Classification.
MAX_KEPT: Final = 500

_COMPILED: Final[tuple[tuple[str, re.Pattern[str]], ...]] = tuple(
    (reason, re.compile("|".join(f"(?:{p})" for p in patterns))) for reason, patterns in PHRASES
)
_SPACE_RE: Final = re.compile(r"\s+")
_PREFIX_RE: Final = re.compile(r"^\s*(?:smtp|x-[\w.-]+|unknown|dns|mta)\s*;\s*", re.IGNORECASE)

#: Phrase reasons that say more than any status code (the code is often a generic reuse).
_PHRASE_BEATS_CODE: Final = frozenset(
    {"mailboxfull", "requireptr", "authfailure", "blocked", "spamdetected", "virusdetected",
     "badreputation", "suspend", "expired", "hasmoved", "exceedlimit", "norelaying"}
)


def clean_diagnostic(text: str | None) -> str | None:
    """Strip the DSN type prefix (``smtp;``), collapse whitespace, bound the length."""
    if not text:
        return None
    text = _PREFIX_RE.sub("", text[: MAX_DIAGNOSTIC * 2], count=1)
    text = _SPACE_RE.sub(" ", text).strip()
    return text[:MAX_DIAGNOSTIC] or None


def phrase_reason(text: str) -> str | None:
    """The first reason of the phrase table matching *text* (any case)."""
    low = text[:MAX_DIAGNOSTIC].lower()
    for reason, pattern in _COMPILED:
        if pattern.search(low):
            return reason
    return None


def classify_failure(
    status: str | None,
    reply_code: str | None,
    diagnostic: str | None,
    *,
    permanent_hint: bool | None = None,
    default_reason: str | None = None,
) -> Classification:
    """Classify one failed recipient.

    ``status``/``reply_code`` as reported (DSN fields); more specific codes found in the
    diagnostic text are preferred to generic ones.  ``permanent_hint`` is the failure class
    when no code gives it (e.g. SES bounceType); ``default_reason`` is used when neither
    the codes nor the text say anything.
    """
    diag = clean_diagnostic(diagnostic)
    st = normalise_status(status)
    if diag is not None:
        text_status = find_status(diag)
        if text_status is not None and (st is None or (is_generic(st) and not is_generic(
                text_status) and text_status[0] == st[0])):
            st = text_status
        if reply_code is None:
            reply_code = find_reply_code(diag)
    permanent = permanence(st, reply_code)
    if permanent is None:
        permanent = permanent_hint
    reason = decide_reason(st, reply_code, diag)
    if reason is None:
        reason = default_reason or REASON_UNDETERMINED
    if reason == "delivered":
        return Classification(reason, Verdict.DELIVERED, st, reply_code, _kept(diag))
    return Classification(reason, verdict_for(reason, permanent), st, reply_code, _kept(diag))


def decide_reason(status: str | None, reply_code: str | None, diag: str | None) -> str | None:
    """Combine code semantics and phrase tables; None when nothing is known."""
    p_reason = phrase_reason(diag) if diag else None
    c_reason = reason_from_status(status)
    if c_reason is not None and is_strong(status):
        if p_reason is not None and p_reason in _PHRASE_BEATS_CODE and p_reason != c_reason:
            return p_reason
        return c_reason
    if p_reason is not None:
        return p_reason
    if c_reason is not None:
        return c_reason
    return reason_from_reply_code(reply_code)


def _kept(diag: str | None) -> str | None:
    return diag[:MAX_KEPT] if diag else None
