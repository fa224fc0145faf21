"""Every table that names a reason names one the taxonomy knows.

A misspelt reason in a table would not fail anywhere else: ``verdict_for`` turns an unknown
reason into ``undetermined`` and the message is simply misclassified.  So each table is read
here and checked against ``Reason``; a plain-string comparison in the domain code
(``reason == "..."``) is checked the same way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

import pytest

from domain import policy
from domain.classify import core, message, phrases, receivers, ses, status_codes, taxonomy
from domain.classify.autoreply import REASON_CHALLENGE
from domain.events import DELIVERED
from domain.verdicts import REASON_SES_SUPPRESSED, REASON_UNDETERMINED, Classification, Verdict
from domain.vocabulary import Reason

KNOWN = frozenset(Reason)
SRC = Path(__file__).resolve().parents[2] / "src"


def unknown_reasons(reasons: Iterable[str]) -> set[str]:
    return {r for r in reasons if r not in KNOWN}


TABLES: dict[str, Iterable[str]] = {
    "phrases.PHRASES": [reason for reason, _ in phrases.PHRASES],
    "status_codes._SUBJECT_DETAIL": status_codes._SUBJECT_DETAIL.values(),
    "status_codes._REPLY_REASONS": status_codes._REPLY_REASONS.values(),
    "receivers.RECEIVER_RULES": [
        r for rule in receivers.RECEIVER_RULES for r in (rule.reason, rule.becomes)
    ],
    "taxonomy.REASON_VERDICTS": taxonomy.REASON_VERDICTS.keys(),
    "core._PHRASE_BEATS_CODE": core._PHRASE_BEATS_CODE,
    "core._GENERIC_POLICY": core._GENERIC_POLICY,
    "core._PHRASE_REFINES": [r for pair in core._PHRASE_REFINES for r in pair],
    "message._WEAK_REASONS": message._WEAK_REASONS,
    "message._SENDER_STAGE": message._SENDER_STAGE.values(),
    "ses._SUBTYPE_DEFAULTS": ses._SUBTYPE_DEFAULTS.values(),
    "ses._SUBTYPE_REFINEMENTS": [r for s in ses._SUBTYPE_REFINEMENTS.values() for r in s],
    "ses._SUBJECT_FALLBACKS": ses._SUBJECT_FALLBACKS.values(),
    "ses._DELAY_TYPES": ses._DELAY_TYPES.values(),
    "policy._REASON_CATEGORIES": policy._REASON_CATEGORIES.keys(),
    "named constants": [
        REASON_SES_SUPPRESSED,
        REASON_UNDETERMINED,
        REASON_CHALLENGE,
        policy.REASON_UNSUBSCRIBE,
        policy.REASON_SUBSCRIBE,
        DELIVERED.reason,
    ],
}


@pytest.mark.parametrize("name", sorted(TABLES))
def test_table_names_only_known_reasons(name: str) -> None:
    reasons = list(TABLES[name])
    assert reasons, f"{name} is empty: the test would prove nothing"
    assert unknown_reasons(reasons) == set(), name


def test_the_check_catches_a_misspelt_reason() -> None:
    assert unknown_reasons(["userunknown", "usrunknown"]) == {"usrunknown"}


def test_every_reason_but_unsubscribe_has_a_verdict() -> None:
    # unsubscribe (inbound path) and the manual actions (operator) are set with their own
    # verdict or category by policy.py, never looked up
    assert KNOWN - taxonomy.REASON_VERDICTS.keys() == {
        Reason.UNSUBSCRIBE,
        Reason.SUBSCRIBE,
        Reason.MANUAL,
        Reason.MANUAL_UNSUPPRESS,
        Reason.MANUAL_ALLOW,
    }


def test_the_corpus_taxonomy_is_the_reason_list() -> None:
    readme = (Path(__file__).resolve().parents[1] / "fixtures/corpus/bounces/README.md").read_text()
    table = readme.split("## The reason taxonomy", 1)[1]
    documented = {
        name.strip()
        for row in re.findall(r"^\| ([a-z, ]+) \|", table, re.M)
        for name in row.split(",")
        if name.strip() != "reason"
    }
    assert documented
    assert documented <= KNOWN
    added = {Reason.CHALLENGE, Reason.SUPPRESSED, Reason.UNSUBSCRIBE, Reason.UNDETERMINED}
    added |= {Reason.SUBSCRIBE}
    added |= {Reason.MANUAL, Reason.MANUAL_UNSUPPRESS, Reason.MANUAL_ALLOW}
    assert KNOWN - documented == added


# `reason == "x"`, `reason != "x"`, `reason="x"` with a literal word ("a-b" too): the reason
# field of a Classification or a stored item, compared or set by hand
_LITERAL_REASON_RE = re.compile(r"\breason[\"'\])]*\s*(?:==|!=|=)\s*\"([a-z-]+)\"")
# modules whose `reason` is another thing: why a Firehose record was dropped (analytics.py),
# why a replayed document was skipped (replay.py)
_OTHER_REASON_FIELDS = frozenset({"analytics.py", "replay.py"})


def test_code_compares_only_known_reasons() -> None:
    found: dict[str, set[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        if path.name in _OTHER_REASON_FIELDS:
            continue
        for literal in _LITERAL_REASON_RE.findall(path.read_text()):
            found.setdefault(literal, set()).add(path.name)
    bad = {r: files for r, files in found.items() if r not in KNOWN}
    assert bad == {}


def test_reasons_are_plain_strings_to_json_and_storage() -> None:
    c = Classification(Reason.USERUNKNOWN, Verdict.INVALID_ADDRESS)
    assert json.dumps({"reason": c.reason}) == '{"reason": "userunknown"}'
    assert f"{c.reason}" == str(c.reason) == "userunknown"
    assert c.reason == "userunknown" and hash(c.reason) == hash("userunknown")
    assert taxonomy.verdict_for("userunknown", True) is Verdict.INVALID_ADDRESS


def test_the_scan_sees_hand_written_reasons() -> None:
    code = """
        if c.reason == "usrunknown": ...
        c = c._replace(reason="filterd", verdict=v)
        if manual.reason != "manual-alow": ...
        if record["reason"] == "expird": ...
    """
    assert _LITERAL_REASON_RE.findall(code) == ["usrunknown", "filterd", "manual-alow", "expird"]


def test_evidence_for_storage_holds_exact_strings() -> None:
    """The storage layer (pynamodb) refuses str subclasses: evidence keeps plain strings."""
    from dataclasses import replace

    from tests.builders import outcome

    hard = outcome("hard")
    hard = replace(hard, classification=hard.classification._replace(reason=Reason.USERUNKNOWN))
    assert type(hard.classification.reason) is Reason
    evidence = policy.Evidence.from_outcome(hard)
    assert type(evidence.reason) is str and evidence.reason == "userunknown"


def test_a_stored_item_holds_no_enum_members() -> None:
    """Every value the codec hands to pynamodb is a plain type (it refuses str subclasses),
    including the manual-action audit trail, whose action is a vocabulary member."""
    from datetime import UTC, datetime

    from domain.record_codec import record_to_item

    record = policy.apply_manual(
        None,
        "a@example.com",
        policy.ManualKind.SUPPRESS,
        at=datetime(2026, 11, 30, tzinfo=UTC),
        actor="op",
        note="asked by phone",
        until=None,
        settings=policy.PolicySettings(),
    )
    item = record_to_item(record, datetime(2026, 11, 30, tzinfo=UTC))

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v)
        else:
            assert type(value) in (str, int, float, bool, type(None)), (value, type(value))

    walk(item)
    assert item["audit"][0]["action"] == "manual"
