"""Small, defensive MIME helpers over the stdlib ``email`` package (compat32 policy).

compat32 is used on purpose: it is several times faster than ``policy.default`` and never
raises on malformed headers; we decode only the few headers and parts we need.
"""

from __future__ import annotations

import re
from contextlib import suppress
from email.header import decode_header
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from typing import Any, Final

#: Raw messages are cut to this size before parsing (bounces quote whole originals).
MAX_MESSAGE_BYTES: Final = 2_000_000
#: Text scanned per part, in characters.
MAX_PART_CHARS: Final = 24_000
#: Parts visited per message.
MAX_PARTS: Final = 64

#: Parts whose text the parser keeps as it is: enclosed messages (RFC 2046 message/rfc822,
#: RFC 6532 message/global; the classifier never needs their structure) and delivery-status
#: reports (RFC 3464/6533; dsn.parse_blocks reads their text, the parser's header blocks
#: would only be joined back into text).
_OPAQUE_TYPES: Final = frozenset(
    {
        "message/rfc822",
        "message/global",
        "message/delivery-status",
        "message/global-delivery-status",
    }
)
#: What NoticeMessage tells the parser those parts are.
_OPAQUE: Final = "application/x-opaque"


class NoticeMessage(Message):
    """A ``Message`` for notices: enclosed messages and delivery reports stay unparsed text.

    A bounce returns the original message, often whole, and parsing it is most of the parse;
    a delivery-status part is split by the parser into header blocks that dsn.py would only
    join back.  The feed parser decides how to read a part from ``get_content_type()``
    (``message/*`` is descended into, ``message/delivery-status`` split into blocks), so for
    those types this class answers an opaque type: the parser keeps the part's text as a
    string payload.  The declared type is ``declared_type()``, which ``content_type()``
    reports; every reader accepts both payload shapes, so a parser that asked differently
    would only be slower, not wrong.  Objects of this class never leave the classifier.

    Both answers are kept until a header or the default type changes (the parser asks each
    part several times, and each answer scans every header)."""

    _declared: str | None = None

    def declared_type(self) -> str:
        declared = self._declared
        if declared is None:
            declared = self._declared = super().get_content_type()
        return declared

    def get_content_type(self) -> str:
        declared = self.declared_type()
        return _OPAQUE if declared in _OPAQUE_TYPES else declared

    # Every way a header or the default type can change forgets the remembered type.
    def set_raw(self, name: str, value: Any) -> None:
        self._declared = None
        super().set_raw(name, value)

    def __setitem__(self, name: str, val: Any) -> None:
        self._declared = None
        super().__setitem__(name, val)

    def __delitem__(self, name: str) -> None:
        self._declared = None
        super().__delitem__(name)

    def replace_header(self, _name: str, _value: Any) -> None:
        self._declared = None
        super().replace_header(_name, _value)

    def set_default_type(self, ctype: str) -> None:
        self._declared = None
        super().set_default_type(ctype)


_PARSER: Final = BytesParser(_class=NoticeMessage, policy=compat32)

ADDR_RE: Final = re.compile(
    r"(?<![\w.+%=/-])([\w.!#$%&'*+/=?^`{|}~-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}"
    r"[A-Za-z0-9])?\.){1,8}[A-Za-z]{2,24})(?![\w-])"
)


def parse(raw: bytes) -> Message:
    """Parse *raw* (bounded) with the fast compat32 parser."""
    return _PARSER.parsebytes(raw[:MAX_MESSAGE_BYTES])


# The header map of the last message asked about: one pass over its headers instead of one
# per lookup (``Message.get`` scans them all).  A (message, map) tuple replaced atomically.
_LAST_HEADERS: Final[list[tuple[object, dict[str, str]]]] = [(None, {})]


def _header_map(msg: Message) -> dict[str, str]:
    last = _LAST_HEADERS[0]
    if last[0] is msg:
        return last[1]
    found: dict[str, str] = {}
    for name, value in msg.raw_items():
        found.setdefault(name.lower(), value)
    _LAST_HEADERS[0] = (msg, found)
    return found


def raw_header(msg: Message, name: str) -> object | None:
    """The first value of header *name* as ``Message.get`` returns it, or None."""
    value = _header_map(msg).get(name.lower())
    if value is None:
        return None
    if type(value) is str and value.isascii():
        return value  # what compat32's header_fetch_parse returns for it, without the checks
    return msg.policy.header_fetch_parse(name, value)


def header(msg: Message, name: str) -> str:
    """A header's value as text (RFC 2047 decoded, best effort), or ``""``.

    Raw 8-bit values (RFC 6532 UTF-8 headers, or a client that never encoded them) are read
    as UTF-8, else Latin-1: compat32 keeps their bytes as surrogate escapes."""
    stored = _header_map(msg).get(name.lower())
    if stored is None:
        return ""
    if type(stored) is str:
        # what raw_header returns for an ASCII value; 8-bit values read as text first
        return decode_words(stored if stored.isascii() else _eight_bit(stored))[:2000]
    value = raw_header(msg, name)
    text = str(value) if not isinstance(value, str) else value
    return decode_words(text)[:2000]


