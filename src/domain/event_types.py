"""The SES event types: named once, read by the pipeline, the classifier and the metrics.

Data only, and imported by both ``domain.events`` (the pipeline's reader) and
``domain.classify.ses`` (the ``classify`` tool's reader), which cannot import each other:
``domain.events`` uses the classifier.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

BOUNCE: Final = "Bounce"
COMPLAINT: Final = "Complaint"
DELIVERY: Final = "Delivery"
DELIVERY_DELAY: Final = "DeliveryDelay"
SEND: Final = "Send"
REJECT: Final = "Reject"
OPEN: Final = "Open"
CLICK: Final = "Click"
RENDERING_FAILURE: Final = "RenderingFailure"
SUBSCRIPTION: Final = "Subscription"
RECEIVED: Final = "Received"

#: ``eventType`` / ``notificationType`` value -> (canonical name, key of the type-specific
#: object).  SES spells one type two ways: event publishing says "Rendering Failure".
EVENT_TYPES: Final[Mapping[str, tuple[str, str]]] = {
    BOUNCE: (BOUNCE, "bounce"),
    COMPLAINT: (COMPLAINT, "complaint"),
    DELIVERY: (DELIVERY, "delivery"),
    SEND: (SEND, "send"),
    REJECT: (REJECT, "reject"),
    OPEN: (OPEN, "open"),
    CLICK: (CLICK, "click"),
    "Rendering Failure": (RENDERING_FAILURE, "failure"),
    RENDERING_FAILURE: (RENDERING_FAILURE, "failure"),
    DELIVERY_DELAY: (DELIVERY_DELAY, "deliveryDelay"),
    SUBSCRIPTION: (SUBSCRIPTION, "subscription"),
    RECEIVED: (RECEIVED, "receipt"),
}

#: The canonical name of every known type.
KNOWN_EVENT_TYPES: Final = frozenset(canonical for canonical, _ in EVENT_TYPES.values())

#: The same types keyed by their lower-cased name without spaces: the ``classify`` tool reads
#: hand-edited files too, where " bounce" or "deliverydelay" must still be understood.
_BY_LOOSE_NAME: Final = {
    raw.lower().replace(" ", ""): canonical for raw, (canonical, _) in EVENT_TYPES.items()
}


def canonical_type_loosely(raw: str) -> str | None:
    """The canonical name of *raw*, ignoring case and spaces; None when unknown."""
    return _BY_LOOSE_NAME.get(raw.strip().lower().replace(" ", ""))
