"""A local AWS for the demo and the tests: an embedded moto server, and the DynamoDB tables
created from template.yaml's own definitions (so the emulated tables are the deployed ones).

Only the demo and the tests use this module; it needs the dev dependencies (moto, PyYAML).
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}


def repo_root() -> Path:
    return Path(__file__).resolve().parents[2]


def load_template(path: Path | None = None) -> dict[str, Any]:
    """Parse template.yaml, keeping CloudFormation tags (!Ref, !Sub, ...) as plain values."""
    import yaml

    class CfnLoader(yaml.SafeLoader):
        pass

    def construct_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {f"Fn::{suffix}" if suffix not in ("Ref", "Condition") else suffix: value}

    CfnLoader.add_multi_constructor("!", construct_tag)
    text = (path or repo_root() / "template.yaml").read_text()
    loaded: dict[str, Any] = yaml.load(text, Loader=CfnLoader)  # noqa: S506 - SafeLoader subclass
    return loaded


def table_definitions(template: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: res["Properties"]
        for name, res in template["Resources"].items()
        if res.get("Type") == "AWS::DynamoDB::Table"
    }


def create_table_kwargs(properties: Mapping[str, Any], table_name: str) -> dict[str, Any]:
    """Translate a CloudFormation table definition into DynamoDB CreateTable arguments."""
    kwargs: dict[str, Any] = {
        "TableName": table_name,
        "AttributeDefinitions": properties["AttributeDefinitions"],
        "KeySchema": properties["KeySchema"],
        "BillingMode": properties.get("BillingMode", "PAY_PER_REQUEST"),
    }
    if properties.get("GlobalSecondaryIndexes"):
        kwargs["GlobalSecondaryIndexes"] = [
            {
                "IndexName": g["IndexName"],
                "KeySchema": g["KeySchema"],
                "Projection": g["Projection"],
            }
            for g in properties["GlobalSecondaryIndexes"]
        ]
    stream = properties.get("StreamSpecification")
    if stream:
        kwargs["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": stream["StreamViewType"],
        }
    if properties.get("SSESpecification", {}).get("SSEEnabled"):
        kwargs["SSESpecification"] = {"Enabled": True}
    return kwargs


def create_tables(
    client: Any, names: Mapping[str, str], template: Mapping[str, Any] | None = None
) -> None:
    """Create each table of the template under the name given for its logical ID."""
    definitions = table_definitions(template or load_template())
    for logical_id, table_name in names.items():
        props = definitions[logical_id]
        client.create_table(**create_table_kwargs(props, table_name))
        ttl = props.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            client.update_time_to_live(
                TableName=table_name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]},
            )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _atomic_moto_server(ip_address: str, port: int) -> Any:
    """moto's server, with one request served at a time.

    moto checks a DynamoDB condition and then writes in two steps, with no lock, so two
    request threads can both pass `version = 5` and one update is lost. Real DynamoDB applies
    a conditional write atomically; a lock around the WSGI app gives the emulator the same
    guarantee, so concurrency tests exercise our retry logic rather than moto's race.
    """
    import threading

    from moto.moto_server.threaded_moto_server import ThreadedMotoServer
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    class AtomicMotoServer(ThreadedMotoServer):
        def _server_entry(self) -> None:
            app = DomainDispatcherApplication(create_backend_app)
            lock = threading.Lock()

            def serialised(environ: Any, start_response: Any) -> Any:
                with lock:
                    return list(app(environ, start_response))

            self._server = make_server(
                self._ip_address, self._port, serialised, True, request_handler=MotoRequestHandler
            )
            self._server_ready_event.set()
            self._server.serve_forever()

    return AtomicMotoServer(ip_address=ip_address, port=port, verbose=False)


@contextmanager
def embedded_aws(port: int | None = None, host: str = "127.0.0.1") -> Iterator[str]:
    """Start moto's server and point boto3/pynamodb at it through the standard
    AWS_ENDPOINT_URL variable. Yields the endpoint URL; restores the environment after.

    `port` None picks a free one; `host` is the address to listen on (0.0.0.0 lets Docker
    containers reach it; the endpoint yielded is always the loopback one)."""
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one access-log line per request
    port = port or free_port()
    server = _atomic_moto_server(host, port)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    saved = {k: os.environ.get(k) for k in [*DUMMY_CREDENTIALS, "AWS_ENDPOINT_URL"]}
    os.environ.update(DUMMY_CREDENTIALS)
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    try:
        yield endpoint
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


# What CloudFormation substitutes in the template's names, for a local stack.
LOCAL_PSEUDO_PARAMETERS = {"AWS::AccountId": "123456789012", "AWS::Region": "us-east-1"}


def resource_name(
    template: Mapping[str, Any], logical_id: str, name_property: str, stage: str = "dev"
) -> str:
    """The physical name a resource gets when the template names it with a !Sub over Stage
    and pseudo parameters (TableName, BucketName, ...); its logical ID otherwise."""
    value = template["Resources"][logical_id]["Properties"].get(name_property)
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("Fn::Sub"), str):
        text: str = value["Fn::Sub"]
        for name, replacement in {"Stage": stage, **LOCAL_PSEUDO_PARAMETERS}.items():
            text = text.replace("${" + name + "}", replacement)
        if "${" not in text:
            return text
    return logical_id


def local_table_names(template: Mapping[str, Any], stage: str = "dev") -> dict[str, str]:
    """{logical ID: the name a `stage` stack gives it} for every table of the template."""
    return {
        logical_id: resource_name(template, logical_id, "TableName", stage)
        for logical_id in table_definitions(template)
    }


def local_bucket_names(template: Mapping[str, Any], stage: str = "dev") -> dict[str, str]:
    return {
        logical_id: resource_name(template, logical_id, "BucketName", stage)
        for logical_id, res in template["Resources"].items()
        if res.get("Type") == "AWS::S3::Bucket"
    }


def ensure_buckets(s3: Any, names: Iterable[str]) -> None:
    for name in names:
        with suppress(s3.exceptions.BucketAlreadyOwnedByYou):
            s3.create_bucket(Bucket=name)


def store_inbound_samples(s3: Any, bucket: str, prefix: str, events: Path) -> list[str]:
    """Put every sample message (events/InboundFunction/messages/<message id>.eml) where the
    receipt rule's S3 action would have: key = prefix + message id, which is what the
    InboundFunction samples name (one names a missing object on purpose). Returns the keys."""
    stored = []
    for source in sorted((events / "InboundFunction" / "messages").glob("*.eml")):
        key = prefix + source.stem
        s3.put_object(Bucket=bucket, Key=key, Body=source.read_bytes())
        stored.append(key)
    return stored


class LocalSesSuppressionList:
    """An in-memory SES account-level suppression list for the demo and the tests (moto has
    no SESv2 suppression API). Same interface as adapters.ses_suppression_list's class; it
    records what was asked of it (`starts`, `puts`, `deletes`)."""

    def __init__(self, entries: Any = ()) -> None:
        self._entries = list(entries)
        self.puts: list[tuple[str, str]] = []
        self.deletes: list[str] = []
        self.starts: list[Any] = []

    def entries(
        self, reasons: Any = ("BOUNCE", "COMPLAINT"), start: Any = None, end: Any = None
    ) -> Iterator[Any]:
        self.starts.append(start)
        return iter([e for e in self._entries if e.reason in reasons])

    def put(self, address: str, reason: str) -> None:
        self.puts.append((address, reason))

    def delete(self, address: str) -> bool:
        """Removes the entry, False when there was none (NotFound in SES). It matches without
        regard to case; whether SES does is not documented."""
        self.deletes.append(address)
        kept = [e for e in self._entries if e.address.lower() != address.lower()]
        found = len(kept) != len(self._entries)
        self._entries = kept
        return found


def inbound_object_keys(event: dict[str, Any], prefix: str) -> list[str]:
    """The S3 keys an InboundFunction event refers to (to store sample messages under)."""
    from urllib.parse import unquote_plus

    keys = []
    for record in event.get("Records", []):
        if "s3" in record:
            keys.append(unquote_plus(record["s3"]["object"]["key"]))
        elif "ses" in record:
            keys.append(prefix + record["ses"]["mail"]["messageId"])
        elif "Sns" in record:
            keys.append(json.loads(record["Sns"]["Message"])["receipt"]["action"]["objectKey"])
    return keys


class LocalSendingControl:
    """An in-memory stand-in for adapters.sending_control.SesSendingControl, for the demo and
    the tests (the emulator has no SESv2 configuration-set sending options): one set's
    sending switch and tags."""

    def __init__(self, sending_enabled: bool = True) -> None:
        from adapters.sending_control import SendingState

        self._state = SendingState(sending_enabled)
        self.tags: dict[str, str] = {}

    def state(self, configuration_set: str) -> Any:
        return self._state

    def pause(self, configuration_set: str, arn: str, tags: Mapping[str, str]) -> None:
        from adapters.sending_control import SendingState
        from domain.auto_pause import PAUSED_AT_TAG, PAUSED_BY_TAG

        self.tags.update(tags)
        self._state = SendingState(False, tags.get(PAUSED_BY_TAG), tags.get(PAUSED_AT_TAG))

    def resume(self, configuration_set: str, arn: str) -> None:
        from adapters.sending_control import SendingState

        self.tags.clear()
        self._state = SendingState(True)
