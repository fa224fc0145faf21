"""Automatic replies: RFC 3834 ``Auto-Submitted`` and vacation / out-of-office conventions.

Many ordinary bounces also carry ``Auto-Submitted: auto-replied`` (RFC 3464 suggests it),
so the header only counts when nothing else says "bounce".
"""

from __future__ import annotations

import re
from typing import Final

AUTO_SUBJECT_RE: Final = re.compile(
    r"^\s*(?:\[?auto(?:matic)?[- ]?(?:reply|response|answer|antwort)\]?|auto(?:re|mated)?"
    r"(?:reply|respon[sd]\w*)|out of (?:the )?office|ooo\b|away\b|on vacation|on holiday|"
    r"vacation|abwesenheit|r[ée]ponse automatique|risposta automatica|respuesta autom[áa]tica|"
    r"absence|automatisch|autosvar|automaattinen|自動応答|不在)",
    re.I,
)
AUTO_SUBJECT_ANYWHERE_RE: Final = re.compile(
    r"\b(?:auto(?:matic)?[- ]?reply|autoreply|auto-response|autoresponse|out of (?:the )?office|"
    r"abwesenheitsnotiz|r[ée]ponse automatique)\b",
    re.I,
)
AUTO_HEADERS: Final = (
    "x-autoreply",
    "x-autorespond",
    "x-autoresponder",
    "x-vacation",
    "x-auto-reply",
)
AUTO_PRECEDENCE: Final = frozenset({"auto_reply", "auto-reply"})
BOUNCE_SUBJECT_RE: Final = re.compile(
    r"undeliver|undelivered|delivery (?:status|failure|failed|notification|report|problem)|"
    r"returned (?:mail|to sender)|failure notice|mail (?:delivery )?fail|non-?delivery|"
    r"could not (?:be )?(?:deliver|send)|delivery has failed|mail system error|"
    r"rejected|bounce|warning: (?:message|could not)|delayed mail|error sending",
    re.I,
)
BOUNCE_SENDER_RE: Final = re.compile(r"mailer-daemon|postmaster|post_master|mail delivery", re.I)
