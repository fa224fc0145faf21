"""The layering rules, read from the source (docs/decisions.md, "One composition root").

- src/domain imports nothing from adapters, handlers, cli, boto3, botocore or pynamodb.
- Outside src/adapters nothing builds an AWS collaborator: no boto3 client, resource or
  session, no adapter that talks to AWS (every class of src/adapters that is neither an
  exception nor a dataclass: repositories, clients, pynamodb models), and no SuppressionService
  or InboundService (they are composed from those adapters). Handlers and the CLI get them
  from src/adapters/factory.py.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
FORBIDDEN_IN_DOMAIN = {"adapters", "handlers", "cli", "boto3", "botocore", "pynamodb"}
BOTO3_CONSTRUCTORS = {"client", "resource", "Session"}
COMPOSED_SERVICES = {"SuppressionService", "InboundService"}


def modules(*layers: str) -> list[Path]:
    return sorted(p for layer in layers for p in (SRC / layer).rglob("*.py"))


def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), str(path))


def imported_packages(tree: ast.Module) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module.split(".")[0]


@cache
def aws_adapter_classes() -> frozenset[str]:
    """Classes of src/adapters that are not exceptions or dataclasses (value objects)."""
    found: set[str] = set()
    for path in modules("adapters"):
        for node in parse(path).body:
            if not isinstance(node, ast.ClassDef):
                continue
            decorators = {ast.unparse(d).split("(")[0] for d in node.decorator_list}
            bases = {ast.unparse(b) for b in node.bases}
            if "dataclass" in decorators or any(b.endswith(("Error", "Exception")) for b in bases):
                continue
            found.add(node.name)
    return frozenset(found)


def constructions(tree: ast.Module, names: set[str]) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "boto3"
            and func.attr in BOTO3_CONSTRUCTORS
        ):
            yield node.lineno, f"boto3.{func.attr}"
        called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if called in names:
            yield node.lineno, called


def test_the_adapter_classes_are_found():
    # the rule below is only as good as this list: it must hold the AWS-facing adapters
    assert {
        "DynamoSuppressionRepository",
        "SuppressionClient",
        "SesSuppressionList",
        "SesSendingControl",
        "SuppressionModel",
        "InboundModel",
    } <= aws_adapter_classes()
    assert not {"Settings", "ConfigurationError", "ArchiveObject"} & aws_adapter_classes()


@pytest.mark.parametrize("path", modules("domain"), ids=lambda p: str(p.relative_to(SRC)))
def test_domain_imports_no_outer_layer_or_aws_library(path):
    imports = imported_packages(parse(path))
    bad = [(line, pkg) for line, pkg in imports if pkg in FORBIDDEN_IN_DOMAIN]
    assert bad == []


@pytest.mark.parametrize(
    "path", modules("handlers", "cli", "domain"), ids=lambda p: str(p.relative_to(SRC))
)
def test_only_the_factory_builds_aws_collaborators(path):
    tree = parse(path)
    built = list(constructions(tree, aws_adapter_classes() | COMPOSED_SERVICES))
    bare_boto3 = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Import) and any(a.name == "boto3" for a in node.names)
    ]
    assert built == [], "build it in src/adapters/factory.py"
    assert bare_boto3 == [], "`import boto3` outside src/adapters: use factory.aws_client()"


def test_the_rule_catches_a_construction():
    tree = ast.parse(
        "import boto3\n"
        "def f(t):\n"
        "    c = boto3.client('sqs')\n"
        "    return SuppressionService(DynamoSuppressionRepository(t, p), p)\n"
    )
    names = aws_adapter_classes() | COMPOSED_SERVICES
    assert [name for _, name in constructions(tree, names)] == [
        "boto3.client",
        "SuppressionService",
        "DynamoSuppressionRepository",
    ]
