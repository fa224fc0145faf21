"""Inbound mail: peak memory and parse throughput for large received messages.

``run()`` returns a Markdown section for docs/benchmarks.md. Messages of 1, 10 and 40 MB
(SES's limit) are generated: a short text body with an HTML alternative and large base64
attachments of incompressible bytes, the shape that dominates real large mail.

Memory is measured with ``tracemalloc`` (Python allocations; the raw message itself is counted
as 1x, since the function must hold it), as a multiple of the message size:

- ``email.message_from_bytes`` (stdlib compat32 parser) alone, the baseline;
- ``analyse_inbound`` (scan, preview, attachment hashes, verdicts);
- the whole path: streaming the object into a buffer (adapters/mail_store.py, fed from an
  in-memory body) plus ``analyse_inbound``.

Throughput is MB of raw message per second, best of several runs without tracemalloc.
"""

from __future__ import annotations

import base64
import gc
import io
import random
import sys
import tracemalloc
from collections.abc import Callable
from email import message_from_bytes
from email.policy import compat32
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT / "src", ROOT):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from adapters.mail_store import S3MailStore  # noqa: E402
from bench.timing import best_of  # noqa: E402
from domain.inbound import Location, analyse_inbound  # noqa: E402

MB = 1024 * 1024
SIZES_MB = (1, 10, 40)
TARGET_MULTIPLE = 4.0


def message(size: int, seed: int = 6) -> bytes:
    """A received message of about *size* bytes with two large base64 attachments."""
    rng = random.Random(seed)
    head = (
        b"Return-Path: <alice@example.org>\r\n"
        b"Received: from mx.example.org by inbound-smtp.us-east-1.amazonaws.com with SMTP id"
        b" bench for support@mail.example.com; Tue, 04 Mar 2025 09:15:02 +0000 (UTC)\r\n"
        b"X-SES-Spam-Verdict: PASS\r\nX-SES-Virus-Verdict: PASS\r\n"
        b"Authentication-Results: amazonses.com; spf=pass; dkim=pass; dmarc=pass\r\n"
        b"X-SES-RECEIPT: bench\r\n"
        b"From: Alice <alice@example.org>\r\nTo: support@mail.example.com\r\n"
        b"Subject: Photos from the site visit\r\nDate: Tue, 04 Mar 2025 10:14:58 +0100\r\n"
        b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        b'--b1\r\nContent-Type: multipart/alternative; boundary="b2"\r\n\r\n'
        b"--b2\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        + b"Here are the photos from Tuesday.\r\n" * 200
        + b"--b2\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        + b"<p>Here are the photos from Tuesday.</p>\r\n" * 200
        + b"--b2--\r\n"
    )
    budget = max(0, size - len(head) - 600)
    parts = [head]
    for i, share in enumerate((0.7, 0.3)):
        binary = rng.randbytes(int(budget * share * 3 / 4))
        encoded = base64.encodebytes(binary).replace(b"\n", b"\r\n")
        parts.append(
            b'--b1\r\nContent-Type: image/jpeg; name="photo-%d.jpg"\r\n'
            b'Content-Disposition: attachment; filename="photo-%d.jpg"\r\n'
            b"Content-Transfer-Encoding: base64\r\n\r\n" % (i, i) + encoded
        )
    parts.append(b"--b1--\r\n")
    return b"".join(parts)


def _peak(fn: Callable[[], Any]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del result
    return peak


class _FakeS3:
    """get_object over bytes, streaming like botocore's StreamingBody."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw

    def get_object(self, Bucket: str, Key: str) -> dict[str, Any]:
        return {"ContentLength": len(self.raw), "Body": io.BytesIO(self.raw)}


def measure(size_mb: int) -> dict[str, float]:
    raw = message(size_mb * MB)
    size = len(raw)
    store = S3MailStore(client=_FakeS3(raw))
    location = Location("bench", "inbound/bench")

    def whole_path() -> object:
        buf = store.fetch(location, 64 * MB)
        return analyse_inbound(buf)

    report = analyse_inbound(raw)
    assert report.kind == "human" and len(report.attachments) == 2, report
    repeat = 3 if size_mb < 40 else 2
    return {
        "size": size,
        # the raw bytes (1x) are held in every case, so they are added to each peak
        "stdlib": 1 + _peak(lambda: message_from_bytes(raw, policy=compat32)) / size,
        "ours": 1 + _peak(lambda: analyse_inbound(raw)) / size,
        # the buffer is allocated inside the traced call here: nothing to add
        "path": _peak(whole_path) / size,
        "ours_mbs": size / MB / best_of(lambda: analyse_inbound(raw), repeat),
        "stdlib_mbs": size / MB / best_of(lambda: message_from_bytes(raw, policy=compat32), repeat),
    }


def run() -> str:
    rows = [measure(mb) for mb in SIZES_MB]
    lines = [
        "## Inbound mail (bench/inbound.py)",
        "",
        "Peak Python memory (tracemalloc) as a multiple of the message size, the raw message "
        "itself (1x) included; messages with two large base64 attachments. Target: at most "
        f"{TARGET_MULTIPLE:g}x. Throughput: MB of raw message per second, best of 2-3 runs.",
        "",
        "| message | stdlib `message_from_bytes` | `analyse_inbound` | S3 stream + analyse "
        "| analyse MB/s | stdlib parse MB/s |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for mb, r in zip(SIZES_MB, rows, strict=True):
        lines.append(
            f"| {mb} MB ({r['size'] / MB:.1f} MiB) | {r['stdlib']:.2f}x | **{r['ours']:.2f}x** "
            f"| **{r['path']:.2f}x** | {r['ours_mbs']:.0f} | {r['stdlib_mbs']:.0f} |"
        )
    worst = max(max(r["ours"], r["path"]) for r in rows)
    verdict = "meets" if worst <= TARGET_MULTIPLE else "MISSES"
    lines += [
        "",
        f"Worst case {worst:.2f}x: {verdict} the {TARGET_MULTIPLE:g}x target. The analysis "
        "parses header blocks only, finds boundaries in the raw buffer and hashes attachments "
        "in 256 KB steps; the S3 read fills one preallocated buffer. Throughput is bound by "
        "base64 decoding and SHA-256 of the attachments (both C).",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
