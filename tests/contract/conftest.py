"""InboundFunction's events name S3 objects: store them before the contract test invokes the
handler (tests/fixtures/inbound/<message id>.eml under the configured prefix)."""

from __future__ import annotations

import json
from urllib.parse import unquote_plus

import pytest

from tests.conftest import INBOUND_FIXTURES


def _referenced_keys(event: dict) -> list[str]:
    keys = []
    for record in event.get("Records", []):
        if "s3" in record:
            keys.append(unquote_plus(record["s3"]["object"]["key"]))
        elif "ses" in record:
            keys.append("inbound/" + record["ses"]["mail"]["messageId"])
        elif "Sns" in record:
            keys.append(json.loads(record["Sns"]["Message"])["receipt"]["action"]["objectKey"])
    return keys


@pytest.fixture(autouse=True)
def _inbound_objects(request: pytest.FixtureRequest) -> None:
    callspec = getattr(request.node, "callspec", None)
    path = callspec.params.get("path") if callspec else None
    if path is None or path.parent.name != "InboundFunction":
        return
    env = request.getfixturevalue("inbound_env")
    for key in _referenced_keys(json.loads(path.read_text())):
        message_id = key.removeprefix(env.prefix)
        source = INBOUND_FIXTURES / f"{message_id}.eml"
        if source.exists():  # a missing object is what the malformed sample is about
            env.upload(message_id)
