"""The defaults the documents state are the template's: every Parameter is in the README's
Parameters table with its default, and wherever a document writes "`Parameter` (N)" or
"`Parameter` (default N)", N is the template's default."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: Dated records keep the values of their day; the generated benchmarks quote no parameters.
REFERENCE_DOCS = [
    ROOT / "README.md",
    *(
        p
        for p in sorted((ROOT / "docs").glob("*.md"))
        if p.name not in {"changelog.md", "decisions.md", "benchmarks.md"}
    ),
]

_MENTION = re.compile(r"`([A-Z][A-Za-z0-9]+)` \(")
#: A parenthesis that states a value: a number, a boolean, "empty", or "default ...".
_VALUE_FIRST = re.compile(r"(?:default )?`?(-?[0-9][0-9.]*|true|false|empty)\b", re.I)


def parenthesis(text: str, start: int) -> str:
    """The text inside the parenthesis that opens just before *start* (nesting kept)."""
    depth = 1
    for i in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return text[start:i]
    return text[start:]


def stated_default(inside: str) -> str:
    """The value a parenthesis states: its first token, `empty` for an empty default."""
    value = re.sub(r"^default ", "", inside.strip())
    value = re.split(r"[,;:]| (?!day\))", value, maxsplit=1)[0].strip("` ")
    return "" if value.lower() == "empty" else value


def template_default(parameter: dict[str, Any]) -> str:
    default = parameter.get("Default", "")
    return str(default).lower() if isinstance(default, bool) else str(default)


def test_stated_default_reads_the_forms_the_documents_use() -> None:
    assert stated_default("365, 0 = never expires") == "365"
    assert stated_default("default `inbound/`") == "inbound/"
    assert stated_default("rate(1 day)") == "rate(1 day)"
    assert stated_default("empty: no receipt rule") == ""
    assert stated_default("Disabled; Active turns on X-Ray") == "Disabled"
    assert stated_default("200 requests/s") == "200"


def test_every_parameter_is_in_the_readme_table_with_its_default(
    template: dict[str, Any],
) -> None:
    readme = (ROOT / "README.md").read_text()
    table = readme.split("\n## Parameters\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| ") and "`" in line]
    listed: dict[str, str | None] = {}
    for row in rows:
        for m in re.finditer(r"`([A-Z][A-Za-z0-9]+)`( \()?", row):
            listed[m.group(1)] = stated_default(parenthesis(row, m.end())) if m.group(2) else None
    parameters = template["Parameters"]
    assert sorted(set(parameters) - set(listed)) == []
    wrong = {
        name: (stated, template_default(parameters[name]))
        for name, stated in listed.items()
        if name in parameters
        and stated is not None
        and stated.lower() != template_default(parameters[name]).lower()
    }
    assert wrong == {}


@pytest.mark.parametrize("doc", REFERENCE_DOCS, ids=lambda p: p.name)
def test_defaults_stated_in_prose_are_the_templates(doc: Path, template: dict[str, Any]) -> None:
    text = doc.read_text()
    parameters = template["Parameters"]
    wrong = []
    for m in _MENTION.finditer(text):
        name, inside = m.group(1), parenthesis(text, m.end())
        if name not in parameters or not _VALUE_FIRST.match(inside):
            continue
        stated, actual = stated_default(inside), template_default(parameters[name])
        if stated.lower() != actual.lower():
            wrong.append(f"{name}: says {stated!r}, template.yaml {actual!r}")
    assert wrong == []
