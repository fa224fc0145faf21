"""Faults lose nothing: FeedbackFunction behind a fault-injecting DynamoDB endpoint.

A small HTTP proxy sits between the handler (pynamodb/botocore, through
``AWS_ENDPOINT_URL_DYNAMODB``) and the embedded moto server and, for a share of requests,
answers a throttle, answers a 500, or forwards the request and then drops the connection
(the write was applied, its reply lost). SQS is simulated as the template configures it:
batches of 10, a failed record delivered again later (in a different order), at most
``maxReceiveCount`` (5) times, then the DLQ. After everything settles the table must equal
the fault-free run's, with nothing left in the DLQ.

Only time is replaced in process: botocore's backoff sleeps are set to zero so the test runs
in seconds. The code under test, the SDKs and the emulator are the real ones.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import random
import threading
from collections import Counter, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from bench.pipeline import mixed_stream

from adapters import factory
from cli import local_env
from handlers import feedback
from tests.builders import sqs_event

pytestmark = pytest.mark.integration

EVENTS = 2_000
ADDRESSES = 150  # few enough that one address sees several events, in any order
MAX_RECEIVES = 5  # template.yaml: FeedbackQueue RedrivePolicy maxReceiveCount
BATCH = 10
_THROTTLE = (
    b'{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate exceeded"}'
)
_SERVER_ERROR = b'{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"x"}'


class FaultProxy:
    """Forwards DynamoDB requests to ``upstream``; faults a ``rate`` share of them."""

    def __init__(self, upstream: str, rate: float, seed: int) -> None:
        self.rate = rate
        self.faults: Counter[str] = Counter()
        self.requests = 0
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        parts = urlsplit(upstream)
        target = (parts.hostname or "127.0.0.1", parts.port or 80)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                fault = proxy._draw()
                if fault == "throttle":
                    return self._answer(400, _THROTTLE)
                if fault == "server-error":
                    return self._answer(500, _SERVER_ERROR)
                upstream_conn = http.client.HTTPConnection(*target, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                upstream_conn.request("POST", self.path, body=body, headers=headers)
                reply = upstream_conn.getresponse()
                data = reply.read()
                upstream_conn.close()
                if fault == "lost-reply":
                    self.close_connection = True  # applied upstream; the client hears nothing
                    return None
                self.send_response(reply.status)
                for name, value in reply.getheaders():
                    if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return None

            def _answer(self, status: int, data: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.0")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _draw(self) -> str | None:
        with self._lock:
            self.requests += 1
            if self._rng.random() >= self.rate:
                return None
            fault = self._rng.choice(["throttle", "server-error", "lost-reply"])
            self.faults[fault] += 1
            return fault

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def run_through_sqs(bodies: list[bytes], seed: int) -> dict[str, Any]:
    """Deliver every body as SQS would (redelivering failures later, in another order)."""
    rng = random.Random(seed)
    queue: deque[tuple[int, int]] = deque((i, 0) for i in range(len(bodies)))
    dlq: list[int] = []
    invocations = failed_records = 0
    while queue:
        batch = [queue.popleft() for _ in range(min(BATCH, len(queue)))]
        event = sqs_event(*(bodies[i].decode() for i, _ in batch), id_prefix=f"i{invocations}-")
        with contextlib.redirect_stdout(io.StringIO()):
            response = feedback.lambda_handler(event, _context())
        invocations += 1
        failed = {int(f["itemIdentifier"].rsplit("-", 1)[1]) for f in response["batchItemFailures"]}
        failed_records += len(failed)
        retry = [(i, n + 1) for k, (i, n) in enumerate(batch) if k in failed]
        rng.shuffle(retry)
        for i, receives in retry:
            (dlq.append(i) if receives >= MAX_RECEIVES else queue.append((i, receives)))
    return {"dlq": dlq, "invocations": invocations, "failed_records": failed_records}


def _context() -> Any:
    from cli.demo import FakeContext

    return FakeContext()


def table_state(table: str, endpoint: str) -> dict[str, dict[str, Any]]:
    client = boto3.client("dynamodb", endpoint_url=endpoint)
    items: dict[str, dict[str, Any]] = {}
    for page in client.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        for item in page["Items"]:
            # when and how many times it was written may differ; what it says may not
            for volatile in ("updated_at", "version"):
                item.pop(volatile, None)
            items[item["address"]["S"]] = item
    return items


@pytest.fixture
def no_backoff_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    from botocore.retries import standard

    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, ctx: 0.0)


@pytest.mark.slow
@pytest.mark.usefixtures("no_backoff_sleep")
def test_faults_at_10_and_30_percent_end_in_the_fault_free_table(
    aws_endpoint, template, monkeypatch, capsys
):
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "CRITICAL")
    bodies = mixed_stream(EVENTS, addresses=ADDRESSES, seed=23)
    client = boto3.client("dynamodb")
    results: dict[str, dict[str, Any]] = {}
    states: dict[str, dict[str, dict[str, Any]]] = {}
    for label, rate in (("fault-free", 0.0), ("10%", 0.10), ("30%", 0.30)):
        table = f"faults-{label.rstrip('%').replace('-', '')}"
        local_env.create_tables(client, {"SuppressionTable": table}, template)
        monkeypatch.setenv("SUPPRESSION_TABLE", table)
        with FaultProxy(aws_endpoint, rate, seed=hash(label) % 1000) as proxy:
            monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", proxy.url)
            factory.reset()
            try:
                results[label] = run_through_sqs(bodies, seed=5)
            finally:
                factory.reset()
                monkeypatch.delenv("AWS_ENDPOINT_URL_DYNAMODB")
            results[label]["requests"] = proxy.requests
            results[label]["faults"] = dict(proxy.faults)
        states[label] = table_state(table, aws_endpoint)

    baseline = states["fault-free"]
    assert len(baseline) > 100
    assert any(i.get("suppressed", {}).get("BOOL") for i in baseline.values())
    with capsys.disabled():
        print()
        for label, r in results.items():
            differing = sorted(
                a
                for a in set(baseline) | set(states[label])
                if baseline.get(a) != states[label].get(a)
            )
            print(
                f"  fault injection {label:>10}: {r['requests']} requests, faults {r['faults']}, "
                f"{r['invocations']} invocations, {r['failed_records']} record failures "
                f"redelivered, DLQ {len(r['dlq'])}, addresses differing from the fault-free "
                f"run: {len(differing)} of {len(baseline)}"
            )
    for label in ("10%", "30%"):
        assert sum(results[label]["faults"].values()) > 0
        assert results[label]["dlq"] == []
        assert states[label] == baseline, label
