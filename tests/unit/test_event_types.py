"""SES event types are named once (domain/event_types.py); both readers and the metrics agree."""

from __future__ import annotations

import pytest

from domain import metrics_plan
from domain.classify import classify_ses_message
from domain.event_types import EVENT_TYPES, KNOWN_EVENT_TYPES, canonical_type_loosely

BOUNCE = {
    "bounceType": "Permanent",
    "bounceSubType": "General",
    "bouncedRecipients": [{"emailAddress": "a@example.com", "status": "5.1.1"}],
}


@pytest.mark.parametrize(("raw", "canonical"), [(r, c) for r, (c, _) in EVENT_TYPES.items()])
def test_every_spelling_reads_loosely_as_its_canonical_name(raw: str, canonical: str) -> None:
    assert canonical_type_loosely(raw) == canonical
    assert canonical_type_loosely(f" {raw.upper()} ") == canonical
    assert canonical_type_loosely(raw.lower().replace(" ", "")) == canonical


def test_unknown_types_are_unknown_everywhere() -> None:
    assert canonical_type_loosely("Bounced") is None
    assert "Bounced" not in KNOWN_EVENT_TYPES
    assert metrics_plan.event_metric_name("Bounced") == "EventsUnknown"


def test_every_known_type_has_its_own_metric() -> None:
    names = {metrics_plan.event_metric_name(t) for t in KNOWN_EVENT_TYPES}
    assert "EventsUnknown" not in names
    assert len(names) == len(KNOWN_EVENT_TYPES) == 11


@pytest.mark.parametrize("field", ["eventType", "notificationType"])
@pytest.mark.parametrize("spelling", ["Bounce", "bounce", " BOUNCE "])
def test_the_classify_reader_accepts_loose_spellings(field: str, spelling: str) -> None:
    report = classify_ses_message({field: spelling, "bounce": BOUNCE})
    assert report.kind == "bounce"
    assert report.recipients[0].classification.reason == "userunknown"


def test_a_known_type_without_a_classification_is_other() -> None:
    report = classify_ses_message({"eventType": "Rendering Failure", "failure": {}})
    assert report.kind == "other"
    assert report.error is not None and "Rendering Failure" in report.error
