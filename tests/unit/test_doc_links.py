"""Every relative link in README.md and docs/ names a file that exists and, when it names a
section, a heading that file has (GitHub's anchor rules: lower case, punctuation dropped,
spaces to hyphens)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

_LINK = re.compile(r"\]\(([^)\s]+)\)")
_HEADING = re.compile(r"^#{1,6} +(.+?) *#*$", re.M)
_FENCE = re.compile(r"^```.*?^```", re.M | re.S)


def anchor(heading: str) -> str:
    text = re.sub(r"[^\w\- ]", "", heading.lower().replace("`", ""))
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = _FENCE.sub("", path.read_text())
    return {anchor(h) for h in _HEADING.findall(text)}


def test_anchor_follows_githubs_rules() -> None:
    assert anchor("Inbound mail (bench/inbound.py)") == "inbound-mail-benchinboundpy"
    assert anchor("Bounce classifier: leave-one-family-out cross-validation") == (
        "bounce-classifier-leave-one-family-out-cross-validation"
    )
    assert anchor("The send guard: `filter_sendable`") == "the-send-guard-filter_sendable"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_relative_links_reach_a_file_and_a_heading(doc: Path) -> None:
    broken = []
    for target in _LINK.findall(_FENCE.sub("", doc.read_text())):
        if re.match(r"[a-z]+:", target):  # https:, mailto:, ...
            continue
        file, _, section = target.partition("#")
        path = (doc.parent / file).resolve() if file else doc
        if not path.exists():
            broken.append(f"{target}: no file {file}")
        elif section and path.suffix == ".md" and section not in anchors(path):
            broken.append(f"{target}: no heading #{section} in {path.name}")
    assert broken == []
