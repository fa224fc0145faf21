"""InboundFunction's events name S3 objects: store them before the contract test invokes the
handler (events/InboundFunction/messages/<message id>.eml under the configured prefix)."""

from __future__ import annotations

import json

import pytest

from cli.local_env import inbound_object_keys
from tests.conftest import INBOUND_FIXTURES


@pytest.fixture(autouse=True)
def _inbound_objects(request: pytest.FixtureRequest) -> None:
    callspec = getattr(request.node, "callspec", None)
    path = callspec.params.get("path") if callspec else None
    if path is None or path.parent.name != "InboundFunction":
        return
    env = request.getfixturevalue("inbound_env")
    for key in inbound_object_keys(json.loads(path.read_text()), env.prefix):
        message_id = key.removeprefix(env.prefix)
        source = INBOUND_FIXTURES / f"{message_id}.eml"
        if source.exists():  # a missing object is what the malformed sample is about
            env.upload(message_id)
