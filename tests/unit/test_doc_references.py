"""What the reference documents name exists: the tests they cite as proof, the repository
paths, `make` targets, `ses-feedback` commands and their flags, the stack's resource, output
and parameter names, resource names such as `ses-feedback-<stage>-webhook-errors`, the
environment variables, the Python names they tell readers to import, and the README's alarm
count. A rename in the code then fails here instead of leaving the documents behind.

Dated records (docs/changelog.md, docs/decisions.md) keep the names of their day, and the
generated docs/benchmarks.md is checked by its own test."""

from __future__ import annotations

import argparse
import ast
import importlib
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from cli.main import build_parser

ROOT = Path(__file__).resolve().parents[2]
REFERENCE_DOCS = [
    ROOT / "README.md",
    *(
        p
        for p in sorted((ROOT / "docs").glob("*.md"))
        if p.name not in {"changelog.md", "decisions.md", "benchmarks.md"}
    ),
]
_IDS = [p.name for p in REFERENCE_DOCS]


def lines(doc: Path) -> list[tuple[int, str]]:
    return list(enumerate(doc.read_text().splitlines(), 1))


# --- the tests a document cites ----------------------------------------------------------

#: `tests/unit/test_x.py`, `test_x.py::test_name`, and `::test_name` (same file as the last
#: one named); a `*` in a test name stands for any ending.
_TEST_REFERENCE = re.compile(r"`((?:tests/[\w/]+|test_\w+)\.py)?(::[\w*]+)?`")


@cache
def defined_names(path: Path) -> frozenset[str]:
    tree = ast.parse(path.read_text())
    return frozenset(
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    )


def cited_files(name: str) -> list[Path]:
    if name.startswith("tests/"):
        return [ROOT / name] if (ROOT / name).is_file() else []
    return sorted((ROOT / "tests").rglob(name))


@pytest.mark.parametrize("doc", REFERENCE_DOCS, ids=_IDS)
def test_cited_tests_exist(doc: Path) -> None:
    missing = []
    files: list[Path] = []
    for n, line in lines(doc):
        for m in _TEST_REFERENCE.finditer(line):
            name, test = m.groups()
            if name:
                files = cited_files(name)
                if not files:
                    missing.append(f"{doc.name}:{n}: no file {name}")
            if test and files:
                pattern = re.compile(re.escape(test[2:]).replace(r"\*", ".*") + "$")
                names = frozenset().union(*(defined_names(f) for f in files))
                if not any(pattern.match(x) for x in names):
                    missing.append(f"{doc.name}:{n}: no {test[2:]} in {name or files[0].name}")
    assert missing == []


@cache
def every_test_name() -> frozenset[str]:
    return frozenset().union(*(defined_names(f) for f in (ROOT / "tests").rglob("test_*.py")))


@pytest.mark.parametrize("doc", REFERENCE_DOCS, ids=_IDS)
def test_tests_cited_by_name_alone_exist(doc: Path) -> None:
    """`test_name` or `test_prefix_*` without a file: some test module defines it."""
    names = every_test_name()
    missing = []
    for n, line in lines(doc):
        for m in re.finditer(r"(?<![:\w/])`(test_[\w*]+)`", line):
            pattern = re.compile(re.escape(m.group(1)).replace(r"\*", ".*") + "$")
            if not any(pattern.match(x) for x in names):
                missing.append(f"{doc.name}:{n}: {m.group(1)}")
    assert missing == []


# --- repository paths -----------------------------------------------------------------------

_PATH = re.compile(
    r"(?<![\w/.<-])((?:src|tests|tools|bench|events|layer|docs)/[\w./-]*?"
    r"(?:\.(?:py|md|json|yaml|yml|txt|toml|eml)|/))(?![\w/=-])"
)
#: `domain/inbound/proof.py`: a module path as the package sees it, under src/.
_SRC_PATH = re.compile(r"`((?:domain|adapters|handlers|cli)/[\w/]*(?:\.py|/))`")


@pytest.mark.parametrize("doc", REFERENCE_DOCS, ids=_IDS)
def test_named_paths_exist(doc: Path) -> None:
    missing = [
        f"{doc.name}:{n}: {m.group(1)}"
        for n, line in lines(doc)
        for m in _PATH.finditer(line)
        if not (ROOT / m.group(1)).exists()
    ]
    missing += [
        f"{doc.name}:{n}: src/{m.group(1)}"
        for n, line in lines(doc)
        for m in _SRC_PATH.finditer(line)
        if not (ROOT / "src" / m.group(1)).exists()
    ]
    assert missing == []


