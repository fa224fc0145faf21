"""Replies that receivers publish for their own SMTP refusals, with the page each comes from
(tests/fixtures/published_replies.json), through the SES path: the reason must be the one
the page describes.

The same texts make the rules that decide them "externally taught" for the benchmark's
cross-validation (bench/crossval.py): a rule learnt from one corpus family counts in the
held-out score only once a public source backs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from domain.classify import classify_ses_bounce_recipient
from domain.classify.taxonomy import verdict_for

PUBLISHED = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "published_replies.json").read_text()
)
_SAME = {"speeding": "toomanyconn"}


@pytest.mark.parametrize("entry", PUBLISHED, ids=lambda e: e["reply"][:48])
def test_published_reply_reads_as_the_page_describes(entry: dict[str, str]) -> None:
    assert entry["source"].startswith(("https://", "http://"))
    permanent = entry["status"].startswith("5")
    c = classify_ses_bounce_recipient(
        "Permanent" if permanent else "Transient",
        "General",
        "failed",
        entry["status"],
        "smtp; " + entry["reply"],
        address=entry.get("address"),
    )
    assert _SAME.get(c.reason, c.reason) == entry["reason"], c
    assert c.verdict is verdict_for(entry["reason"], permanent)


def test_every_source_is_a_receiver_page() -> None:
    hosts = {e["source"].split("/")[2] for e in PUBLISHED}
    assert len(PUBLISHED) >= 30
    assert {"support.google.com", "learn.microsoft.com"} <= hosts
