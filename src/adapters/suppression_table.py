"""pynamodb model of SuppressionTable. It must match template.yaml exactly
(tests/unit/test_template_model_match.py compares keys, indexes and the TTL attribute)."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

TTL_ATTRIBUTE = "purge_at"


class ByDomainIndex(GlobalSecondaryIndex["SuppressionModel"]):
    """Who is suppressed at a domain. Sparse: only items with `suppressed_at`."""

    class Meta:
        index_name = "by-domain"
        projection = AllProjection()

    domain = UnicodeAttribute(hash_key=True)
    suppressed_at = UnicodeAttribute(range_key=True)


class ByReasonIndex(GlobalSecondaryIndex["SuppressionModel"]):
    """What was suppressed for a reason since a time. Sparse like by-domain."""

    class Meta:
        index_name = "by-reason"
        projection = AllProjection()

    reason = UnicodeAttribute(hash_key=True)
    suppressed_at = UnicodeAttribute(range_key=True)


class SuppressionModel(Model):
    class Meta:
        table_name = "SuppressionTable"  # replaced by bind_suppression_model()
        # Chosen with the function timeout (30 s), the queue's visibility (180 s) and its
        # redrive count (5), docs/decisions.md: a hung call fails fast and is retried by
        # botocore (standard mode, 4 attempts), then by SQS redelivery.
        connect_timeout_seconds = 2
        read_timeout_seconds = 5
        max_retry_attempts = 3

    address = UnicodeAttribute(hash_key=True)
    domain = UnicodeAttribute()
    state = UnicodeAttribute()
    suppressed = BooleanAttribute(default=False)
    reason = UnicodeAttribute(null=True)
    category = UnicodeAttribute(null=True)
    suppressed_at = UnicodeAttribute(null=True)
    expires_at = NumberAttribute(null=True)
    purge_at = TTLAttribute(null=True)
    soft_bounce_count = NumberAttribute(default=0)
    escalations = NumberAttribute(default=0)
    first_seen = UnicodeAttribute(null=True)
    last_seen = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute(null=True)
    format = NumberAttribute(default=1)
    evidence = MapAttribute[str, object](null=True)
    history = ListAttribute[object](null=True)
    audit = ListAttribute[object](null=True)  # every manual action, never capped
    # scoped suppressions in force: scope -> {state, reason, category, since, ...}
    scopes = MapAttribute[str, object](null=True)
    ledger = UnicodeAttribute(null=True)  # internal: JSON text
    version = VersionAttribute()

    by_domain = ByDomainIndex()
    by_reason = ByReasonIndex()


def bind_suppression_model(table_name: str) -> type[SuppressionModel]:
    """A model class bound to one table name (pynamodb keeps the name on the class)."""

    class BoundMeta(SuppressionModel.Meta):
        pass

    BoundMeta.table_name = table_name
    bound = type(
        "SuppressionModel_" + table_name.replace("-", "_"), (SuppressionModel,), {"Meta": BoundMeta}
    )
    return bound