# --- make targets, commands and flags ------------------------------------------------------


def make_targets() -> set[str]:
    return set(re.findall(r"^([\w.-]+):", (ROOT / "Makefile").read_text(), re.M))


@pytest.mark.parametrize("doc", REFERENCE_DOCS, ids=_IDS)
def test_make_targets_exist(doc: Path) -> None:
    targets = make_targets()
    unknown = [
        f"{doc.name}:{n}: make {m.group(1)}"
        for n, line in lines(doc)
        for m in re.finditer(r"`make ([\w.-]+)", line)
        if m.group(1) not in targets
    ]
    assert unknown == []


@cache
def command_flags() -> dict[str, frozenset[str]]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {
        name: frozenset(o for action in p._actions for o in action.option_strings)
        for name, p in sub.choices.items()
    }


@pytest.mark.parametrize("doc", REFERENCE_DOCS, ids=_IDS)
def test_commands_and_their_flags_exist(doc: Path) -> None:
    """`ses-feedback CMD` names a command; a `--flag` on a line that names commands is a flag
    of one of them (a flag documented for a command that lacks it is wrong)."""
    flags = command_flags()
    wrong = []
    for n, line in lines(doc):
        named = re.findall(r"(?:`|^\s*|bin/)ses-feedback ([a-z][\w-]*)", line)
        wrong += [f"{doc.name}:{n}: no command {c}" for c in named if c not in flags]
        mentioned = {c for c in named if c in flags}
        mentioned |= {w for w in re.findall(r"`([a-z][\w-]*)", line) if w in flags}
        if not mentioned:
            continue
        allowed = frozenset().union(*(flags[c] for c in mentioned))
        wrong += [
            f"{doc.name}:{n}: {flag} is not a flag of {sorted(mentioned)}"
            for flag in re.findall(r"(?<![\w-])(--[a-z][\w-]*)", line)
            if flag not in allowed
        ]
    assert wrong == []


def test_the_command_check_finds_a_flag_a_command_lacks() -> None:
    flags = command_flags()
    assert "--scope" in flags["check"]
    assert "--scope" not in flags["list"]


# --- the stack's names ------------------------------------------------------------------------

#: CamelCase names in backticks that look like a stack's resource, parameter or output.
_STACK_NAME = re.compile(
    r"`([A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+"
    r"(?:Function|Table|Queue|Bucket|Topic|Secret|Arn|Url|Name|Policy|Record\d?))`"
)
#: Names of AWS API fields and SES/SNS message fields the documents quote, not stack names.
_API_FIELDS = frozenset(
    {"TopicArn", "FunctionName", "QueueName", "EventBusName", "ConfigurationSetName"}
)


def stack_names(template: dict[str, Any]) -> set[str]:
    return {*template["Resources"], *template["Parameters"], *template.get("Outputs", {})}


@pytest.mark.parametrize("doc", REFERENCE_DOCS, ids=_IDS)
def test_stack_names_exist(doc: Path, template: dict[str, Any]) -> None:
    known = stack_names(template) | _API_FIELDS
    unknown = [
        f"{doc.name}:{n}: {m.group(1)}"
        for n, line in lines(doc)
        for m in _STACK_NAME.finditer(line)
        if m.group(1) not in known
    ]
    assert unknown == []


def physical_suffixes() -> set[str]:
    """`X` of every `ses-feedback-${Stage}-X` name in template.yaml (functions, tables,
    queues, alarms, rule sets, ...)."""
    text = (ROOT / "template.yaml").read_text()
    return set(re.findall(r"ses-feedback-\$\{Stage\}-([a-z][a-z0-9-]*[a-z0-9])", text))


#: `ses-feedback-<stage>-webhook-errors`, `ses-feedback-dev-suppression`, `...-inbound-errors`
_PHYSICAL_NAME = re.compile(
    r"(?:ses-feedback-(?:<stage>|dev|prod)-|`\.\.\.-)([a-z][a-z0-9-]*[a-z0-9])(?![\w*-])"
)


