"""`ses-feedback emulator`: the template's tables and buckets, the inbound sample messages,
the endpoint printed, and serving until stopped."""

from __future__ import annotations

import io
import json
import threading
import time
from contextlib import redirect_stdout
from urllib.error import HTTPError, URLError
from urllib.request import urlopen

import boto3

from cli import emulator, local_env
from cli.main import build_parser, main
from tests.conftest import EVENTS


def test_once_sets_up_prints_and_stops():
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["emulator", "--port", "0", "--once"])
    text = out.getvalue()
    assert code == 0
    assert "SuppressionTable=ses-feedback-dev-suppression" in text
    assert "InboundBucket=ses-feedback-dev-inbound-123456789012-us-east-1" in text
    messages = len(list((EVENTS / "InboundFunction" / "messages").glob("*.eml")))
    assert f"inbound sample messages: {messages} stored" in text
    assert "export AWS_ENDPOINT_URL=http://127.0.0.1:" in text
    assert "--env-vars events/env.json" in text


def test_once_json_is_one_object():
    import json

    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["emulator", "--port", "0", "--once", "--json"])
    assert code == 0
    [line] = out.getvalue().splitlines()
    held = json.loads(line)
    assert held["tables"]["SuppressionTable"] == "ses-feedback-dev-suppression"
    assert held["buckets"]["InboundBucket"] == "ses-feedback-dev-inbound-123456789012-us-east-1"
    assert held["endpoint"] == held["environment"]["AWS_ENDPOINT_URL"]
    assert held["endpoint"].endswith(f":{held['port']}") and held["port"] > 0
    messages = len(list((EVENTS / "InboundFunction" / "messages").glob("*.eml")))
    assert held["inbound_samples"] == messages


def test_running_holds_what_the_samples_need(template):
    with emulator.running(port=None, template=template) as stack:
        dynamodb, s3 = boto3.client("dynamodb"), boto3.client("s3")
        tables = set(dynamodb.list_tables()["TableNames"])
        assert set(local_env.local_table_names(template).values()) <= tables
        schema = dynamodb.describe_table(TableName=stack.tables["SuppressionTable"])["Table"]
        assert {i["IndexName"] for i in schema["GlobalSecondaryIndexes"]} == {
            "by-domain",
            "by-reason",
        }
        # every message an InboundFunction sample names (one is missing on purpose, and SES's
        # setup notification is never read)
        named = 0
        for sample in sorted((EVENTS / "InboundFunction").glob("*.json")):
            for key in local_env.inbound_object_keys(json.loads(sample.read_text()), "inbound/"):
                if "missing" in key or key.endswith("AMAZON_SES_SETUP_NOTIFICATION"):
                    continue
                stored = s3.get_object(Bucket=stack.buckets["InboundBucket"], Key=key)["Body"]
                source = EVENTS / "InboundFunction" / "messages" / f"{key[len('inbound/') :]}.eml"
                assert stored.read() == source.read_bytes()
                named += 1
        assert named == 4
        # a second start on the same (in-process) backend keeps what exists
        again = emulator.provision(template, EVENTS, stack.endpoint)
        assert again.tables == stack.tables


def _reachable(url: str) -> bool:
    try:
        with urlopen(url, timeout=2):
            return True
    except HTTPError:  # an HTTP error answer still means it is up
        return True
    except URLError:
        return False


def test_serves_until_stopped():
    port = local_env.free_port()
    args = build_parser().parse_args(["emulator", "--port", str(port)])
    stop = threading.Event()
    codes: list[int] = []
    out = io.StringIO()

    def serve() -> None:
        with redirect_stdout(out):
            codes.append(emulator.run(args, stop=stop))

    thread = threading.Thread(target=serve)
    thread.start()
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 30
        while "Ctrl-C" not in out.getvalue() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _reachable(url), "the emulator should be serving"
        time.sleep(1.5)  # still serving after its wait loop went round
        assert _reachable(url)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert codes == [0]
    assert not _reachable(url), "the emulator should have stopped"
