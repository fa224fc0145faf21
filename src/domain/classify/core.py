"""Classify one failed recipient from its status code, reply code and diagnostic text."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any, Final

try:
    import re._parser as _sre_parse  # Python 3.11+
except ImportError:  # pragma: no cover
    import sre_parse as _sre_parse

from domain.classify.phrases import MAILBOX_GONE, PHRASES
from domain.classify.status_codes import (
    find_reply_code,
    find_status,
    is_generic,
    is_strong,
    normalise_status,
    permanence,
    reason_from_reply_code,
    reason_from_status,
    split_status,
)
from domain.classify.taxonomy import verdict_for
from domain.verdicts import REASON_UNDETERMINED, Classification, Verdict
from domain.vocabulary import Reason

#: Diagnostic text beyond this many characters is ignored (bounded regex work).
MAX_DIAGNOSTIC: Final = 2000
#: Diagnostic text kept in a Classification.
MAX_KEPT: Final = 500


def _gate(pattern: str) -> tuple[str, ...]:
    """Literals of which every match of *pattern* contains at least one (``()``: no gate).

    Used as a cheap ``in`` pre-check so that most patterns never run their regex: either
    the longest literal run the pattern requires, or, when that is too short, one literal
    per alternative of a required group (``(?:domain|host) ...``)."""
    try:
        parsed = _sre_parse.parse(pattern)
    except Exception:  # noqa: BLE001 - no gate rather than a wrong gate
        return ()
    return _items_gate(list(parsed))


# C901: one walk over sre_parse's opcodes, a case per opcode kind, recursing into groups and
# alternatives; split, the cases would pass the same closure state around.
def _items_gate(items: list[Any]) -> tuple[str, ...]:  # noqa: C901
    best = ""
    run: list[str] = []
    groups: list[tuple[str, ...]] = []

    def flush() -> None:
        nonlocal best, run
        if len(run) > len(best):
            best = "".join(run)
        run = []

    def walk(seq: Any) -> None:
        for op, av in seq:
            name = str(op)
            if name == "LITERAL":
                run.append(chr(av))
                continue
            if name == "AT":
                continue
            sub = av[-1] if name == "SUBPATTERN" else None
            if sub is not None and not any(str(o) == "BRANCH" for o, _ in sub):
                walk(sub)
                continue
            flush()
            branch = av[1] if name == "BRANCH" else None
            if sub is not None and len(sub) == 1 and str(sub[0][0]) == "BRANCH":
                branch = sub[0][1][1]
            if branch:
                # every match goes through one alternative, so it holds one literal of that
                # alternative's own gate: the union of the gates is a gate
                alts = [_items_gate(list(alt)) for alt in branch]
                if all(alts):
                    groups.append(tuple(dict.fromkeys(lit for a in alts for lit in a)))

    walk(items)
    flush()
    if len(best) >= 4:
        return (best,)
    usable = [g for g in groups if min(map(len, g)) >= 3]
    chosen = max(usable, key=lambda g: (min(map(len, g)), -len(g))) if usable else None
    if len(best) == 3 and (chosen is None or min(map(len, chosen)) <= 3):
        return (best,)  # one 3-letter literal ("rfc") filters better than a group of them
    if chosen is not None:
        return chosen
    return ()


def _entry(pattern: str) -> tuple[str, tuple[str, ...], re.Pattern[str]]:
    gate = _gate(pattern)
    if len(gate) == 1:
        return gate[0], (), re.compile(pattern)
    return "", gate, re.compile(pattern)


#: (reason, ((single literal gate | "", any-of literal gate | (), compiled pattern), ...))
PhraseTable = tuple[tuple[str, tuple[tuple[str, tuple[str, ...], re.Pattern[str]], ...]], ...]


@lru_cache(maxsize=1)
def shipped_phrase_table() -> PhraseTable:
    """The phrase table, compiled on first use rather than at import: compiling its few
    hundred patterns is most of the classifier's import time, and most Lambda cold starts
    (a Send or Delivery first, or a function that never classifies) do not need it."""
    return tuple((reason, tuple(_entry(p) for p in patterns)) for reason, patterns in PHRASES)


#: The table `_phrase_reason` reads: None is the shipped one (rules.disabled_rules installs
#: another for cross-validation).
_COMPILED: PhraseTable | None = None
# The reply code (and status) repeated at the start of each line of a multi-line reply
REPLY_START_RE: Final = re.compile(r"\s*([245]\d\d)[- ]")
_CONTINUATION_RE: Final = re.compile(
    r"\n[ \t]*([245]\d\d)[- ](?:[245]\.\d{1,3}\.\d{1,3}[ \t]+)?"
    r"|(?<=\s)([245]\d\d)[- ][245]\.\d{1,3}\.\d{1,3}[ \t]+"
)
# Volatile tokens (the text is whitespace-collapsed): anything with an "@", and tokens of 7+
# characters holding a digit but no 4-letter word and not starting with an SMTP code
# (queue ids, IPs, hashes).  Short numbers ("550", "5.1.1", "8bit") and words stay.
_ID_TOKEN_RE: Final = re.compile(
    r"(?=[^\d]*\d)(?![^\d]*[a-z]{4}|.*[a-z]{4})(?![#(\[]*[245]\.\d)(?![245]\d\d[-:])"
)
_ADDRESS_IN_TOKEN_RE: Final = re.compile(r"[^\s<>()\[\];,'\":]*@[^\s<>()\[\];,'\":]*")
_PREFIX_RE: Final = re.compile(r"^\s*(?:smtp|x-[\w.-]+|unknown|dns|mta)\s*;\s*", re.IGNORECASE)

#: Phrase reasons that say more than any status code (the code is often a generic reuse).
_PHRASE_BEATS_CODE: Final = frozenset(
    {
        Reason.MAILBOXFULL,
        Reason.REQUIREPTR,
        Reason.AUTHFAILURE,
        Reason.BLOCKED,
        Reason.SPAMDETECTED,
        Reason.VIRUSDETECTED,
        Reason.BADREPUTATION,
        Reason.SUSPEND,
        Reason.EXPIRED,
        Reason.HASMOVED,
        Reason.EXCEEDLIMIT,
        Reason.NORELAYING,
        Reason.TOOMANYCONN,
        Reason.SPEEDING,
        Reason.NOTACCEPT,
        Reason.SECURITYERROR,
        Reason.POLICYVIOLATION,
        Reason.SYSTEMFULL,
    }
)
#: Phrase reasons that only say "policy" or "security" in general.
_GENERIC_POLICY: Final = frozenset({Reason.POLICYVIOLATION, Reason.SECURITYERROR})
#: (code reason, phrase reason) pairs where the phrase is the more precise of the two.
_PHRASE_REFINES: Final = frozenset(
    {
        (Reason.NOTACCEPT, Reason.USERUNKNOWN),
        (Reason.USERUNKNOWN, Reason.MAILBOXFULL),
        # X.4.7 "delivery time expired" says retrying stopped; a DNS or network failure named
        # in the text is why
        (Reason.EXPIRED, Reason.NETWORKERROR),
    }
)


def clean_diagnostic(text: str | None) -> str | None:
    """Strip the DSN type prefix (``smtp;``), collapse whitespace, bound the length."""
    if not text:
        return None
    text = text[: MAX_DIAGNOSTIC * 2]
    semi = text.find(";", 0, 40)
    if semi > 0 and _PREFIX_RE.match(text):
        text = text[semi + 1 :]
    if "\n" in text or (
        text.count(" 5.") + text.count("-5.") + text.count(" 4.") + text.count("-4.") > 1
    ):
        # a multi-line reply, or one flattened with its code repeated ("550-5.7.1 a 550-5.7.1
        # b"); a single status plus digits elsewhere ("si5.5" ids) needs no rewriting
        text = _join_continuations(text)
    text = " ".join(text.split())
    return text[:MAX_DIAGNOSTIC] or None


def _join_continuations(text: str) -> str:
    """Drop the reply code repeated on each line of a multi-line reply (``550-5.7.1``), so
    that phrases broken across lines match; the first line keeps its code."""
    seen: set[str] = set()

    def repl(m: re.Match[str]) -> str:
        code = m.group(1) or m.group(2)
        if code in seen:
            return "\n" if m.group(1) else ""
        seen.add(code)
        return m.group(0)

    first = REPLY_START_RE.match(text)
    if first is not None:
        seen.add(first.group(1))
    return _CONTINUATION_RE.sub(repl, text)


def phrase_reason(text: str) -> str | None:
    """The first reason of the phrase table matching *text* (any case).

    Addresses and long tokens holding digits (queue ids, IPs, hashes) are replaced before
    matching and memoising: no phrase depends on them, and real diagnostics differ mostly
    by them, so the memo is shared by every bounce worded the same way."""
    return _phrase_reason(decision_text(text))


@lru_cache(maxsize=4096)
def _phrase_reason(low: str) -> str | None:
    table = _COMPILED if _COMPILED is not None else shipped_phrase_table()
    for reason, patterns in table:
        for single, any_of, pattern in patterns:
            if single:
                if single not in low:
                    continue
            elif any_of:
                for lit in any_of:
                    if lit in low:
                        break
                else:
                    continue
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
    if diagnostic is None or (type(diagnostic) is str and len(diagnostic) <= MEMO_MAX_CHARS):
        try:
            return _classify_failure_memo(
                status, reply_code, diagnostic, permanent_hint, default_reason
            )
        except TypeError:  # unhashable arguments of the wrong type: compute directly
            pass
    return classify_failure_unmemoised(
        status, reply_code, diagnostic, permanent_hint, default_reason
    )


#: Diagnostics up to this length are memoised verbatim: identical texts recur (the same
#: receiver, the same template), and a hit skips cleaning and tokenising altogether.
MEMO_MAX_CHARS: Final = 1000


def classify_failure_unmemoised(
    status: str | None,
    reply_code: str | None,
    diagnostic: str | None,
    permanent_hint: bool | None = None,
    default_reason: str | None = None,
) -> Classification:
    """:func:`classify_failure` without its verbatim memo, for callers that memoise their
    own (wider) inputs already: a second memo would only add a miss per unique text."""
    diag = clean_diagnostic(diagnostic)
    reason, verdict, st, rc = _decide(
        status, reply_code, decision_text(diag) if diag else None, permanent_hint, default_reason
    )
    return Classification(reason, verdict, st, rc, _kept(diag))


_classify_failure_memo: Final = lru_cache(maxsize=2048, typed=True)(classify_failure_unmemoised)


def decision_text(diag: str) -> str:
    """The lower-cased diagnostic with volatile tokens blanked: all decisions depend only on
    this, so it is the memo key (see :func:`phrase_reason`)."""
    low = diag[:MAX_DIAGNOSTIC].lower()
    # plain words (isalpha) are never volatile: skip the per-token regex for them
    return " ".join(
        [_token(t) if (len(t) > 6 and not t.isalpha()) or "@" in t else t for t in low.split(" ")]
    )


def _token(token: str) -> str:
    if "@" in token:
        # only the address is volatile: words glued to it stay ("(a@b.example:blocked)")
        return _ADDRESS_IN_TOKEN_RE.sub("x@x", token)
    if _ID_TOKEN_RE.match(token):
        return "0"
    return token


@lru_cache(maxsize=8192)
def _decide(
    status: str | None,
    reply_code: str | None,
    text: str | None,
    permanent_hint: bool | None,
    default_reason: str | None,
) -> tuple[str, Verdict, str | None, str | None]:
    st = normalise_status(status)
    text_status: str | None = None
    if text is not None:
        text_status = find_status(text)
        if text_status is not None and (
            st is None
            or (is_generic(st) and not is_generic(text_status) and text_status[0] == st[0])
            # a class-only DSN status (5.0.0) says less than the remote's own code in the
            # text, even one with no table entry (550 5.7.1 ... under Status: 5.0.0)
            or (
                subject_of(st) == "0" and subject_of(text_status) != "0" and text_status[0] == st[0]
            )
        ):
            st = text_status
        if reply_code is None:
            reply_code = find_reply_code(text)
    permanent = permanence(st, reply_code)
    if permanent is None:
        permanent = permanent_hint
    reason = decide_reason(st, reply_code, text, normalised=True)
    if (
        reason == Reason.USERUNKNOWN
        and text_status is not None
        and subject_of(text_status) == "7"
        and not states_mailbox_gone(text)
    ):
        # the remote's own reply carries a security/policy code (550 5.7.1 under a DSN
        # Status 5.1.1 the reporting MTA chose): its refusal was not about the address
        reason = Reason.FILTERED
    if reason is None:
        reason = default_reason or REASON_UNDETERMINED
    if reason == Reason.HOSTUNKNOWN and permanent is False:
        reason = Reason.NETWORKERROR  # a DNS failure that will be retried
    if reason == Reason.DELIVERED:
        return reason, Verdict.DELIVERED, st, reply_code
    return reason, verdict_for(reason, permanent), st, reply_code


def decide_reason(
    status: str | None, reply_code: str | None, diag: str | None, *, normalised: bool = False
) -> str | None:
    """Combine code semantics and phrase tables; None when nothing is known."""
    p_reason: str | None = None
    if diag:
        p_reason = _phrase_reason(diag) if normalised else phrase_reason(diag)
    c_reason = reason_from_status(status)
    return _by_code_subject(status, _combine(status, c_reason, p_reason, reply_code), diag)


def _combine(
    status: str | None, c_reason: str | None, p_reason: str | None, reply_code: str | None
) -> str | None:
    if p_reason == Reason.EXPIRED and c_reason not in (None, Reason.EXPIRED, Reason.NETWORKERROR):
        # "gave up / queue too long" only says that retrying stopped; a specific code
        # names the cause (4.4.3 directory server failure -> systemerror)
        return c_reason
    if c_reason is not None and is_strong(status):
        if (
            p_reason is not None
            and p_reason != c_reason
            and (p_reason in _PHRASE_BEATS_CODE or (c_reason, p_reason) in _PHRASE_REFINES)
            # a strong X.7.x code (RFC 7372 authentication, RFC 7505, RFC 7293, ...) is
            # itself a precise policy or security statement: "as a policy" / "security"
            # wording around it adds nothing
            and not (p_reason in _GENERIC_POLICY and subject_of(status) == "7")
            # a strong X.1.x code names the address at fault; a bare "access denied" beside
            # it (Microsoft 365's "5.1.8 Access denied, bad outbound sender") says no more
            and not (p_reason == Reason.SECURITYERROR and subject_of(status) == "1")
        ):
            return p_reason
        return c_reason
    if p_reason is not None:
        return p_reason
    if c_reason is not None:
        return c_reason
    return reason_from_reply_code(reply_code)


def _by_code_subject(status: str | None, reason: str | None, text: str | None = None) -> str | None:
    """RFC 3463 subject semantics that overrule the wording.

    X.7.x is security or policy status: "user unknown" under it is the receiver's filter
    speaking (the address is not what was refused) unless the words say the mailbox itself
    does not exist, and a content complaint under it
    ("554 5.7.0 Header error") is a policy decision.  Other subjects are left alone:
    senders commonly put "user unknown" under X.2.x/X.3.x codes at RCPT TO.
    """
    if reason is None or status is None:
        return reason
    subject = subject_of(status)
    if reason == Reason.USERUNKNOWN and subject == "7" and not states_mailbox_gone(text):
        # the mailbox's own statement ("Recipient not found", "mailbox does not exist")
        # still says the address is gone; the short user-table words do not
        return Reason.FILTERED
    if reason == Reason.CONTENTERROR and subject == "7":
        return Reason.POLICYVIOLATION
    return reason


_MAILBOX_GONE_RE: Final = re.compile(MAILBOX_GONE)


def states_mailbox_gone(text: str | None) -> bool:
    """True when *text* says the mailbox or address does not exist in so many words
    (phrases.MAILBOX_GONE), not merely "user unknown"."""
    return bool(text) and _MAILBOX_GONE_RE.search(str(text).lower()) is not None


def subject_of(status: str | None) -> str | None:
    """The subject digit(s) of an enhanced status code (``"5.7.1"`` -> ``"7"``)."""
    if status is None:
        return None
    parts = split_status(status)
    return parts[1].split(".", 1)[0] if parts is not None else None


def _kept(diag: str | None) -> str | None:
    return diag[:MAX_KEPT] if diag else None


#: cache_clear functions of memos kept by other modules (ses.py registers its own).
_OTHER_CACHES: Final[list[Callable[[], None]]] = []


def register_cache(cache_clear: Callable[[], None]) -> None:
    """Have :func:`clear_caches` also clear another module's memo."""
    _OTHER_CACHES.append(cache_clear)


def clear_caches() -> None:
    """Forget memoised decisions (benchmarks measure cold work with this)."""
    _phrase_reason.cache_clear()
    _decide.cache_clear()
    _classify_failure_memo.cache_clear()
    for cache_clear in _OTHER_CACHES:
        cache_clear()
