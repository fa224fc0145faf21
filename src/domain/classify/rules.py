"""The classifier's data rules by name: list them, switch some off, see which ones fire.

Every data rule has an id:

- ``phrase:<reason>:<pattern>``: one pattern of the phrase table (phrases.py);
- ``status:<subject.detail>``: one entry of the RFC 3463 status table (status_codes.py);
- ``reply:<code>``: one entry of the RFC 5321 reply-code table (status_codes.py);
- ``receiver:<label>:<reason>:<stage>``: one receiver rule (receivers.py).

The benchmark's cross-validation (bench/crossval.py) needs two things from the classifier:
running with some rules switched off (:func:`disabled_rules`), and knowing which rules a
message used (:func:`tracing_rules`).  Both swap the module tables for the duration of a
``with`` block and clear the memos on entry and exit, so the normal path pays nothing: it
reads the same module globals as before, and no flag is tested per call.  They are meant for
benchmarks and tests (one thread); the Lambda functions never call them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Final

from domain.classify import core, receivers, status_codes
from domain.vocabulary import Reason

PHRASE: Final = "phrase"
STATUS: Final = "status"
REPLY: Final = "reply"
RECEIVER: Final = "receiver"


def phrase_id(reason: str, pattern: str) -> str:
    return f"{PHRASE}:{reason}:{pattern}"


def receiver_id(rule: receivers.ReceiverRule) -> str:
    return f"{RECEIVER}:{rule.domain_label}:{rule.reason}:{rule.stage or '*'}"


def rule_ids() -> tuple[str, ...]:
    """Every switchable rule, in table order (a pattern listed twice has one id)."""
    ids: dict[str, None] = {}
    for reason, entries in _ORIGINAL_COMPILED:
        for _, _, pattern in entries:
            ids[phrase_id(reason, pattern.pattern)] = None
    for key in _ORIGINAL_SUBJECT_DETAIL:
        ids[f"{STATUS}:{key}"] = None
    for code in _ORIGINAL_REPLY_REASONS:
        ids[f"{REPLY}:{code}"] = None
    for rule in _ORIGINAL_RECEIVER_RULES:
        ids[receiver_id(rule)] = None
    return tuple(ids)


# The tables as shipped: every switch starts from them and restores them.
_ORIGINAL_COMPILED: Final = core.shipped_phrase_table()
_ORIGINAL_SUBJECT_DETAIL: Final = dict(status_codes._SUBJECT_DETAIL)
_ORIGINAL_REPLY_REASONS: Final = dict(status_codes._REPLY_REASONS)
_ORIGINAL_RECEIVER_RULES: Final = receivers.RECEIVER_RULES
_ORIGINAL_PHRASE_REASON: Final = core._phrase_reason


def _install(
    compiled: Any,
    subject_detail: dict[str, Reason],
    reply_reasons: dict[str, Reason],
    receiver_rules: tuple[receivers.ReceiverRule, ...],
    phrase_reason: Any,
) -> None:
    # module attributes are rebound (the functions read them as globals at call time)
    vars(core)["_COMPILED"] = compiled
    vars(core)["_phrase_reason"] = phrase_reason
    vars(status_codes)["_SUBJECT_DETAIL"] = subject_detail
    vars(status_codes)["_REPLY_REASONS"] = reply_reasons
    vars(receivers)["RECEIVER_RULES"] = receiver_rules
    vars(receivers)["_LABELS"] = frozenset(r.domain_label for r in receiver_rules)
    core.clear_caches()


def _restore() -> None:
    _install(
        _ORIGINAL_COMPILED,
        _ORIGINAL_SUBJECT_DETAIL,
        _ORIGINAL_REPLY_REASONS,
        _ORIGINAL_RECEIVER_RULES,
        _ORIGINAL_PHRASE_REASON,
    )


@contextmanager
def disabled_rules(ids: Iterable[str]) -> Iterator[None]:
    """Classify without the rules *ids* inside the block (unknown ids are ignored)."""
    off = frozenset(ids)
    compiled = tuple(
        (reason, tuple(e for e in entries if phrase_id(reason, e[2].pattern) not in off))
        for reason, entries in _ORIGINAL_COMPILED
    )
    _install(
        compiled,
        {k: v for k, v in _ORIGINAL_SUBJECT_DETAIL.items() if f"{STATUS}:{k}" not in off},
        {k: v for k, v in _ORIGINAL_REPLY_REASONS.items() if f"{REPLY}:{k}" not in off},
        tuple(r for r in _ORIGINAL_RECEIVER_RULES if receiver_id(r) not in off),
        _ORIGINAL_PHRASE_REASON,
    )
    try:
        yield
    finally:
        _restore()


@dataclass
class Trace:
    """What the classifier used since the last :meth:`reset`."""

    #: phrase rules that decided a text (the first pattern of the table to match it), and
    #: status/reply table entries that were looked up and found
    fired: set[str] = field(default_factory=set)
    #: the decision texts the phrase table was asked about
    texts: set[str] = field(default_factory=set)

    def reset(self) -> None:
        self.fired.clear()
        self.texts.clear()
        core.clear_caches()  # a memo hit would hide a rule that decided


class _RecordingTable(dict[str, Reason]):
    """A table that notes every key it was asked about and holds."""

    def __init__(self, data: dict[str, Reason], prefix: str, trace: Trace) -> None:
        super().__init__(data)
        self._prefix = prefix
        self._trace = trace

    def get(self, key: str, default: Any = None) -> Any:
        if dict.__contains__(self, key):
            self._trace.fired.add(f"{self._prefix}:{key}")
        return dict.get(self, key, default)

    def __contains__(self, key: object) -> bool:
        found = dict.__contains__(self, key)
        if found:
            self._trace.fired.add(f"{self._prefix}:{key}")
        return found


@contextmanager
def tracing_rules() -> Iterator[Trace]:
    """Record which rules fire inside the block (memos are off: every call is recorded)."""
    trace = Trace()

    def traced_phrase_reason(low: str) -> str | None:
        trace.texts.add(low)
        for reason, patterns in _ORIGINAL_COMPILED:
            for _, _, pattern in patterns:
                if pattern.search(low):
                    trace.fired.add(phrase_id(reason, pattern.pattern))
                    return reason
        return None

    # clear_caches() calls cache_clear on it
    traced_phrase_reason.cache_clear = lambda: None  # type: ignore[attr-defined]
    _install(
        _ORIGINAL_COMPILED,
        _RecordingTable(_ORIGINAL_SUBJECT_DETAIL, STATUS, trace),
        _RecordingTable(_ORIGINAL_REPLY_REASONS, REPLY, trace),
        _ORIGINAL_RECEIVER_RULES,
        traced_phrase_reason,
    )
    try:
        yield trace
    finally:
        _restore()


def phrase_rules_matching(text: str) -> set[str]:
    """Every phrase rule whose pattern matches the decision text *text*, winner or not."""
    return {
        phrase_id(reason, pattern.pattern)
        for reason, entries in _ORIGINAL_COMPILED
        for _, _, pattern in entries
        if pattern.search(text)
    }
