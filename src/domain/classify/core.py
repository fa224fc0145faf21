"""Classify one failed recipient from its status code, reply code and diagnostic text."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Final

try:
    import re._parser as _sre_parse  # Python 3.11+
except ImportError:  # pragma: no cover
    import sre_parse as _sre_parse  # type: ignore[no-redef]

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


def _mandatory_literal(pattern: str) -> str:
    """The longest literal run every match of *pattern* must contain ("" if none).

    Used as a cheap ``in`` pre-check so that most patterns never run their regex."""
    try:
        parsed = _sre_parse.parse(pattern)
    except Exception:  # noqa: BLE001 - no gate rather than a wrong gate
        return ""
    best = ""
    run: list[str] = []

    def flush() -> None:
        nonlocal best, run
        if len(run) > len(best):
            best = "".join(run)
        run = []

    def walk(items: Any) -> None:
        for op, av in items:
            name = str(op)
            if name == "LITERAL":
                run.append(chr(av))
            elif name == "SUBPATTERN" and not any(str(o) == "BRANCH" for o, _ in av[-1]):
                walk(av[-1])
            elif name == "AT":
                continue
            else:
                flush()

    walk(parsed)
    flush()
    return best if len(best) >= 3 else ""


_COMPILED: Final[tuple[tuple[str, tuple[tuple[str, re.Pattern[str]], ...]], ...]] = tuple(
    (reason, tuple((_mandatory_literal(p), re.compile(p)) for p in patterns))
    for reason, patterns in PHRASES
)
# The reply code (and status) repeated at the start of each line of a multi-line reply
_CONTINUATION_RE: Final = re.compile(r"\n[ \t]*[245]\d\d[- ](?:[245]\.\d{1,3}\.\d{1,3}[ \t]+)?")
_SPACE_RE: Final = re.compile(r"\s+")
_PREFIX_RE: Final = re.compile(r"^\s*(?:smtp|x-[\w.-]+|unknown|dns|mta)\s*;\s*", re.IGNORECASE)

#: Phrase reasons that say more than any status code (the code is often a generic reuse).
_PHRASE_BEATS_CODE: Final = frozenset(
    {
        "mailboxfull",
        "requireptr",
        "authfailure",
        "blocked",
        "spamdetected",
        "virusdetected",
        "badreputation",
        "suspend",
        "expired",
        "hasmoved",
        "exceedlimit",
        "norelaying",
        "toomanyconn",
        "speeding",
        "notaccept",
        "securityerror",
        "policyviolation",
        "systemfull",
    }
)
#: (code reason, phrase reason) pairs where the phrase is the more precise of the two.
_PHRASE_REFINES: Final = frozenset({("notaccept", "userunknown"), ("userunknown", "mailboxfull")})


def clean_diagnostic(text: str | None) -> str | None:
    """Strip the DSN type prefix (``smtp;``), collapse whitespace, bound the length."""
    if not text:
        return None
    text = _PREFIX_RE.sub("", text[: MAX_DIAGNOSTIC * 2], count=1)
    text = _CONTINUATION_RE.sub("\n", text)
    text = _SPACE_RE.sub(" ", text).strip()
    return text[:MAX_DIAGNOSTIC] or None


def phrase_reason(text: str) -> str | None:
    """The first reason of the phrase table matching *text* (any case)."""
    return _phrase_reason(text[:MAX_DIAGNOSTIC].lower())


@lru_cache(maxsize=4096)
def _phrase_reason(low: str) -> str | None:
    for reason, patterns in _COMPILED:
        for literal, pattern in patterns:
            if literal in low and pattern.search(low):
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
        if text_status is not None and (
            st is None
            or (is_generic(st) and not is_generic(text_status) and text_status[0] == st[0])
        ):
            st = text_status
        if reply_code is None:
            reply_code = find_reply_code(diag)
    permanent = permanence(st, reply_code)
    if permanent is None:
        permanent = permanent_hint
    reason = decide_reason(st, reply_code, diag)
    if reason is None:
        reason = default_reason or REASON_UNDETERMINED
    if reason == "hostunknown" and permanent is False:
        reason = "networkerror"  # a DNS failure that will be retried
    if reason == "delivered":
        return Classification(reason, Verdict.DELIVERED, st, reply_code, _kept(diag))
    return Classification(reason, verdict_for(reason, permanent), st, reply_code, _kept(diag))


def decide_reason(status: str | None, reply_code: str | None, diag: str | None) -> str | None:
    """Combine code semantics and phrase tables; None when nothing is known."""
    p_reason = phrase_reason(diag) if diag else None
    c_reason = reason_from_status(status)
    if c_reason is not None and is_strong(status):
        if (
            p_reason is not None
            and p_reason != c_reason
            and (p_reason in _PHRASE_BEATS_CODE or (c_reason, p_reason) in _PHRASE_REFINES)
        ):
            return p_reason
        return c_reason
    if p_reason is not None:
        return p_reason
    if c_reason is not None:
        return c_reason
    return reason_from_reply_code(reply_code)


def _kept(diag: str | None) -> str | None:
    return diag[:MAX_KEPT] if diag else None


def clear_caches() -> None:
    """Forget memoised phrase decisions (benchmarks measure cold work with this)."""
    _phrase_reason.cache_clear()
