"""Fuzzing analyse_inbound with mutated real messages: it never raises, and every result is
a known kind; `unparseable` always says why."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.inbound import KINDS, analyse_inbound
from tests.conftest import FIXTURES, INBOUND_FIXTURES

SEEDS = [p.read_bytes() for p in sorted(INBOUND_FIXTURES.glob("*.eml"))] + [
    p.read_bytes()
    for p in sorted((FIXTURES / "corpus" / "bounces").glob("*.eml"))
    if p.stat().st_size < 20_000
][::6]


def _boundaries(raw: bytes) -> list[int]:
    out, pos = [], raw.find(b"\n--")
    while pos >= 0:
        out.append(pos + 1)
        pos = raw.find(b"\n--", pos + 1)
    return out


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    raw = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["truncate", "flip", "drop-boundary", "huge-line", "insert"]))
        if not raw:
            break
        at = draw(st.integers(0, len(raw) - 1))
        if op == "truncate":
            del raw[at:]
        elif op == "flip":
            for i in range(at, min(len(raw), at + draw(st.integers(1, 16)))):
                raw[i] = draw(st.integers(0, 255))
        elif op == "drop-boundary":
            starts = _boundaries(bytes(raw))
            if starts:
                start = draw(st.sampled_from(starts))
                end = raw.find(b"\n", start)
                del raw[start : end + 1 if end >= 0 else len(raw)]
        elif op == "huge-line":
            raw[at:at] = draw(st.sampled_from([b"A", b"=", b"-", b"\xff"])) * 300_000
        else:
            raw[at:at] = draw(
                st.sampled_from(
                    [
                        b"\r\n\r\n",
                        b"Content-Type: multipart/mixed; boundary=zz\r\n",
                        b"Content-Transfer-Encoding: base64\r\n",
                        b"--zz--\r\n",
                        b"=?utf-8?q?=E2=80?=",
                        b"\x00",
                    ]
                )
            )
    return bytes(raw)


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(mutated())
def test_mutated_messages_never_raise(raw):
    report = analyse_inbound(raw, unsubscribe_mailboxes=["unsubscribe@mail.example.com"])
    assert report.kind in KINDS
    assert report.size == len(raw)
    if report.kind == "unparseable":
        assert report.error
        assert not report.error.startswith("unexpected"), report.error  # a bug, not bad MIME
    assert report.preview is None or len(report.preview) <= 256
    assert len(report.attachments) <= 50
