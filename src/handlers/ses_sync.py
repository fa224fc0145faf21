"""SesSyncFunction: scheduled two-way sync with SES's account-level suppression list.

Off by default (template Parameter SesSyncSchedule). Each run covers the last
SES_SYNC_WINDOW_HOURS, longer than the schedule's period, and both directions are
idempotent, so overlapping windows are harmless. An export of SES_SYNC_BULK_THRESHOLD
addresses or more goes through SESv2 import jobs, followed while the invocation has time;
a job still running then is logged by id (`ses-feedback ses-sync --job ID` shows it later).
"""

from __future__ import annotations

import time
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
from domain.ses_import import JobWait
from domain.ses_sync import synchronise

logger = Logger()
metrics = Metrics()

#: Time kept back from the invocation's limit when following a job: the last poll, the
#: summary and the metrics must still fit.
FOLLOW_MARGIN_SECONDS = 30.0


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    now = datetime.now(UTC)
    since = now - timedelta(hours=factory.settings().ses_sync_window_hours)
    client = factory.suppression_client()
    wait = JobWait(
        seconds_left=lambda: context.get_remaining_time_in_millis() / 1000 - FOLLOW_MARGIN_SECONDS,
        sleep=time.sleep,
    )
    report = synchronise(
        factory.ses_suppression_list(),
        factory.suppression_service(),
        lambda stamp: client.items(suppressed_only=True, since=stamp),
        now,
        since,
        bulk=factory.ses_bulk_path(wait),
    )
    export = report.export
    summary: dict[str, Any] = {
        "imported": report.imported,
        "import_written": report.import_written,
        "exported": report.exported,
        "export_skipped": report.export_skipped,
        "export_method": export.method,
    }
    if export.jobs:
        # Job ids and counts only: SES's failure file URL would let anyone who reads the
        # logs download addresses, so the log says whether there is one.
        summary["import_jobs"] = [job.to_json(with_failure_url=False) for job in export.jobs]
    metrics.add_metric(name="SesListImported", unit=MetricUnit.Count, value=report.imported)
    metrics.add_metric(name="SesListExported", unit=MetricUnit.Count, value=report.exported)
    if export.jobs:
        metrics.add_metric(
            name="SesImportJobFailedRecords", unit=MetricUnit.Count, value=export.failed
        )
    if export.failed or export.failed_jobs or export.unfinished:
        logger.warning(
            "SES import job needs a look (`ses-feedback ses-sync --job ID`)",
            extra={"import_jobs": summary["import_jobs"]},
        )
    logger.info("SES suppression list synchronised", extra=summary)
    return summary
