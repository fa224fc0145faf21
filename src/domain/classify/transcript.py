"""Non-standard bounces: plain-text bodies and embedded SMTP transcripts of real MTAs.

General approach (no per-MTA parser): cut the human-readable text where the returned
original begins, find the failed recipients' addresses, split the text into one segment
per recipient, and classify each segment's codes and wording.
"""

from __future__ import annotations

import re
from typing import Final

from domain.classify.core import clean_diagnostic, phrase_reason
from domain.classify.mime import ADDR_RE
from domain.classify.status_codes import REPLY_RE, STATUS_RE

#: Text read from a bounce body (before the returned original).
MAX_TEXT: Final = 12_000

# Where the returned original message (or its headers) begins (re.I | re.M).
_CUT: Final = (
    r"^(?:[ \t>]*(?:-{2,}.{0,40}(?:original message|copy of (?:the|your) message|message "
    r"(?:text|header)|undelivered message|returned message|unsent message|headers? (?:of|follow))"
    r"|-+ ?below this line is a copy|-{2,} ?(?:original|returned) (?:message|mail)|"
    r"message headers follow|original message (?:header|follow)|"
    r"-{3,} ?(?:the )?(?:original|returned|rejected) (?:message|mail))|"
    # a header line of the returned message starts the line; an indented one is the
    # notice quoting a few fields of the message it is about ("  Message-id: <...>")
    r"(?:> ?)?(?:return-path|received|dkim-signature|x-received|message-id):[ \t])"
)
# Header-ish lines whose addresses are senders/ids, not failed recipients.
_SENDER_LINE_RE: Final = re.compile(
    r"^[ \t>]*(?:from|sender|reply-to|return-path|message-id|in-reply-to|references|"
    r"envelope-from|x-[\w-]+|mail from|resent-from)\s*:.*$|mail from:?\s*<.*$|"
    r"envelope-from.*$|\bmsgid\b.*$|message-id.*$",
    re.I | re.M,
)
# A line naming a recipient (re.I | re.M).
_LINE_ADDR: Final = (
    r"^[ \t>*-]*(?:(?:original-|final-)?recipient(?:\(s\))?:?[ \t]*(?:rfc822;)?[ \t]*|"
    r"to:[ \t]*|rcpt to:[ \t]*|address(?:es)?:[ \t]*|"
    # sendmail's per-recipient summary line: "550 5.1.1 <a@b>... User unknown"
    r"[245]\d\d[ -](?:[245]\.\d{1,3}\.\d{1,3} )?)?<?[\"']?"
    r"([\w.!#$%&'*+/=?^`{|}~-]{1,64}@[\w.-]{1,255}\.[A-Za-z]{2,24})"
)
# Lines of an SMTP session transcript ("While talking to mx.example.org:", ">>> MAIL From:<>",
# "<<< 501 ...") that open the exchange a recipient's summary line reports on.
_SESSION_LINE_RE: Final = re.compile(r"[ \t]*(?:>>>|<<<|\.{0,3} ?while talking to )", re.I)
_PERMANENT: Final = (
    r"permanent(?:ly)? (?:error|fatal|failure|failed)|failed permanently|permanent fatal|"
    r"this is a permanent error|could not be delivered|undeliverable|has been rejected"
)
_TEMPORARY: Final = (
    r"temporar(?:y|ily) (?:error|failure|problem)|still (?:being )?retr|will (?:continue to )?"
    r"(?:retry|try again|keep trying)|has been delayed|delayed|not yet been delivered|"
    r"retrying|warning:? (?:message|could not)"
)
# The patterns run on text lower-cased once, without re.I (much faster than re.I scans).
# Only a text whose lower() changes its length (a few non-ASCII letters) is scanned with
# re.I instead; those forms are compiled when such a text comes (re caches them), not at
# import.
_LINE_ADDR_NL: Final = "\n" + _LINE_ADDR.removeprefix("^")
_LINE_ADDR_NL_LOW_RE: Final = re.compile(_LINE_ADDR_NL)
_CUT_NL_RE: Final = re.compile("\n" + _CUT.removeprefix("^"))
_PERMANENT_LOW_RE: Final = re.compile(_PERMANENT)
_TEMPORARY_LOW_RE: Final = re.compile(_TEMPORARY)
_DAEMON_RE: Final = re.compile(
    r"^(?:mailer-daemon|postmaster|post_master|mail-daemon|mailer_daemon|mail\.delivery|"
    r"no-?reply|bounce[s]?|root|nobody|daemon)@",
    re.I,
)


