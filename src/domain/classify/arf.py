"""ARF (RFC 5965) feedback reports and the common non-standard complaint formats."""

from __future__ import annotations

import re
from email.message import Message
from typing import Final

from domain.classify.dsn import parse_blocks
from domain.classify.mime import first_address

#: Complainants read from one report: a report about one message sent to several
#: recipients of one receiver lists each in its own Original-Rcpt-To field (RFC 6650 asks
#: for one complaint per report, but providers aggregate).
MAX_COMPLAINANTS: Final = 50
#: Fields that repeat, one value per complainant; the others keep their first value.
_REPEATED: Final = ("original-rcpt-to",)
_RCPT_LINE_RE: Final = re.compile(r"^original-rcpt-to:[ \t]*(.{1,500})$", re.I | re.M)

FEEDBACK_TYPE_RE: Final = re.compile(r"^feedback-type:[ \t]*([\w-]{1,40})", re.I | re.M)
#: ``report-type=feedback-report`` in a Content-Type, quoted or not, spaces allowed.
REPORT_TYPE_RE: Final = re.compile(r"report-type\s*=\s*[\"']?feedback-report\b", re.I)
#: RFC 5965 section 3.1: the fields every feedback report carries besides Feedback-Type.
_REQUIRED_FIELD_RE: Final = re.compile(r"^(?:user-agent|version)[ \t]*:", re.I | re.M)
# Wording of provider complaint reports that do not follow RFC 5965.
COMPLAINT_HINT_RE: Final = re.compile(
    r"\b(?:abuse report|complaint about (?:a )?message|spam (?:complaint|report)|"
    r"feedback loop|reported (?:as|this) (?:spam|junk)|marked (?:as )?(?:spam|junk)|"
    r"this is an email abuse report|spam ?trap)\b",
    re.I,
)


def is_feedback_report(types: list[str], content_type: str, text: str) -> bool:
    """Structure that makes a message an RFC 5965 feedback report, whatever its subject or
    auto-reply headers say: a ``message/feedback-report`` part, ``report-type=feedback-report``
    on the Content-Type, or the report's fields written inline in the notice's text
    (``Feedback-Type`` with ``User-Agent`` or ``Version``, which section 3.1 requires), as
    senders do whose multipart structure was lost or never built."""
    if "message/feedback-report" in types or REPORT_TYPE_RE.search(content_type):
        return True
    head = text[:20000]
    if "eedback-" not in head and "EEDBACK-" not in head:
        return False  # cheap test before the line-anchored scans
    return bool(FEEDBACK_TYPE_RE.search(head) and _REQUIRED_FIELD_RE.search(head))


def inline_fields(text: str) -> dict[str, str]:
    """The fields of a feedback report written inline in *text* (see feedback_fields)."""
    head = text[:20000]
    start = FEEDBACK_TYPE_RE.search(head)
    if start is None:
        return {}
    # the block holding Feedback-Type: blank lines around it separate it from the prose
    block_start = head.rfind("\n\n", 0, start.start()) + 1
    return _collect(_field_lines(head[block_start:]))


def feedback_fields(part: Message) -> dict[str, str]:
    """The fields of a message/feedback-report part (first value of each; the values of a
    repeated field such as Original-Rcpt-To are joined with newlines)."""
    payload = part.get_payload()
    pairs: list[tuple[str, str]] = []
    if isinstance(payload, list):
        for block in payload:
            if isinstance(block, Message):
                pairs.extend((k.lower(), str(v)) for k, v in block.items())
    elif isinstance(payload, str):
        pairs = _field_lines(payload[:20000])
    return _collect(pairs)


def _collect(pairs: list[tuple[str, str]]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for name, value in pairs:
        if name in _REPEATED and name in fields:
            fields[name] += "\n" + value
        else:
            fields.setdefault(name, value)
    return fields


def _field_lines(text: str) -> list[tuple[str, str]]:
    """``(name, value)`` for every field line, repeats included (parse_blocks keeps one)."""
    out: list[tuple[str, str]] = []
    for block in parse_blocks(text):
        out.extend((k, v) for k, v in block.items() if k != "original-rcpt-to")
    for m in _RCPT_LINE_RE.finditer(text):
        out.append(("original-rcpt-to", m.group(1).strip()))
    return out


def report_recipients(fields: dict[str, str]) -> list[str]:
    """The complainants a report names, in order, without repeats (may be empty)."""
    for name in ("original-rcpt-to", "removal-recipient"):
        value = fields.get(name)
        if not value:
            continue
        out: list[str] = []
        for line in value.split("\n"):
            addr = first_address(line)
            if addr and addr not in out:
                out.append(addr)
        if out:
            return out[:MAX_COMPLAINANTS]
    return []
