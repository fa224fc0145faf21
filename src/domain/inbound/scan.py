"""A bounded-memory MIME structure scanner over the raw message buffer.

The stdlib parser copies every body line into a list, joins them into a ``str`` and keeps
both: about 7.5 times the message size at its peak. Here only the header blocks are parsed
(``BytesHeaderParser``, compat32: tolerant and fast); bodies stay where they are in the
buffer and are referred to by offsets. Boundaries are found with ``bytes.find``; attachments
are decoded and hashed in fixed-size chunks, so the extra memory is a few chunks whatever the
message size.

Structural failures that leave nothing sensible to inventory (no header block, a multipart
without a boundary, or whose boundary never occurs, nesting too deep) raise
:class:`MimeStructureError` with the reason; everything milder is kept as a *defect* and the
scan goes on, much as the stdlib does.
"""

from __future__ import annotations

import binascii
import hashlib
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import Final

Buffer = bytes | bytearray

MAX_HEADER_BYTES: Final = 256 * 1024
MAX_DEPTH: Final = 10
MAX_PARTS: Final = 500
MAX_BOUNDARY: Final = 200
CHUNK: Final = 256 * 1024  # raw bytes decoded per step when hashing

_HEADER_PARSER: Final = BytesHeaderParser(policy=compat32)
_B64_ALPHABET: Final = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
_NON_B64: Final = bytes(b for b in range(256) if b not in _B64_ALPHABET)
_WS: Final = b" \t"


class MimeStructureError(ValueError):
    """The message's structure cannot be read; the message says why."""


@dataclass(slots=True)
class Part:
    """One entity: its parsed header block and where its body lies in the buffer."""

    headers: Message
    header_start: int
    head_end: int
    body_start: int
    body_end: int
    depth: int
    content_type: str
    children: list[Part] = field(default_factory=list)
    boundary: bytes | None = None

    @property
    def is_multipart(self) -> bool:
        return self.boundary is not None

    @property
    def size(self) -> int:
        return self.body_end - self.body_start

    def transfer_encoding(self) -> str:
        value = self.headers.get("Content-Transfer-Encoding")
        return str(value).strip().lower() if value is not None else "7bit"

    def disposition(self) -> str:
        value = self.headers.get("Content-Disposition")
        return str(value).split(";", 1)[0].strip().lower() if value is not None else ""

    def filename(self) -> str | None:
        try:
            name = self.headers.get_filename() or self.headers.get_param("name")
        except Exception:  # noqa: BLE001 - broken RFC 2231 parameters: no name
            return None
        if isinstance(name, tuple):  # undecodable RFC 2231 value
            name = name[2]
        return str(name) if name else None

    def leaves(self) -> list[Part]:
        if not self.children:
            return [self]
        out: list[Part] = []
        for child in self.children:
            out.extend(child.leaves())
        return out


@dataclass(slots=True)
class Scan:
    root: Part
    defects: list[str]
    parts: int


def scan(buf: Buffer) -> Scan:
    """Scan the structure of *buf*. Raises :class:`MimeStructureError` when unreadable."""
    defects: list[str] = []
    counter = [0]
    root = _entity(buf, 0, len(buf), 0, defects, counter)
    if not root.headers.keys():
        raise MimeStructureError("no header fields")
    return Scan(root, defects, counter[0])


def top_headers(buf: Buffer) -> Message | None:
    """Only the top header block (for messages whose structure cannot be scanned)."""
    try:
        head_end, _ = _header_end(buf, 0, len(buf))
    except MimeStructureError:
        return None
    msg = _HEADER_PARSER.parsebytes(bytes(buf[:head_end]))
    return msg if msg.keys() else None