def cut_original(text: str) -> str:
    """The text before the returned original message (bounded)."""
    text = text[:MAX_TEXT]
    low = "\n" + text.lower()
    if len(low) != len(text) + 1:  # lower() changed some non-ASCII lengths
        m = re.compile(_CUT, re.I | re.M).search(text, 40)
        return text[: m.start()] if m else text
    # "\n" + pattern on "\n" + text: the regex engine skips ahead to each newline instead
    # of trying the pattern at every position (re.M "^"); index i here is i - 1 in text,
    # so a match at i is a line starting at i in text
    m = _CUT_NL_RE.search(low, 40)
    return text[: m.start()] if m else text


def sender_addresses(text: str) -> set[str]:
    """Addresses on sender/id lines, which are never the failed recipient."""
    out: set[str] = set()
    if "@" not in text:
        return out
    for line in text.split("\n"):
        if "@" not in line:
            continue  # only lines holding an address matter: skip the regex for the rest
        for m in _SENDER_LINE_RE.finditer(line):
            if "@" in m.group(0):
                out.update(a.group(1).lower() for a in ADDR_RE.finditer(m.group(0)))
    return out


def is_daemon(addr: str) -> bool:
    return bool(_DAEMON_RE.match(addr))


def segments(text: str, exclude: set[str]) -> list[tuple[str | None, str]]:
    """``[(recipient, text about it)]`` for the failed recipients named in *text*.

    Recipients are addresses that begin a line (``<a@b>:``, ``  a@b``, ``Recipient: a@b``),
    else any address; each one's segment runs to the next recipient's line.
    """
    bad = exclude | sender_addresses(text)
    starts: list[tuple[int, str]] = []
    seen: set[str] = set()
    # "\n" + pattern over "\n" + text (see cut_original): m.start() is the line start in text;
    # on lower-cased text when lower() keeps the length (no re.I, faster; addresses are
    # lower-cased anyway)
    low = text.lower()
    lines = (
        _LINE_ADDR_NL_LOW_RE.finditer("\n" + low)
        if len(low) == len(text)
        else re.compile(_LINE_ADDR_NL, re.I).finditer("\n" + text)
    )
    for m in lines:
        addr = m.group(1).lower().strip(".")
        if addr in bad or addr in seen or is_daemon(addr):
            continue
        seen.add(addr)
        starts.append((m.start(), addr))
    if not starts:
        for m in ADDR_RE.finditer(text):
            addr = m.group(1).lower().strip(".")
            if addr in bad or addr in seen or is_daemon(addr):
                continue
            seen.add(addr)
            line_start = text.rfind("\n", 0, m.start()) + 1
            starts.append((line_start, addr))
            break  # without line structure, only the first address is trustworthy
    if not starts:
        return [(None, text)]
    starts = [
        (_session_start(text, pos, starts[i - 1][0] if i else 0), a)
        for i, (pos, a) in enumerate(starts)
    ]
    out: list[tuple[str | None, str]] = []
    for i, (pos, addr) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(text)
        seg = text[pos:end]
        if not has_evidence(seg):
            # the error is stated once for all recipients (before or after the list)
            seg = seg + "\n" + text[:pos][-3000:] + "\n" + text[end:][:3000]
        out.append((addr, seg))
    return out


def _session_start(text: str, pos: int, floor: int) -> int:
    """Where the recipient line at *pos* really begins: a sendmail transcript reports the
    remote's reply ("<<< 501 ... open relay") on the lines above the recipient's summary
    ("554 <a@b>... Remote protocol error"), so those lines belong to its segment.  Never
    moves above *floor* (the previous recipient's line)."""
    start = pos
    while start > floor:
        newline = text.rfind("\n", floor, start - 1)
        if newline < 0 or not _SESSION_LINE_RE.match(text, newline + 1, start):
            break
        start = newline + 1
    return start


def has_evidence(text: str) -> bool:
    """True when *text* holds a status/reply code or more than a bare address line."""
    if STATUS_RE.search(text) or REPLY_RE.search(text):
        return True
    cleaned = clean_diagnostic(text)
    return cleaned is not None and phrase_reason(cleaned) is not None


def permanence_hint(text: str) -> bool | None:
    low = text[:4000].lower()
    if _TEMPORARY_LOW_RE.search(low):
        return False
    if _PERMANENT_LOW_RE.search(low):
        return True
    return None


def diagnostic_excerpt(seg: str) -> str:
    """The most informative lines of a segment: those from the first code or 'said:' on."""
    found = [m.start() for m in (STATUS_RE.search(seg), REPLY_RE.search(seg)) if m is not None]
    if not found:
        idx = seg.lower().find("said")
        start = idx if idx >= 0 else 0
    else:
        start = seg.rfind("\n", 0, min(found)) + 1
    return seg[start : start + 1200]
