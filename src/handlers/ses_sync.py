"""SesSyncFunction: scheduled two-way sync with SES's account-level suppression list.

Off by default (template Parameter SesSyncSchedule). Each run covers the last
SES_SYNC_WINDOW_HOURS, longer than the schedule's period, and both directions are
idempotent, so overlapping windows are harmless.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

# What the first request uses, loaded at init though imported lazily where it is used.
import adapters.ses_suppression_list
import adapters.suppression_client
import adapters.suppression_repository  # noqa: F401
from adapters import factory
from domain.ses_sync import synchronise

logger = Logger()
metrics = Metrics()


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    now = datetime.now(UTC)
    since = now - timedelta(hours=factory.settings().ses_sync_window_hours)
    client = factory.suppression_client()
    report = synchronise(
        factory.ses_suppression_list(),
        factory.suppression_service(),
        lambda stamp: client.items(suppressed_only=True, since=stamp),
        now,
        since,
    )
    summary = {
        "imported": report.imported,
        "import_written": report.import_written,
        "exported": report.exported,
        "export_skipped": report.export_skipped,
    }
    metrics.add_metric(name="SesListImported", unit=MetricUnit.Count, value=report.imported)
    metrics.add_metric(name="SesListExported", unit=MetricUnit.Count, value=report.exported)
    logger.info("SES suppression list synchronised", extra=summary)
    return summary