def _header_end(buf: Buffer, start: int, end: int) -> tuple[int, int]:
    """(end of the header block, start of the body). The blank line belongs to neither."""
    if buf.startswith(b"\n", start):
        return start, start + 1
    if buf.startswith(b"\r\n", start):
        return start, start + 2
    limit = min(end, start + MAX_HEADER_BYTES)
    lf = buf.find(b"\n\n", start, limit)
    crlf = buf.find(b"\n\r\n", start, limit)
    candidates = [(p + 1, p + 2) for p in (lf,) if p >= 0] + [
        (p + 1, p + 3) for p in (crlf,) if p >= 0
    ]
    if candidates:
        return min(candidates)
    if end - start <= MAX_HEADER_BYTES:
        return end, end  # headers only, no body (the stdlib reads it the same way)
    raise MimeStructureError(f"no end of the header block within {MAX_HEADER_BYTES // 1024} KB")


# C901: the recursive MIME walk; its branches are the limits (depth, parts, boundary), each a
# clear error or defect in the order the structure is read, on every inbound message.
def _entity(  # noqa: PLR0917, C901 - internal recursion
    buf: Buffer, start: int, end: int, depth: int, defects: list[str], counter: list[int]
) -> Part:
    if depth > MAX_DEPTH:
        raise MimeStructureError(f"multipart nesting deeper than {MAX_DEPTH}")
    counter[0] += 1
    head_end, body_start = _header_end(buf, start, end)
    headers = _HEADER_PARSER.parsebytes(bytes(buf[start:head_end]))
    if headers.defects and depth == 0:
        defects.extend(type(d).__name__ for d in headers.defects[:5])
    try:
        ctype = headers.get_content_type()
    except Exception:  # noqa: BLE001 - a broken Content-Type reads as text/plain
        ctype = "text/plain"
    part = Part(headers, start, head_end, body_start, end, depth, ctype)
    if headers.get_content_maintype() != "multipart":
        return part
    try:
        boundary = headers.get_boundary()
    except Exception:  # noqa: BLE001
        boundary = None
    if not boundary:
        if depth:  # a nested part: keep it as one opaque leaf, like the stdlib does
            defects.append(f"{ctype} part without a boundary parameter")
            return part
        raise MimeStructureError(f"{ctype} without a boundary parameter")
    try:
        raw_boundary = boundary.encode("ascii", "surrogateescape")
    except UnicodeError:
        raise MimeStructureError("boundary is not encodable") from None
    if len(raw_boundary) > MAX_BOUNDARY:
        raise MimeStructureError(f"boundary longer than {MAX_BOUNDARY} characters")
    part.boundary = raw_boundary
    spans, closed = _split(buf, body_start, end, raw_boundary)
    if not spans:
        if depth:
            defects.append(f"{ctype} part whose boundary never occurs")
            part.boundary = None
            return part
        raise MimeStructureError(f"{ctype} boundary never occurs")
    if not closed:
        defects.append("closing boundary missing")
    for s, e in spans:
        if counter[0] >= MAX_PARTS:
            defects.append(f"more than {MAX_PARTS} parts; the rest not inventoried")
            break
        part.children.append(_entity(buf, s, e, depth + 1, defects, counter))
    return part


def _split(
    buf: Buffer, start: int, end: int, boundary: bytes
) -> tuple[list[tuple[int, int]], bool]:
    """The body spans between delimiter lines, and whether the close delimiter was seen."""
    dash = b"--" + boundary
    spans: list[tuple[int, int]] = []
    current: int | None = None  # body start of the part being read
    pos = start
    while True:
        hit = buf.find(dash, pos, end)
        if hit < 0:
            break
        pos = hit + len(dash)
        if hit != start and buf[hit - 1] != 0x0A:  # not at the start of a line
            continue
        is_close = buf.startswith(b"--", pos)
        after = pos + 2 if is_close else pos
        while after < end and buf[after] in _WS:
            after += 1
        if after < end and buf[after] not in (0x0A, 0x0D):
            continue  # "--boundaryX": a longer line, not our delimiter
        line_end = buf.find(b"\n", after, end)
        next_start = end if line_end < 0 else line_end + 1
        if current is not None:
            spans.append((current, _before_line_break(buf, current, hit)))
        if is_close:
            return spans, True
        current = next_start
        pos = next_start
    if current is not None:
        spans.append((current, end))
    return spans, False


