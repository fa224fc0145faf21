"""pynamodb model of InboundTable. It must match template.yaml exactly
(tests/unit/test_template_model_match.py compares keys, indexes and the TTL attribute).
The item format is a public contract: docs/inbound.md."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

TTL_ATTRIBUTE = "expires_at"


class ByMailboxIndex(GlobalSecondaryIndex["InboundModel"]):
    """Messages received by one mailbox, by time."""

    class Meta:
        index_name = "by-mailbox"
        projection = AllProjection()

    mailbox = UnicodeAttribute(hash_key=True)
    received_at = UnicodeAttribute(range_key=True)


class InboundModel(Model):
    class Meta:
        table_name = "InboundTable"  # replaced by bind_inbound_model()
        # Chosen with the function timeout (30 s), the queue's visibility (180 s) and its
        # redrive count (5), docs/decisions.md: a hung call fails fast and is retried by
        # botocore (standard mode, 4 attempts), then by SQS redelivery.
        connect_timeout_seconds = 2
        read_timeout_seconds = 5
        max_retry_attempts = 3

    message_id = UnicodeAttribute(hash_key=True)
    mailbox = UnicodeAttribute(range_key=True)
    received_at = UnicodeAttribute()
    received_at_source = UnicodeAttribute(null=True)
    kind = UnicodeAttribute()
    sender = UnicodeAttribute(null=True)
    return_path = UnicodeAttribute(null=True)
    recipients = ListAttribute[object](null=True)
    subject = UnicodeAttribute(null=True)
    date = UnicodeAttribute(null=True)
    header_message_id = UnicodeAttribute(null=True)
    verdicts = MapAttribute[str, object](null=True)
    authenticated = BooleanAttribute(default=False)
    preview = UnicodeAttribute(null=True)
    attachments = ListAttribute[object](null=True)
    attachment_count = NumberAttribute(default=0)
    feedback = ListAttribute[object](null=True)
    feedback_type = UnicodeAttribute(null=True)
    report_kind = UnicodeAttribute(null=True)
    suppressions_applied = NumberAttribute(default=0)
    note = UnicodeAttribute(null=True)
    error = UnicodeAttribute(null=True)
    defects = ListAttribute[object](null=True)
    size = NumberAttribute(default=0)
    s3_bucket = UnicodeAttribute()
    s3_key = UnicodeAttribute()
    s3_uri = UnicodeAttribute()
    source = UnicodeAttribute(null=True)
    fetch_failed = BooleanAttribute(default=False)
    recorded_at = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)
    format = NumberAttribute(default=1)

    by_mailbox = ByMailboxIndex()


def bind_inbound_model(table_name: str) -> type[InboundModel]:
    """A model class bound to one table name (pynamodb keeps the name on the class)."""

    class BoundMeta(InboundModel.Meta):
        pass

    BoundMeta.table_name = table_name
    return type(
        "InboundModel_" + table_name.replace("-", "_").replace(".", "_"),
        (InboundModel,),
        {"Meta": BoundMeta},
    )
