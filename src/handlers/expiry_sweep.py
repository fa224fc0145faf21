"""ExpirySweepFunction: scheduled; makes lapsed suppressions visible in the table.

DynamoDB writes nothing when `expires_at` passes: the item keeps `state: suppressed` (readers
apply the expiry) until something rewrites it. The sweep rewrites each such item with the
state it has now (SuppressionService.materialise_expiry: no evidence added), so the stream
carries the change and ChangeEventsFunction announces `expired` and takes the address off
SES's account-level list.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

# What the first request uses, loaded at init though the factory imports it where it builds
# the scan and the service.
import adapters.lapsed_suppressions
import adapters.suppression_repository  # noqa: F401
from adapters import factory
from domain.addresses import mask_address

logger = Logger()
metrics = Metrics()


class SweepIncompleteError(RuntimeError):
    """Some lapsed items could not be rewritten; the next run tries them again."""


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    now = factory.clock()()
    service = factory.suppression_service()
    summary = {"lapsed": 0, "materialised": 0, "failed": 0}
    for address in factory.lapsed_addresses(now):
        summary["lapsed"] += 1
        try:
            if service.materialise_expiry(address, now):
                summary["materialised"] += 1
        except Exception:
            summary["failed"] += 1
            logger.warning(
                "materialising an expiry failed",
                extra={"address": mask_address(address)},
                exc_info=True,
            )
    metrics.add_metric(
        name="ExpiriesMaterialised", unit=MetricUnit.Count, value=summary["materialised"]
    )
    logger.info("expiry sweep done", extra=summary)
    if summary["failed"]:
        raise SweepIncompleteError(
            f"{summary['failed']} of {summary['lapsed']} lapsed items failed"
        )
    return summary
