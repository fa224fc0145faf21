"""The limits the documents state are the code's: wherever a document writes one of the
phrases below, the number in it is the constant the code uses. (The template's parameter
defaults have their own test, test_documented_defaults.py.) A phrase that no longer occurs
fails too, so rewording a sentence means updating its entry here, not losing the check."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.change_event_bus import ChangeEventBus
from adapters.published_events import DEFAULT_MARKER_DAYS
from adapters.sns_certificates import FAILED_URL_TTL, MAX_FAILED_URLS, RETRYABLE_FAILURE_TTL
from domain import events as feedback_events
from domain import sns_signature, unsubscribe_token
from domain.addresses import MAX_ADDRESS_LENGTH, MAX_LOCAL_LENGTH
from domain.inbound import analysis, item, scan
from domain.inbound.service import MAX_MESSAGE_BYTES
from domain.one_click import MAX_BODY_BYTES
from domain.policy import DIAGNOSTIC_LIMIT, PolicySettings
from domain.scopes import MAX_SCOPE_LENGTH
from domain.ses_import import ADDRESSES_PER_JOB, DEFAULT_BULK_THRESHOLD, DELETE, PUT
from handlers.suppression_api import DEFAULT_PAGE_SIZE, MAX_BATCH, MAX_PAGE_SIZE

ROOT = Path(__file__).resolve().parents[2]
KB = 1024
MB = 1024 * 1024
POLICY = PolicySettings()


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def _template_value(template: dict[str, Any], resource: str, *path: str) -> Any:
    value: Any = template["Resources"][resource]["Properties"]
    for key in path:
        value = value[key]
    return value


#: (document, phrase with one group per number, the code's values, in order). Whitespace in
#: the document is collapsed first, so a phrase may span a line break.
LIMITS: list[tuple[str, str, tuple[Any, ...]]] = [
    # the read API
    ("README.md", r"`POST /suppressions/check` \(up to (\d+) addresses\)", (MAX_BATCH,)),
    ("docs/schema.md", r"\(at most (\d+); `scope` optional", (MAX_BATCH,)),
    ("docs/schema.md", r"up to (\d+) addresses\) counts as one request", (MAX_BATCH,)),
    (
        "docs/schema.md",
        r"`limit` is 1 to (\d+) \(default (\d+)\)",
        (MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE),
    ),
    # the item
    ("docs/schema.md", r"the latest (\d+) bounces, complaints", (POLICY.history_limit,)),
    ("docs/schema.md", r"\(`history_limit`, (\d+)\)", (POLICY.history_limit,)),
    ("docs/schema.md", r"`diagnostic` \(≤ (\d+) chars\)", (DIAGNOSTIC_LIMIT,)),
    ("docs/schema.md", r"the operator's reason, ≤ (\d+) chars", (DIAGNOSTIC_LIMIT,)),
    (
        "docs/schema.md",
        r"kept (\d+) days by default as a delivery marker",
        (POLICY.soft_bounce_window_days + POLICY.soft_bounce_max_ttl_days,),
    ),
    ("docs/schema.md", r"\(at most (\d+) characters; `src/domain/scopes.py`", (MAX_SCOPE_LENGTH,)),
    (
        "docs/schema.md",
        r"trimmed, at most (\d+) characters; a list called `global`",
        (feedback_events._SCOPE_PART_LIMIT,),
    ),
    (
        "docs/schema.md",
        r"more than (\d+) octets \((\d+) for the local part\)",
        (MAX_ADDRESS_LENGTH, MAX_LOCAL_LENGTH),
    ),
    # SES's list
    ("README.md", r"`SES_SYNC_BULK_THRESHOLD` \((\d+)\)", (DEFAULT_BULK_THRESHOLD,)),
    ("docs/schema.md", r"`SES_SYNC_BULK_THRESHOLD` \((\d+)\)", (DEFAULT_BULK_THRESHOLD,)),
    (
        "docs/schema.md",
        r"at most ([\d,]+) addresses per PUT job and ([\d,]+) per DELETE job",
        (ADDRESSES_PER_JOB[PUT], ADDRESSES_PER_JOB[DELETE]),
    ),
    # change events
    ("docs/events.md", r"markers expire after (\d+) days", (DEFAULT_MARKER_DAYS,)),
    ("docs/events.md", r"with backoff: (\w+) rounds in all", ("three",)),
    # inbound mail
    ("docs/inbound.md", r"`recipients` \| L of S \| [^|]*, max (\d+)", (analysis.MAX_RECIPIENTS,)),
    (
        "docs/inbound.md",
        r"`subject` \| S \| [^|]*, max (\d+) characters",
        (analysis.SUBJECT_CHARS,),
    ),
    (
        "docs/inbound.md",
        r"`preview` \| S \| [^|]*, max (\d+) characters",
        (analysis.PREVIEW_CHARS,),
    ),
    ("docs/inbound.md", r"`defect`; max (\d+)", (analysis.MAX_ATTACHMENTS,)),
    ("docs/inbound.md", r"also beyond the (\d+) listed", (analysis.MAX_ATTACHMENTS,)),
    ("docs/inbound.md", r"`diagnostic` \(max (\d+) characters\)", (item.DIAGNOSTIC_CHARS,)),
    (
        "docs/inbound.md",
        r"the first (\d+) KB of each text/message part, (\d+) KB in all",
        (analysis.VIEW_PART_BYTES // KB, analysis.VIEW_TOTAL_BYTES // KB),
    ),
    ("docs/inbound.md", r"header block within (\d+) KB", (scan.MAX_HEADER_BYTES // KB,)),
    ("docs/inbound.md", r"multipart nesting deeper than (\d+)", (scan.MAX_DEPTH,)),
    ("docs/inbound.md", r"decoded and hashed in (\d+) KB steps", (scan.CHUNK // KB,)),
    ("docs/inbound.md", r"Objects over (\d+) MB are not read", (MAX_MESSAGE_BYTES // MB,)),
    ("docs/security.md", r"(\d+) MB cap, nesting limit", (MAX_MESSAGE_BYTES // MB,)),
    # the SNS HTTPS webhook
    (
        "README.md",
        r"not fetched again for (\d+) minutes \((\d+) s after a network failure\)",
        (_minutes(FAILED_URL_TTL), int(RETRYABLE_FAILURE_TTL.total_seconds())),
    ),
    (
        "docs/security.md",
        r"(\d+) min for definite failures, (\d+) s for network failures",
        (_minutes(FAILED_URL_TTL), int(RETRYABLE_FAILURE_TTL.total_seconds())),
    ),
    ("docs/security.md", r"at most (\d+) kept", (MAX_FAILED_URLS,)),
    (
        "docs/security.md",
        r"Timestamp window \((\d+) h back, (\d+) min ahead\)",
        (
            int(sns_signature.DEFAULT_MAX_AGE.total_seconds() // 3600),
            _minutes(sns_signature.CLOCK_SKEW),
        ),
    ),
    # one-click unsubscribe
    ("docs/unsubscribe.md", r"a body over (\d+) KB \| 413", (MAX_BODY_BYTES // KB,)),
    ("docs/security.md", r"bodies over (\d+) KB", (MAX_BODY_BYTES // KB,)),
    (
        "docs/unsubscribe.md",
        r"\((\d+) minutes of clock skew allowed",
        (_minutes(unsubscribe_token.CLOCK_SKEW),),
    ),
    (
        "docs/security.md",
        r"at most (\d+) minutes \"from the future\"",
        (_minutes(unsubscribe_token.CLOCK_SKEW),),
    ),
]

_WORDS = {"three": 3}


@pytest.mark.parametrize(
    ("doc", "phrase", "expected"),
    LIMITS,
    ids=[f"{Path(doc).name}-{i}" for i, (doc, _, _) in enumerate(LIMITS)],
)
def test_the_documented_limit_is_the_codes(doc: str, phrase: str, expected: tuple[Any]) -> None:
    text = re.sub(r"\s+", " ", (ROOT / doc).read_text())
    found = [m.groups() for m in re.finditer(phrase, text)]
    assert found, f"{doc} no longer says {phrase!r}: update this entry"
    for groups in found:
        values = tuple(
            int(g.replace(",", "")) if g.replace(",", "").isdigit() else g for g in groups
        )
        assert values == tuple(int(e) if isinstance(e, int) else e for e in expected)


def test_three_rounds_is_the_event_bus_default() -> None:
    assert ChangeEventBus(client=object())._max_attempts == _WORDS["three"]


def test_memory_and_retries_the_documents_state_are_the_templates(
    template: dict[str, Any],
) -> None:
    inbound = re.sub(r"\s+", " ", (ROOT / "docs" / "inbound.md").read_text())
    m = re.search(r"`InboundFunction` has (\d+) MB", inbound)
    assert m and int(m.group(1)) == _template_value(template, "InboundFunction", "MemorySize")
    m = re.search(r"so Lambda retries it (\w+) and then sends it to the inbound DLQ", inbound)
    retries = _template_value(
        template, "InboundFunction", "EventInvokeConfig", "MaximumRetryAttempts"
    )
    assert m and {"once": 1, "twice": 2}[m.group(1)] == retries
    events = re.sub(r"\s+", " ", (ROOT / "docs" / "events.md").read_text())
    m = re.search(r"`MaximumRetryAttempts` (\d+)", events)
    stream = template["Resources"]["ChangeEventsFunctionStream"]["Properties"]
    assert m and int(m.group(1)) == stream["MaximumRetryAttempts"]
