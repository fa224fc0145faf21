"""Fixtures shared by every suite: sample loading, policy settings, fakes, and an embedded
moto server with tables created from template.yaml."""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters import factory
from cli import local_env
from cli.demo import FakeContext
from domain.policy import PolicySettings
from domain.service import SuppressionService
from tests.fakes import InMemoryRepository

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
EVENTS = ROOT / "events"

os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "SesFeedbackTests")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "ses-feedback")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")


def load_json(path: Path) -> Any:
    return json.loads(path.read_text())


@pytest.fixture
def ses_sample() -> Any:
    """Load a sample from tests/fixtures/ses (copied from AWS documentation, see README)."""
    return lambda name: load_json(FIXTURES / "ses" / name)


@pytest.fixture
def policy() -> PolicySettings:
    return PolicySettings()


@pytest.fixture
def memory_repo() -> InMemoryRepository:
    return InMemoryRepository()


@pytest.fixture
def memory_service(memory_repo: InMemoryRepository, policy: PolicySettings) -> SuppressionService:
    return SuppressionService(memory_repo, policy)


@pytest.fixture
def lambda_context() -> FakeContext:
    return FakeContext()


@pytest.fixture(scope="session")
def template() -> dict[str, Any]:
    return local_env.load_template(ROOT / "template.yaml")


@pytest.fixture(scope="session")
def aws_endpoint() -> Iterator[str]:
    """One embedded moto server for the whole session, on a free loopback port."""
    with local_env.embedded_aws() as endpoint:
        yield endpoint


_table_numbers = itertools.count()


@pytest.fixture
def suppression_table(
    aws_endpoint: str, template: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """A fresh SuppressionTable (from template.yaml) that the handlers are configured for."""
    import boto3

    name = f"suppression-test-{next(_table_numbers)}"
    client = boto3.client("dynamodb")
    local_env.create_tables(client, {"SuppressionTable": name}, template)
    monkeypatch.setenv("SUPPRESSION_TABLE", name)
    factory.reset()
    yield name
    factory.reset()
    client.delete_table(TableName=name)
