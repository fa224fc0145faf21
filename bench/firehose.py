"""Firehose path: transform throughput on a mixed event stream, and a Lambda cost model.

``run()`` returns a Markdown section for docs/benchmarks.md. Speed is a ratio to
``orjson.loads`` alone on the same records (best of several repeats); the cost model turns
measured in-process handler times into Lambda invocations and GB-seconds per million events.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import io
import math
import os
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT / "src", ROOT):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "SesFeedbackBench")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "ses-feedback")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "INFO")

import orjson  # noqa: E402
from tests.builders import sns_envelope, sqs_event  # noqa: E402
from tests.fakes import InMemoryRepository  # noqa: E402

from bench.pipeline import mixed_stream  # noqa: E402
from bench.timing import best_of_interleaved  # noqa: E402
from domain.analytics import OK, transform_record  # noqa: E402
from domain.metrics_plan import MetricsTally  # noqa: E402
from domain.policy import PolicySettings, SuppressionRecord  # noqa: E402
from domain.service import SuppressionService  # noqa: E402
from handlers.firehose_transform import answer_records  # noqa: E402

# Template values the cost model uses (template.yaml).
FEEDBACK_MEMORY_MB = 256  # Globals MemorySize (FeedbackFunction)
FIREHOSE_MEMORY_MB = 512  # FirehoseTransformFunction MemorySize
SQS_BATCH = 10  # FeedbackBatchSize default (window 5 s)
FIREHOSE_PROCESSOR_MB = 1.0  # FirehoseProcessorBufferMB default
# Assumptions, stated in the output.
DYNAMODB_MS = 5.0  # one in-region DynamoDB request, single-digit ms
LAMBDA_ARM_GB_S_USD = 0.0000133334  # us-east-1 list price, arm64, first tier
LAMBDA_REQUEST_USD = 0.20 / 1_000_000
TARGET_VS_FLOOR = 1.5  # the full transform vs the no-logic floor


def throughput(n: int = 20_000) -> dict[str, float]:
    raw = [r + b"\n" for r in mixed_stream(n)]  # SES appends a newline in Firehose records
    encoded = [base64.b64encode(r).decode() for r in raw]
    # Records per invocation as in production: the processor buffer of base64 records.
    per_call = max(1, int(FIREHOSE_PROCESSOR_MB * 1_000_000 / (sum(map(len, encoded)) / n)))
    records = [(str(i), e) for i, e in enumerate(encoded)]
    batches = [records[i : i + per_call] for i in range(0, n, per_call)]

    def decode_only() -> None:
        for r in raw:
            orjson.loads(r)

    def floor() -> None:
        # What any transform must do, with no logic at all: base64 in, JSON in, JSON out,
        # base64 out.
        for e in encoded:
            base64.b64encode(orjson.dumps(orjson.loads(binascii.a2b_base64(e))))

    def transform_only() -> None:
        for r in raw:
            t = transform_record(r)
            if t.result == OK:
                t.data()

    def full() -> None:
        # The handler's work for each batch (its own function): base64 in, normalise and
        # classify, analytics line, partition keys, metrics tally, base64 out, response
        # entry. Not its logs and EMF output, written once per batch. (The transform does
        # not apply suppressions: FeedbackFunction does, docs/decisions.md.)
        for batch in batches:
            answer_records(batch, MetricsTally())

    best = best_of_interleaved(
        {
            "decode": decode_only,
            "floor": floor,
            "transform": transform_only,
            "full": full,
        }
    )
    base = best["decode"]
    return {
        "events": n,
        "per_call": per_call,
        **{f"{name}_s": seconds for name, seconds in best.items()},
        **{f"{name}_ratio": seconds / base for name, seconds in best.items()},
        "full_vs_floor": best["full"] / best["floor"],
        "avg_record_bytes": sum(map(len, raw)) / n,
    }


# --- cost model ---------------------------------------------------------------------------


class CountingRepository(InMemoryRepository):
    """Counts the DynamoDB requests the real repository would make (BatchGetItem takes 100
    keys per request)."""

    def __init__(self) -> None:
        super().__init__()
        self.requests = 0

    def get(self, address: str) -> SuppressionRecord | None:
        self.requests += 1
        return super().get(address)

    def get_many(self, addresses: Iterable[str]) -> Mapping[str, SuppressionRecord]:
        keys = set(addresses)
        self.requests += math.ceil(len(keys) / 100)
        return super().get_many(keys)

    def save(self, record: SuppressionRecord, expected_version: int | None) -> None:
        self.requests += 1
        super().save(record, expected_version)


class _Ctx:
    function_name = "bench"
    function_version = "$LATEST"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    aws_request_id = "bench"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 60_000


def _sns_event(body: bytes, i: int) -> dict[str, Any]:
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": "arn:aws:sns:us-east-1:123456789012:t:s",
                "Sns": {
                    "Type": "Notification",
                    "MessageId": f"sns-{i}",
                    "TopicArn": "arn:aws:sns:us-east-1:123456789012:t",
                    "Message": body.decode(),
                    "Timestamp": "2026-11-01T00:00:00.000Z",
                    "MessageAttributes": {},
                },
            }
        ]
    }


def _sqs_event(bodies: list[bytes], start: int) -> dict[str, Any]:
    return sqs_event(*(sns_envelope(b.decode()) for b in bodies), id_prefix=f"m-{start}-")


def _firehose_event(records: list[bytes], start: int) -> dict[str, Any]:
    return {
        "invocationId": "bench",
        "deliveryStreamArn": "arn:aws:firehose:us-east-1:123456789012:deliverystream/bench",
        "region": "us-east-1",
        "records": [
            {
                "recordId": f"r-{start + i}",
                "approximateArrivalTimestamp": 1764583200000,
                "data": base64.b64encode(r + b"\n").decode(),
            }
            for i, r in enumerate(records)
        ],
    }


def _measure(
    handler: Callable[[dict[str, Any], Any], object], events: list[dict[str, Any]]
) -> tuple[float, int]:
    """Seconds for all invocations (stdout, where logs and EMF go, discarded) and the
    DynamoDB requests the store would have received."""
    from adapters import factory
    from handlers import feedback, firehose_transform

    best = float("inf")
    requests = 0
    handlers = [m.logger.registered_handler for m in (feedback, firehose_transform)]
    for _ in range(3):
        repo = CountingRepository()
        factory.override(SuppressionService(repo, PolicySettings()))
        sink = io.StringIO()
        saved = [h.setStream(sink) for h in handlers]  # logs are written, to a sink
        try:
            with contextlib.redirect_stdout(sink):  # EMF blobs
                start = time.perf_counter()
                for event in events:
                    handler(event, _Ctx())
                elapsed = time.perf_counter() - start
        finally:
            for h, stream in zip(handlers, saved, strict=True):
                h.setStream(stream)
        best = min(best, elapsed)
        requests = repo.requests
    factory.override(None)
    return best, requests


def cost_model(n: int = 3_000) -> dict[str, Any]:
    from handlers import feedback, firehose_transform

    records = mixed_stream(n, addresses=400, seed=11)
    avg_b64 = sum(len(r) + 1 for r in records) / n * 4 / 3
    per_firehose_call = max(1, int(FIREHOSE_PROCESSOR_MB * 1_000_000 / avg_b64))
    sns_events = [_sns_event(r, i) for i, r in enumerate(records)]
    sqs_events = [_sqs_event(records[i : i + SQS_BATCH], i) for i in range(0, n, SQS_BATCH)]
    fh_events = [
        _firehose_event(records[i : i + per_firehose_call], i)
        for i in range(0, n, per_firehose_call)
    ]
    rows = []
    for name, handler, events, per_call, memory in (
        ("direct SNS", feedback.lambda_handler, sns_events, 1, FEEDBACK_MEMORY_MB),
        (
            f"SNS -> SQS (batch {SQS_BATCH}, window 5 s)",
            feedback.lambda_handler,
            sqs_events,
            SQS_BATCH,
            FEEDBACK_MEMORY_MB,
        ),
        (
            f"Firehose ({FIREHOSE_PROCESSOR_MB:g} MB processor buffer)",
            firehose_transform.lambda_handler,
            fh_events,
            per_firehose_call,
            FIREHOSE_MEMORY_MB,
        ),
    ):
        seconds, requests = _measure(handler, events)
        invocations = len(events)
        cpu_ms_per_call = seconds * 1000 / invocations
        ddb_ms_per_call = requests * DYNAMODB_MS / invocations
        billed_ms = math.ceil(cpu_ms_per_call + ddb_ms_per_call)  # billed per 1 ms
        invocations_per_m = 1_000_000 / per_call
        gb_s_per_m = invocations_per_m * billed_ms / 1000 * memory / 1024
        rows.append(
            {
                "path": name,
                "events_per_call": per_call,
                "memory_mb": memory,
                "cpu_ms_per_call": cpu_ms_per_call,
                "ddb_requests_per_call": requests / invocations,
                "ddb_ms_per_call": ddb_ms_per_call,
                "billed_ms": billed_ms,
                "invocations_per_m": invocations_per_m,
                "gb_s_per_m": gb_s_per_m,
                "usd_per_m": gb_s_per_m * LAMBDA_ARM_GB_S_USD
                + invocations_per_m * LAMBDA_REQUEST_USD,
            }
        )
    return {"events": n, "avg_record_bytes": avg_b64 * 3 / 4, "rows": rows}


def run() -> str:
    t = throughput()
    c = cost_model()
    target = "meets" if t["full_vs_floor"] <= TARGET_VS_FLOOR else "misses"
    lines = [
        "## Firehose transform",
        "",
        f"The same mixed stream as above ({t['events']:,} events, average record "
        f"{t['avg_record_bytes']:,.0f} bytes), as Firehose records (SES JSON + newline), in "
        f"batches of {t['per_call']:,} records (the {FIREHOSE_PROCESSOR_MB:g} MB processor "
        "buffer of base64 records, as in production). All rows measured in the same run, "
        "taking turns, best of 7 (CPU time of the process).",
        "",
        "| measurement | time ratio to `orjson.loads` alone | ratio to the floor | events/s |",
        "| --- | --- | --- | --- |",
        f"| `orjson.loads` alone (baseline) | 1.00x | | {t['events'] / t['decode_s']:,.0f} |",
        f"| floor: base64 decode + `orjson.loads` + `orjson.dumps` + base64 encode, no logic | "
        f"{t['floor_ratio']:.2f}x | 1.00x | {t['events'] / t['floor_s']:,.0f} |",
        f"| decode + normalise + classify + analytics line (`transform_record` + `data()`) | "
        f"{t['transform_ratio']:.2f}x | | {t['events'] / t['transform_s']:,.0f} |",
        f"| full transform: + base64 in/out, partition keys, metrics tally, response entry, "
        f"per batch as the handler runs it | {t['full_ratio']:.2f}x | "
        f"**{t['full_vs_floor']:.2f}x** | {t['events'] / t['full_s']:,.0f} |",
        "",
        f"Target: the full transform at most {TARGET_VS_FLOOR:g}x the floor; this run "
        f"{target} it. The floor is what base64 and JSON cost before any of our code runs. "
        "The transform no longer applies suppressions (FeedbackFunction receives the same "
        "events and applies them); the handler adds, per batch, its logs and EMF metrics.",
        "",
        "### Cost model (Lambda only)",
        "",
        f"Each path's real handler invoked in-process on {c['events']:,} mixed events "
        f"(average record {c['avg_record_bytes']:,.0f} bytes), with an in-memory store that "
        "counts the DynamoDB requests the real repository would send (BatchGetItem: 100 keys "
        "per request). Logs and EMF output are discarded.",
        "",
        "Assumptions: billed duration per call = measured handler time + DynamoDB requests x "
        f"{DYNAMODB_MS:g} ms (in-region latency; Lambda waits, so it is billed), rounded up to "
        "1 ms; full batches (at low traffic SQS's 5 s window and Firehose's 60 s processor "
        "interval flush smaller batches, so there are more calls); cold starts ignored; "
        "memory from template.yaml; the Firehose batch is the processor buffer (1 MB of "
        "base64 records) divided by the average record size; machine speed as measured here "
        "(a Graviton Lambda core is not this machine). Prices: arm64 "
        f"${LAMBDA_ARM_GB_S_USD:.10f}/GB-s and $0.20 per million requests (us-east-1 list "
        "price, first tier).",
        "",
        "| path | events/call | memory | handler ms/call | DynamoDB req/call | billed ms/call "
        "| invocations per 1M events | GB-s per 1M events | Lambda USD per 1M events |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in c["rows"]:
        lines.append(
            f"| {r['path']} | {r['events_per_call']:,} | {r['memory_mb']} MB | "
            f"{r['cpu_ms_per_call']:.2f} | {r['ddb_requests_per_call']:.2f} | "
            f"{r['billed_ms']} | {r['invocations_per_m']:,.0f} | {r['gb_s_per_m']:,.1f} | "
            f"{r['usd_per_m']:.3f} |"
        )
    lines += ["", "Arithmetic, per path:", ""]
    for r in c["rows"]:
        lines.append(
            f"- {r['path']}: 1,000,000 / {r['events_per_call']:,} = "
            f"{r['invocations_per_m']:,.0f} invocations; billed "
            f"ceil({r['cpu_ms_per_call']:.2f} + {r['ddb_requests_per_call']:.2f} x "
            f"{DYNAMODB_MS:g}) = {r['billed_ms']} ms; "
            f"{r['invocations_per_m']:,.0f} x {r['billed_ms']} ms x {r['memory_mb']}/1024 GB "
            f"= {r['gb_s_per_m']:,.1f} GB-s."
        )
    lines += [
        "",
        "Not in the table: SNS, SQS and Firehose charges themselves (Firehose bills Direct PUT "
        "ingestion in 5 KB increments per record, plus dynamic partitioning per GB and per S3 "
        "object), DynamoDB request units, S3 storage and CloudWatch Logs ingestion (the "
        "SNS/SQS handler logs one line per record, the Firehose handler a few per batch).",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
