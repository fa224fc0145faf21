"""The SMTP command a rejection answered, named in a diagnostic or a bounce's text.

Apart from `domain.classify.transcript` (which splits whole bounce bodies by recipient):
the SES paths need only this, so they do not compile the transcript patterns.
"""

from __future__ import annotations

import re
from typing import Final

from domain.classify.status_codes import REPLY_RE

# The SMTP command a rejection answered ("in reply to end of DATA command", ">>> DATA" then
# "<<< 550 ...", "after end of data", "did not like our RCPT TO").
# (re.I; compiled without it for lower-cased text, and with it, when first needed, for the
# rare text whose lower() changes its length)
_COMMAND: Final = (
    r"(?:in reply to|after|response to|did not like our|smtp command:?|>>>)\s*(?:the\s+|our\s+|"
    r"final\s+|end of\s+|initial\s+)*(data|rcpt to|rcpt|mail from|helo|ehlo|connect|starttls|"
    r"body)"
)


# qmail names the stage in prose: "Connected to 192.0.2.1 but greeting failed." (connect),
# "... but my name was rejected." (HELO), "... but sender was rejected." (MAIL FROM).
_QMAIL_STAGE_RE: Final = re.compile(
    r"connected to \S+ but (greeting failed|my name was rejected|sender was rejected)", re.I
)
_QMAIL_STAGES: Final = {
    "greeting failed": "CONNECT",
    "my name was rejected": "HELO",
    "sender was rejected": "MAIL FROM",
}


# Wording that only a refusal of RCPT TO produces, where no command is named: Postfix's
# "Recipient address rejected: ...", qmail's "does not like recipient." and "most progress
# was RCPT TO response", the "SMTP:RCPT host ..." prefix of some gateways, Oracle Messaging
# Server's "Remote SMTP server has rejected address" (lower-cased text).
_RCPT_WORDING_RE: Final = re.compile(
    r"recipient address rejected|does not like recipient|most progress was rcpt to|"
    r"\bsmtp:rcpt\b|"
    r"smtp server has rejected (?:the )?address|rejected recipient"
)
_COMMAND_LOW_RE: Final = re.compile(_COMMAND)
_COMMAND_HINTS: Final = (
    "in reply to",
    "after",
    "response to",
    "did not like",
    "smtp command",
    ">>>",
)


def smtp_command(text: str) -> str | None:
    """The last SMTP command named before the first rejection in *text* (upper-case)."""
    low = text.lower()
    if "connected to" in low:
        q = _QMAIL_STAGE_RE.search(text)
        if q is not None:
            return _QMAIL_STAGES[q.group(1).lower()]
    if not any(hint in low for hint in _COMMAND_HINTS):
        # cheap literal checks spare the regex scan of most texts
        return "RCPT" if _RCPT_WORDING_RE.search(low) else None
    if len(low) != len(text):  # lower() changed some non-ASCII lengths: keep positions
        low, pattern = text, re.compile(_COMMAND, re.I)
    else:
        pattern = _COMMAND_LOW_RE
    reply = REPLY_RE.search(low)
    last: str | None = None
    for m in pattern.finditer(low):
        if reply is not None and m.start() > reply.start() + 400:
            break
        last = m.group(1).upper()
        if last.startswith("RCPT"):
            last = "RCPT"
        elif last == "BODY":
            last = "DATA"
        if reply is not None and m.start() > reply.start():
            break  # "550 user unknown (in reply to RCPT TO command)": the command follows
    if last is None and _RCPT_WORDING_RE.search(low):
        return "RCPT"
    return last
