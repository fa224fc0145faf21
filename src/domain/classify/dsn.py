"""RFC 3464 delivery-status parsing (message/delivery-status and message/global-delivery-status)."""

from __future__ import annotations

import quopri
import re
from base64 import b64decode
from contextlib import suppress
from dataclasses import dataclass
from email.message import Message
from typing import Final

from domain.classify.mime import MAX_PART_CHARS, first_address

_FIELD_RE: Final = re.compile(r"^([A-Za-z][A-Za-z0-9-]{0,40})[ \t]*:[ \t]*(.*)$")
_MAX_RECIPIENTS: Final = 200
_REPLY_LINE_RE: Final = re.compile(r"[245]\d\d[ -]")

DSN_TYPES: Final = frozenset({"message/delivery-status", "message/global-delivery-status"})


@dataclass(frozen=True, slots=True)
class DsnRecipient:
    """The per-recipient fields of one DSN block that matter for classification."""

    final_recipient: str | None
    original_recipient: str | None
    action: str | None
    status: str | None
    diagnostic: str | None
    remote_mta: str | None
    #: X-Actual-Recipient (Postfix, sendmail): the address after alias expansion
    actual_recipient: str | None = None

    @property
    def address(self) -> str | None:
        return self.final_recipient or self.original_recipient


def delivery_status_text(part: Message) -> str:
    """The raw text of a delivery-status part, transfer-decoded, bounded."""
    payload = part.get_payload()
    if isinstance(payload, list):
        chunks = []
        for block in payload[: _MAX_RECIPIENTS + 1]:
            if isinstance(block, Message):
                chunks.append("\n".join(f"{k}: {v}" for k, v in block.items()))
        text = "\n\n".join(chunks)
    elif isinstance(payload, str):
        text = payload
    else:
        text = ""
    text = text[: MAX_PART_CHARS * 2]
    cte = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    with suppress(Exception):  # undecodable: keep the text as it is
        if cte == "quoted-printable":
            text = quopri.decodestring(text.encode("latin-1", "replace")).decode("utf-8", "replace")
        elif cte == "base64" and ":" not in text[:200]:
            text = b64decode(text.encode("ascii", "ignore")).decode("utf-8", "replace")
    return text


def parse_blocks(text: str) -> list[dict[str, str]]:
    """Split DSN text into field blocks (blank-line separated, continuation lines joined)."""
    blocks: list[dict[str, str]] = []
    current: dict[str, str] = {}
    last: str | None = None
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            if current:
                blocks.append(current)
                current, last = {}, None
            continue
        if line[0] in " \t" and last is not None:
            current[last] += "\n" + line.strip()
            continue
        m = _FIELD_RE.match(line)
        if m is None:
            if last == "diagnostic-code" and _REPLY_LINE_RE.match(line):
                # a multi-line SMTP reply pasted without folding ("550-first line" then
                # "550 last line" at the start of the next lines)
                current[last] += "\n" + line.strip()
            continue
        name = m.group(1).lower()
        if name in current and name in ("final-recipient", "original-recipient"):
            blocks.append(current)  # a missing blank line between recipients
            current = {}
        current[name] = m.group(2).strip()
        last = name
    if current:
        blocks.append(current)
    return blocks


#: RFC 6533 utf-8-addr-xtext / unitext: a character written as ``\x{HEX}``.
_EMBEDDED_UNICODE_RE: Final = re.compile(r"\\x\{([0-9A-Fa-f]{1,6})\}")
#: An addr-spec of any script (RFC 6531 allows UTF-8 in both parts), as a last resort.
_ANY_ADDR_RE: Final = re.compile(r"[^\s<>;,\"()\[\]]{1,64}@[^\s<>;,\"()\[\]@]{1,255}")


def address_field(value: str | None) -> str | None:
    r"""The addr-spec of a recipient field (``Final-Recipient``, ``Original-Recipient``,
    ``X-Actual-Recipient``), lower-cased, or None.

    Reads ``rfc822; a@b``, ``rfc822;<a@b>``, a value without its address type (``a@b``),
    folded values, and RFC 6533's ``utf-8`` type (``\x{HEX}`` escapes decoded, non-ASCII
    addresses kept)."""
    if not value:
        return None
    addr_type, sep, rest = value.partition(";")
    if not sep:
        addr_type, rest = "", value
    if addr_type.strip().lower() == "utf-8" and "\\x{" in rest:
        rest = _EMBEDDED_UNICODE_RE.sub(_unicode_char, rest)
    found = first_address(rest)
    if found is not None:
        return found
    m = _ANY_ADDR_RE.search(rest)
    if m is None or "." not in m.group(0).rpartition("@")[2]:
        return None
    return m.group(0).strip(".").lower()


def _unicode_char(m: re.Match[str]) -> str:
    code = int(m.group(1), 16)
    return chr(code) if code <= 0x10FFFF else m.group(0)


def recipients(text: str) -> list[DsnRecipient]:
    """The per-recipient blocks (those naming a recipient or carrying a status)."""
    out: list[DsnRecipient] = []
    for block in parse_blocks(text):
        actual = address_field(block.get("x-actual-recipient"))
        final = address_field(block.get("final-recipient")) or actual
        original = address_field(block.get("original-recipient"))
        if final is None and original is None and "status" not in block and ("action" not in block):
            continue
        out.append(
            DsnRecipient(
                final,
                original,
                block.get("action", "").split("(")[0].strip().lower() or None,
                block.get("status") or None,
                block.get("diagnostic-code") or None,
                block.get("remote-mta") or None,
                actual,
            )
        )
        if len(out) >= _MAX_RECIPIENTS:
            break
    return out
