"""SES notifications that arrive as an email body instead of through SNS to a program.

An SNS topic with an ``email`` subscription mails the notification JSON (SES's
``notificationType``/``eventType`` object) followed by SNS's unsubscribe footer; an
``email-json`` subscription mails the whole SNS envelope, whose ``Message`` field holds that
JSON as a string.  Either may have been re-encoded on the way: quoted-printable left in
place, or a line longer than SMTP allows split by the relaying MTA (sendmail breaks such a
line with ``!``, a newline and a space, which lands inside a JSON string).

This module only finds the notification object; domain.classify.ses classifies it, as it
does for notifications received from SNS directly.
"""

from __future__ import annotations

import json
import quopri
import re
from collections.abc import Iterator, Mapping
from contextlib import suppress
from typing import Final

#: The keys that name an SES notification or event, plain or escaped inside an SNS
#: envelope's ``Message`` string.
_KEY_RE: Final = re.compile(r'\\?"(?:notificationType|eventType)\\?"\s*:')
#: The literals _KEY_RE needs: a cheap ``in`` test before any regex work.
_KEY_LITERALS: Final = ("notificationType", "eventType")
#: sendmail's split of an over-long line: ``!``, a line break, one space.
_LONG_LINE_SPLIT_RE: Final = re.compile(r"!\r?\n ")
#: Characters of the body searched for the notification (SES's own limit on a
#: notification's headers is 10 KB; a bounce with many recipients is larger).
MAX_BODY_CHARS: Final = 256_000
_DECODER: Final = json.JSONDecoder()
#: The sender domains of SES's and SNS's mail.
_AWS_SENDER_RE: Final = re.compile(r"@(?:[\w-]+\.)*(?:amazonses\.com|sns\.amazonaws\.com)\b", re.I)


def looks_like_notification(text: str) -> bool:
    """True when *text* names an SES notification or event key (cheap; no JSON parsing)."""
    if not any(key in text for key in _KEY_LITERALS):
        return False
    return _KEY_RE.search(text) is not None


def sent_by_aws(sender: str, sns_message_id: object | None) -> bool:
    """True when a mail comes from SES or SNS (its From domain, or SNS's message-id header)."""
    return sns_message_id is not None or bool(_AWS_SENDER_RE.search(sender))


def find_notification(text: str) -> Mapping[str, object] | None:
    """The SES notification or event object carried by *text*, or None.

    Tries the text as it is, then with split long lines rejoined, then quoted-printable
    decoded; unwraps an SNS envelope (``"Type": "Notification"`` with a JSON ``Message``).
    """
    text = text[:MAX_BODY_CHARS]
    for candidate in _readings(text):
        obj = _first_object(candidate)
        if obj is None:
            continue
        found = _notification_in(obj)
        if found is not None:
            return found
    return None


def _readings(text: str) -> Iterator[str]:
    yield text
    joined = _LONG_LINE_SPLIT_RE.sub("", text) if "!" in text else text
    if joined != text:
        yield joined
    if "=\n" in joined or "=3D" in joined or "=22" in joined:
        with suppress(ValueError, UnicodeError):
            yield quopri.decodestring(joined.encode("utf-8")).decode("utf-8", "replace")


def _first_object(text: str) -> Mapping[str, object] | None:
    """The JSON object that holds the first notification key: parsed from the first ``{``
    of the body (a notification is the whole body, an SNS footer may follow it), else from
    the last ``{`` before the key."""
    key = _KEY_RE.search(text)
    if key is None:
        return None
    starts = [text.find("{")]
    nearest = text.rfind("{", 0, key.start())
    if nearest not in starts:
        starts.append(nearest)
    for start in starts:
        if start < 0 or start > key.start():
            continue
        with suppress(ValueError):
            obj, _ = _DECODER.raw_decode(text, start)
            if isinstance(obj, dict):
                return obj
    return None


def _notification_in(obj: Mapping[str, object]) -> Mapping[str, object] | None:
    if "notificationType" in obj or "eventType" in obj:
        return obj
    message = obj.get("Message")
    if obj.get("Type") == "Notification" and isinstance(message, str):
        with suppress(ValueError):
            inner = json.loads(message)
            if isinstance(inner, dict) and ("notificationType" in inner or "eventType" in inner):
                return inner
    return None
