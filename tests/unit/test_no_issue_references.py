"""Code, tests, the template, samples and the reference documents say what a thing is, not
which tracker issue asked for it; the change log (docs/changelog.md) is the one place that
names issues (docs/decisions.md, 2026-11-30)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# The word and the number are kept apart in this file's own text, so that it does not match.
_WORD = "iss" + "ue"
#: The word followed by a number (also plural, with "#", or with "'s" after it), or a bare "#"
#: and a number that is not a dotted status code (qmail's "#5.1.1", "[#4.1.9]") nor part of
#: another word (another project's "owner/repo#185", a colour "#1f77b4").
ISSUE_REFERENCE = re.compile(
    rf"\b{_WORD}s?[ \t]*#?[0-9]+\b|(?<![\w/#&-])#[0-9]+(?!\w|\.[0-9])", re.IGNORECASE
)

SCANNED = ("src", "tests", "bench", "tools", "events", "docs")
SCANNED_FILES = ("template.yaml", "README.md", "Makefile", "samconfig.toml", "pyproject.toml")
#: Data we were given, not our prose (third-party mail, published texts with their sources).
NOT_SCANNED = (ROOT / "tests" / "fixtures", ROOT / "docs" / "changelog.md")
SUFFIXES = {".py", ".md", ".yaml", ".yml", ".json", ".toml", ".txt", ".eml", ""}


def scanned_files() -> list[Path]:
    files = [ROOT / name for name in SCANNED_FILES]
    for top in SCANNED:
        files += [
            p
            for p in (ROOT / top).rglob("*")
            if p.is_file()
            and p.suffix in SUFFIXES
            and "__pycache__" not in p.parts
            and not any(p == skip or skip in p.parents for skip in NOT_SCANNED)
        ]
    return sorted(files)


@pytest.mark.parametrize(
    "text",
    [
        f"# --- readers and SES sync ({_WORD} 4) ---",
        f"{_WORD.capitalize()} 14: lifting needs force",
        f"as written before {_WORD}s " + "#" + "12",
        f"the conditions of {_WORD} 13's optional parts",
        "fixed in " + "#" + "16.",
    ],
)
def test_the_pattern_finds_issue_references(text: str) -> None:
    assert ISSUE_REFERENCE.search(text)


@pytest.mark.parametrize(
    "text",
    [
        "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)",
        "Resources temporarily unavailable [#4.1.9]",
        "SAM's builder has no exclude option (aws/aws-lambda-builders#185)",
        '"color": "#1f77b4"',
        "docs/schema.md#the-send-guard-filter_sendable",
        "a known issue of the parser; 4 retries",
        "f'{n}' for n in range(3)  # 3 tries",
        "Sender rejected ... AUP#In-1310",
    ],
)
def test_the_pattern_leaves_status_codes_and_other_numbers_alone(text: str) -> None:
    assert not ISSUE_REFERENCE.search(text)


def test_the_scan_covers_code_tests_template_and_docs() -> None:
    files = {p.relative_to(ROOT).as_posix() for p in scanned_files()}
    assert {"template.yaml", "README.md", "docs/decisions.md", "src/domain/policy.py"} <= files
    assert Path(__file__).relative_to(ROOT).as_posix() in files
    assert "docs/changelog.md" not in files
    assert any(f.startswith("events/") for f in files)


def test_no_issue_references_outside_the_change_log() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in scanned_files()
        for n, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if ISSUE_REFERENCE.search(line)
    ]
    assert found == [], "say what it is, not which issue asked for it:\n" + "\n".join(found)
