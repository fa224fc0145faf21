"""The bounded-memory MIME scanner: delimiters, chunked decoding."""

from __future__ import annotations

import base64
import binascii
import os

import pytest

from domain.inbound.scan import MimeStructureError, _Chunks, scan


def _decode_in_steps(encoded: bytes, cte: str, step: int) -> bytes:
    return b"".join(chunk for chunk, _ in _Chunks(encoded, 0, len(encoded), cte, step))


@pytest.mark.parametrize("step", [1, 3, 7, 64, 1000, 1 << 20])
def test_base64_decoding_in_any_chunk_size_equals_one_shot(step):
    data = os.urandom(5000)
    encoded = base64.encodebytes(data).replace(b"\n", b"\r\n")
    assert _decode_in_steps(encoded, "base64", step) == data


@pytest.mark.parametrize("step", [2, 5, 80, 1 << 20])
def test_quoted_printable_decoding_in_chunks(step):
    data = ("caf\u00e9 \u2013 " * 400 + "\n") * 3
    encoded = binascii.b2a_qp(data.encode(), istext=True)
    assert _decode_in_steps(encoded, "quoted-printable", step) == binascii.a2b_qp(encoded)


def test_base64_padding_and_garbage():
    assert _decode_in_steps(b"aGVsbG8=\r\nignored after padding", "base64", 4) == b"hello"
    chunks = list(_Chunks(b"aGVsbG8", 0, 7, "base64", 3))  # missing padding is added
    assert b"".join(c for c, _ in chunks) == b"hello"
    bad = list(_Chunks(b"aGVsb", 0, 5, "base64", 100))
    assert b"".join(c for c, _ in bad) == b"hel"
    assert any(d == "invalid base64 length" for _, d in bad)


def test_delimiters_must_start_a_line_and_match_exactly():
    raw = (
        b"Content-Type: multipart/mixed; boundary=ab\r\n\r\n"
        b"preamble mentions --ab inline\r\n"
        b"--ab\r\nContent-Type: text/plain\r\n\r\none\r\n--abc not a delimiter\r\n"
        b"--ab  \r\nContent-Type: text/plain\r\n\r\ntwo\r\n--ab--\r\nepilogue\r\n"
    )
    result = scan(raw)
    bodies = [raw[p.body_start : p.body_end] for p in result.root.children]
    assert bodies == [b"one\r\n--abc not a delimiter", b"two"]
    assert result.defects == []


def test_missing_close_delimiter_is_a_defect():
    raw = b"Content-Type: multipart/mixed; boundary=x\n\n--x\n\nonly part\n"
    result = scan(raw)
    assert [raw[p.body_start : p.body_end] for p in result.root.children] == [b"only part\n"]
    assert "closing boundary missing" in result.defects


def test_nested_multipart_without_boundary_becomes_a_leaf():
    raw = (
        b"Content-Type: multipart/mixed; boundary=o\n\n--o\n"
        b"Content-Type: multipart/alternative\n\nsome text\n--o--\n"
    )
    result = scan(raw)
    (leaf,) = result.root.leaves()
    assert leaf.content_type == "multipart/alternative"
    assert any("without a boundary" in d for d in result.defects)


def test_top_level_structure_errors_raise():
    with pytest.raises(MimeStructureError, match="boundary never occurs"):
        scan(b"Content-Type: multipart/mixed; boundary=q\n\nno delimiter\n")