@pytest.mark.parametrize("doc", REFERENCE_DOCS, ids=_IDS)
def test_resource_names_exist(doc: Path) -> None:
    known = physical_suffixes()
    unknown = [
        f"{doc.name}:{n}: {m.group(0)}"
        for n, line in lines(doc)
        for m in _PHYSICAL_NAME.finditer(line)
        if m.group(1) not in known
    ]
    assert unknown == []


def _alarms(template: dict[str, Any]) -> dict[str, str | None]:
    return {
        name: res.get("Condition")
        for name, res in template["Resources"].items()
        if res["Type"] == "AWS::CloudWatch::Alarm"
    }


def _on_by_default(condition: str, template: dict[str, Any]) -> bool:
    """The few alarm conditions: a parameter equal to a value, with its default."""
    (ref, value) = template["Conditions"][condition]["Fn::Equals"]
    default = template["Parameters"][ref["Ref"]]["Default"]
    return str(default).lower() == str(value).lower()


def test_the_readme_counts_the_alarms(template: dict[str, Any]) -> None:
    readme = (ROOT / "README.md").read_text()
    m = re.search(r"Every alarm \((\d+); (\d+) with auto-pause", readme)
    assert m, "the README's Alarms section states how many alarms there are"
    alarms = _alarms(template)
    by_default = sum(c is None or _on_by_default(c, template) for c in alarms.values())
    auto_pause = sum(c == "AutoPauseOn" for c in alarms.values())
    assert not _on_by_default("AutoPauseOn", template)
    assert (int(m.group(1)), int(m.group(2))) == (by_default, by_default + auto_pause)


# --- environment variables and Python names -------------------------------------------------


def configuration_text() -> str:
    """Where a variable the documents name can be read or set."""
    files = [
        *(ROOT / "src").rglob("*.py"),
        ROOT / "template.yaml",
        ROOT / "Makefile",
        ROOT / "samconfig.toml",
        ROOT / "events" / "env.json",
        *(ROOT / "tools").glob("*"),
    ]
    return "\n".join(f.read_text() for f in files if f.is_file())


@pytest.mark.parametrize("doc", REFERENCE_DOCS, ids=_IDS)
def test_environment_variables_exist(doc: Path) -> None:
    text = configuration_text()
    unknown = [
        f"{doc.name}:{n}: {m.group(1)}"
        for n, line in lines(doc)
        for m in re.finditer(r"`\$?([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\b", line)
        if not m.group(1).startswith("CKV")  # checkov's check ids
        and not re.search(rf"\b{m.group(1)}\b", text)
    ]
    assert unknown == []


def resolve(dotted: str) -> object:
    """`domain.inbound.proof.ReturnPathSigner` -> the object (the longest importable module
    prefix, then attributes)."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:i]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[i:]:
            obj = getattr(obj, attribute)
        return obj
    raise ModuleNotFoundError(dotted)


@cache
def classes_in_src() -> dict[str, str]:
    """Class name -> module, for `Class.attribute` references."""
    found: dict[str, str] = {}
    for path in sorted((ROOT / "src").rglob("*.py")):
        module = ".".join(path.relative_to(ROOT / "src").with_suffix("").parts)
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ClassDef):
                found.setdefault(node.name, module)
    return found


@pytest.mark.parametrize("doc", REFERENCE_DOCS, ids=_IDS)
def test_python_names_exist(doc: Path) -> None:
    """`domain.x.y`, `Class.method` and `from domain.x import a, b` name real objects."""
    broken = []
    classes = classes_in_src()
    for n, line in lines(doc):
        names = re.findall(r"`((?:domain|adapters|handlers|cli)(?:\.\w+)+)`", line)
        m = re.match(r"\s*from ((?:domain|adapters)[\w.]*) import ([\w, ]+)", line)
        if m:
            names += [f"{m.group(1)}.{a.strip()}" for a in m.group(2).split(",") if a.strip()]
        for cls, attribute in re.findall(r"`([A-Z]\w+)\.(\w+)[`(]", line):
            if cls in classes:
                names.append(f"{classes[cls]}.{cls}.{attribute}")
        for name in names:
            try:
                resolve(name)
            except (ImportError, AttributeError) as exc:
                broken.append(f"{doc.name}:{n}: {name} ({exc})")
    assert broken == []
