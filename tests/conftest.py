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


# --- inbound mail ------------------------------------------------------------------

INBOUND_FIXTURES = EVENTS / "InboundFunction" / "messages"  # a sample .eml of each kind
INBOUND_BUCKET = "ses-feedback-dev-inbound-123456789012-us-east-1"  # the name events/ use
INBOUND_PREFIX = "inbound/"
UNSUBSCRIBE_MAILBOX = "unsubscribe@mail.example.com"
#: The key the sample messages' signed return paths were minted with (events/InboundFunction/
#: messages); the demo uses it too. Documented as public: never deploy with it.
SAMPLE_RETURN_PATH_KEY = "ses-feedback-local-demo-key-not-a-secret"


class InboundEnv:
    """A fresh InboundTable and the inbound bucket, with the handler configured for them."""

    def __init__(self, table: str, bucket: str, prefix: str) -> None:
        import boto3

        self.table, self.bucket, self.prefix = table, bucket, prefix
        self.s3 = boto3.client("s3")
        self.dynamodb = boto3.client("dynamodb")

    def upload(self, message_id: str, raw: bytes | None = None) -> str:
        """Store a message the way the S3 action does (key = prefix + message id); the
        content defaults to events/InboundFunction/messages/<message_id>.eml."""
        body = raw if raw is not None else (INBOUND_FIXTURES / f"{message_id}.eml").read_bytes()
        key = self.prefix + message_id
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=body)
        return key

    def items(self, message_id: str) -> list[dict[str, Any]]:
        from boto3.dynamodb.types import TypeDeserializer

        des = TypeDeserializer()
        found = self.dynamodb.query(
            TableName=self.table,
            KeyConditionExpression="message_id = :m",
            ExpressionAttributeValues={":m": {"S": message_id}},
            ConsistentRead=True,
        )["Items"]
        return [{k: des.deserialize(v) for k, v in item.items()} for item in found]


@pytest.fixture
def inbound_env(
    suppression_table: str, template: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> Iterator[InboundEnv]:
    import boto3

    name = f"inbound-test-{next(_table_numbers)}"
    client = boto3.client("dynamodb")
    local_env.create_tables(client, {"InboundTable": name}, template)
    import contextlib

    s3 = boto3.client("s3")
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket=INBOUND_BUCKET)
    monkeypatch.setenv("INBOUND_TABLE", name)
    monkeypatch.setenv("INBOUND_BUCKET", INBOUND_BUCKET)
    monkeypatch.setenv("INBOUND_OBJECT_PREFIX", INBOUND_PREFIX)
    monkeypatch.setenv("UNSUBSCRIBE_MAILBOXES", UNSUBSCRIBE_MAILBOX)
    monkeypatch.setenv("RETURN_PATH_KEYS", SAMPLE_RETURN_PATH_KEY)
    monkeypatch.setenv("INBOUND_RETENTION_DAYS", "30")
    factory.reset()
    env = InboundEnv(name, INBOUND_BUCKET, INBOUND_PREFIX)
    yield env
    factory.reset()
    for obj in s3.list_objects_v2(Bucket=INBOUND_BUCKET).get("Contents", []):
        s3.delete_object(Bucket=INBOUND_BUCKET, Key=obj["Key"])
    client.delete_table(TableName=name)
