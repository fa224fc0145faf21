"""ARF (RFC 5965) feedback reports and the common non-standard complaint formats."""

from __future__ import annotations

import re
from email.message import Message
from typing import Final

from domain.classify.dsn import parse_blocks
from domain.classify.mime import first_address

FEEDBACK_TYPE_RE: Final = re.compile(r"^feedback-type:[ \t]*([\w-]{1,40})", re.I | re.M)
# Wording of provider complaint reports that do not follow RFC 5965.
COMPLAINT_HINT_RE: Final = re.compile(
    r"\b(?:abuse report|complaint about (?:a )?message|spam (?:complaint|report)|"
    r"feedback loop|reported (?:as|this) (?:spam|junk)|marked (?:as )?(?:spam|junk)|"
    r"this is an email abuse report|spam ?trap)\b",
    re.I,
)


def feedback_fields(part: Message) -> dict[str, str]:
    """The fields of a message/feedback-report part."""
    payload = part.get_payload()
    if isinstance(payload, list):
        fields: dict[str, str] = {}
        for block in payload:
            if isinstance(block, Message):
                for k, v in block.items():
                    fields.setdefault(k.lower(), str(v))
        return fields
    if isinstance(payload, str):
        merged: dict[str, str] = {}
        for block in parse_blocks(payload[:20000]):
            for k, v in block.items():
                merged.setdefault(k, v)
        return merged
    return {}


def report_recipient(fields: dict[str, str]) -> str | None:
    for name in ("original-rcpt-to", "removal-recipient"):
        value = fields.get(name)
        if value:
            addr = first_address(value)
            if addr:
                return addr
    return None