def _eight_bit(value: str) -> str:
    try:
        data = value.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return value  # already text (a str header set by a caller)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def decode_words(text: str) -> str:
    """*text* with its RFC 2047 encoded-words decoded, best effort (a broken one leaves the
    raw text)."""
    if "=?" not in text:
        return text
    with suppress(Exception):
        chunks = []
        for part, charset in decode_header(text):
            if isinstance(part, bytes):
                chunks.append(part.decode(codec_name(charset), "replace"))
            else:
                chunks.append(part)
        return "".join(chunks)
    return text


def codec_name(charset: str | None) -> str:
    """A codec Python knows for a MIME *charset*: utf-8 when none is given, latin-1 (which
    decodes any byte) when it is unknown."""
    if not charset:
        return "utf-8"
    charset = charset.strip().strip('"').lower()
    try:
        "".encode(charset)
    except (LookupError, ValueError):
        return "latin-1"
    return charset


def part_text(part: Message, limit: int = MAX_PART_CHARS) -> str:
    """The decoded text of a non-multipart part (transfer-encoding and charset), bounded."""
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - undecodable payloads are skipped
        payload = None
    if isinstance(payload, bytes):
        data = payload[: limit * 4]
        charset = codec_name(_content_charset(part))
        try:
            return data.decode(charset, "replace")[:limit]
        except Exception:  # noqa: BLE001 - codec oddities
            return data.decode("latin-1")[:limit]
    raw = part.get_payload()
    if isinstance(raw, str):
        return raw[:limit]
    return ""


_CHARSET_RE: Final = re.compile(r"""charset\s*=\s*["']?([^"';\s]+)""", re.I)


def _content_charset(part: Message) -> str | None:
    """The charset parameter of Content-Type (a regex: ``get_content_charset`` parses every
    parameter, and this runs for every text part)."""
    ctype = part.get("Content-Type")
    if ctype is None:
        return None
    m = _CHARSET_RE.search(str(ctype))
    return m.group(1) if m else None


#: Parts that hold another message (the returned original, its headers): analysed as one
#: part each, never descended into.
ENCLOSED_TYPES: Final = frozenset(
    {"message/rfc822", "message/global", "text/rfc822-headers", "message/rfc822-headers"}
)


def walk_outer(msg: Message) -> list[tuple[Message, str]]:
    """``(part, content type)`` for the parts of *msg* in order, bounded, without descending
    into enclosed messages (ENCLOSED_TYPES): the notice's own structure only."""
    out: list[tuple[Message, str]] = []
    stack = [msg]
    with suppress(Exception):  # malformed structure: keep what was walked
        while stack and len(out) < MAX_PARTS:
            part = stack.pop()
            ctype = content_type(part)
            out.append((part, ctype))
            if ctype in ENCLOSED_TYPES or not part.is_multipart():
                continue
            payload = part.get_payload()
            if isinstance(payload, list):
                stack.extend(reversed([p for p in payload if isinstance(p, Message)]))
    return out


def content_type(part: Message) -> str:
    """``Message.get_content_type()`` without its parameter parsing (same result)."""
    if isinstance(part, NoticeMessage):
        return part.declared_type()  # remembered from the parse
    try:
        value = part.get("content-type")
        if value is None:
            return part.get_default_type()
        ctype = str(value).partition(";")[0].strip().lower()
        return ctype if ctype.count("/") == 1 else "text/plain"
    except Exception:  # noqa: BLE001
        return "text/plain"


def addresses(text: str) -> list[str]:
    """Every addr-spec in *text*, lower-cased, in order, without duplicates."""
    seen: dict[str, None] = {}
    for m in ADDR_RE.finditer(text):
        seen.setdefault(m.group(1).lower().strip("."), None)
    return list(seen)


def first_address(text: str) -> str | None:
    m = ADDR_RE.search(text)
    return m.group(1).lower().strip(".") if m else None


_TAG_RE: Final = re.compile(
    r"<(?:script|style)\b.*?</(?:script|style)>|<[^>]{0,2000}>", re.S | re.I
)
_ENTITY: Final = {
    "&nbsp;": " ",
    "&lt;": "<",
    "&gt;": ">",
    "&amp;": "&",
    "&quot;": '"',
    "&#39;": "'",
}
_ENTITY_RE: Final = re.compile("|".join(map(re.escape, _ENTITY)))


def html_to_text(html: str) -> str:
    """Crude, bounded HTML -> text: drop tags, decode the common entities."""
    text = _TAG_RE.sub(" ", html.replace("<br", "\n<br").replace("<p", "\n<p"))
    return _ENTITY_RE.sub(lambda m: _ENTITY[m.group(0)], text)
