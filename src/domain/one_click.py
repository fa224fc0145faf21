"""What the one-click unsubscribe endpoint decides, apart from HTTP: whether a POST is an
RFC 8058 one-click request, and the outcome a genuine token gives.

RFC 8058 section 3.2: the mail client POSTs the ``List-Unsubscribe`` HTTPS URI with the body
``List-Unsubscribe=One-Click``, sent as ``multipart/form-data`` (SHOULD) or
``application/x-www-form-urlencoded`` (MAY). Both are read here, with the standard library
(``urllib.parse`` and the ``email`` parser for multipart).
"""

from __future__ import annotations

from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from typing import Final
from urllib.parse import parse_qs

from domain.events import RecipientOutcome
from domain.unsubscribe_token import UnsubscribeRequest
from domain.verdicts import Classification, Verdict
from domain.vocabulary import Reason

EVENT_TYPE: Final = "OneClickUnsubscribe"
SOURCE: Final = "one-click"
FIELD: Final = "List-Unsubscribe"
VALUE: Final = "One-Click"
FORM_URLENCODED: Final = "application/x-www-form-urlencoded"
MULTIPART_FORM: Final = "multipart/form-data"
#: the request body is about 26 bytes (form) or a few hundred (multipart); anything much
#: larger is not a mail client's one-click POST
MAX_BODY_BYTES: Final = 4096


class NotOneClickError(ValueError):
    """The POST is not an RFC 8058 one-click request; ``status`` is the HTTP answer.
    Messages never quote the request."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def check_one_click_body(content_type: str | None, body: bytes) -> None:
    """Raise NotOneClickError unless ``body`` (of ``content_type``) carries the field
    ``List-Unsubscribe`` with the value ``One-Click``."""
    if len(body) > MAX_BODY_BYTES:
        raise NotOneClickError("request body too large", 413)
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media == FORM_URLENCODED:
        values = _form_values(body)
    elif media == MULTIPART_FORM:
        values = _multipart_values(content_type or "", body)
    else:
        raise NotOneClickError(f"content type must be {MULTIPART_FORM} or {FORM_URLENCODED}", 415)
    if VALUE not in values:
        raise NotOneClickError(f"the body must be {FIELD}={VALUE}")


def _form_values(body: bytes) -> list[str]:
    try:
        text = body.decode("ascii")
    except UnicodeDecodeError:
        raise NotOneClickError("form body is not ASCII") from None
    return parse_qs(text, keep_blank_values=True, max_num_fields=10).get(FIELD, [])


def _multipart_values(content_type: str, body: bytes) -> list[str]:
    # The email parser reads MIME multipart; the HTTP policy keeps long lines as they are.
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    try:
        message = BytesParser(policy=HTTP).parsebytes(head + body)
    except (ValueError, TypeError, LookupError):
        raise NotOneClickError("multipart body unreadable") from None
    if not message.is_multipart():
        raise NotOneClickError("multipart body unreadable")
    values: list[str] = []
    for part in message.walk():
        if part is not message and _form_field_name(part) == FIELD:
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                values.append(payload.decode("latin-1").strip())
    return values


def _form_field_name(part: Message) -> str | None:
    if part.get_content_disposition() != "form-data":
        return None
    name = part.get_param("name", header="content-disposition")
    return name if isinstance(name, str) else None


def one_click_outcome(request: UnsubscribeRequest) -> RecipientOutcome:
    """The outcome a genuine token gives: the recipient asked to stop the token's scope.

    Everything comes from the token, so the same link POSTed again (a mail client retrying,
    a user clicking twice) gives the very same outcome and changes nothing more: the event
    id is the token's id, and the time is when the token was minted, not when it was
    POSTed (docs/decisions.md). Reason ``unsubscribe`` with verdict ``undetermined``, as the
    unsubscribe mailbox gives (docs/inbound.md): suppressed like a complaint, not counted
    as one."""
    return RecipientOutcome(
        address=request.recipient,
        event_type=EVENT_TYPE,
        event_id=f"{SOURCE}:{request.token_id}",
        occurred_at=request.minted_at,
        classification=Classification(
            Reason.UNSUBSCRIBE,
            Verdict.UNDETERMINED,
            diagnostic="one-click unsubscribe (RFC 8058 POST to the List-Unsubscribe URL)",
        ),
        source=SOURCE,
        scope=request.scope,
    )