def _before_line_break(buf: Buffer, lo: int, hit: int) -> int:
    """The CRLF (or LF) before a delimiter belongs to the delimiter (RFC 2046)."""
    end = hit
    if end > lo and buf[end - 1] == 0x0A:
        end -= 1
        if end > lo and buf[end - 1] == 0x0D:
            end -= 1
    return end


# --- decoding ---------------------------------------------------------------------------


@dataclass(slots=True)
class Digest:
    size: int
    sha256: str
    defect: str | None = None


def digest(buf: Buffer, part: Part) -> Digest:
    """Decoded size and SHA-256 of a leaf body, streaming in :data:`CHUNK`-sized steps."""
    h = hashlib.sha256()
    size = 0
    defect = None
    for chunk, problem in _Chunks(
        buf, part.body_start, part.body_end, part.transfer_encoding(), CHUNK
    ):
        if problem:
            defect = problem
        h.update(chunk)
        size += len(chunk)
    return Digest(size, h.hexdigest(), defect)


def decoded_head(buf: Buffer, part: Part, limit: int) -> bytes:
    """At most about *limit* decoded bytes from the start of a leaf body."""
    out = bytearray()
    end = min(part.body_end, part.body_start + limit * 2)
    for chunk, _ in _Chunks(buf, part.body_start, end, part.transfer_encoding(), limit * 2):
        out += chunk
        if len(out) >= limit:
            break
    return bytes(out[:limit])


class _Chunks:
    """Iterator over (decoded bytes, defect or None) for one body span."""

    def __init__(self, buf: Buffer, start: int, end: int, cte: str, step: int) -> None:
        self.buf, self.pos, self.end, self.step = buf, start, end, step
        self.cte = cte
        self.carry = b""
        self.done = False

    def __iter__(self) -> _Chunks:
        return self

    def __next__(self) -> tuple[bytes, str | None]:
        if self.done:
            raise StopIteration
        if self.cte == "base64":
            return self._base64()
        if self.cte == "quoted-printable":
            return self._qp()
        if self.pos >= self.end:
            raise StopIteration
        stop = min(self.end, self.pos + self.step)
        chunk = bytes(self.buf[self.pos : stop])
        self.pos = stop
        return chunk, None

    def _base64(self) -> tuple[bytes, str | None]:
        if self.pos >= self.end:
            self.done = True
            return self._b64_final()
        stop = min(self.end, self.pos + self.step)
        clean = self.carry + bytes(self.buf[self.pos : stop]).translate(None, _NON_B64)
        self.pos = stop
        pad = clean.find(b"=")
        if pad >= 0:  # padding ends the data; anything after it is ignored
            self.carry = clean[:pad]
            self.done = True
            return self._b64_final()
        usable = len(clean) - len(clean) % 4
        self.carry = clean[usable:]
        return binascii.a2b_base64(clean[:usable]), None

    def _b64_final(self) -> tuple[bytes, str | None]:
        rest = self.carry
        self.carry = b""
        defect = None
        if len(rest) % 4 == 1:
            rest = rest[:-1]
            defect = "invalid base64 length"
        if rest:
            rest += b"=" * (-len(rest) % 4)
        try:
            return binascii.a2b_base64(rest), defect
        except binascii.Error:
            return b"", "invalid base64"

    def _qp(self) -> tuple[bytes, str | None]:
        if self.pos >= self.end:
            raise StopIteration
        stop = min(self.end, self.pos + self.step)
        if stop < self.end:
            nl = self.buf.rfind(b"\n", self.pos, stop)
            if nl >= 0:
                stop = nl + 1
            else:  # one huge line: do not cut an "=XX" escape (or "=\r\n") in two
                tail = self.buf.rfind(b"=", max(self.pos, stop - 2), stop)
                if tail >= 0:
                    stop = min(self.end, tail + 3)
                    soft = self.buf.find(b"\n", tail, stop)  # "=\n": a soft line break
                    if soft >= 0:
                        stop = soft + 1
        chunk = bytes(self.buf[self.pos : stop])
        self.pos = stop
        return binascii.a2b_qp(chunk), None
