"""AutoPauseFunction: a pause-level reputation alarm disables the configuration set's sending.

Deployed only with AutoPauseEnabled=true. An EventBridge rule delivers the "CloudWatch Alarm
State Change" events of the pause alarms; a change into ALARM disables sending for the
configuration set and tags the set with the alarm and the time (domain/auto_pause.py).
A set that is already paused is left alone, so the first alarm stays the recorded cause.
`ses-feedback resume` turns sending back on and removes the tags.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

# What the first request uses (and boto3 with it), loaded at init though the factory imports
# it lazily where it builds the client.
import adapters.auto_pause_settings
import adapters.sending_control  # noqa: F401
from adapters import factory
from domain.auto_pause import Ignored, pause_request, pause_tags

logger = Logger()
metrics = Metrics()


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, str]:
    cfg = factory.auto_pause_settings()
    request = pause_request(event, cfg.pause_alarms)  # malformed: raises, the invoke fails
    if isinstance(request, Ignored):
        logger.info("alarm event ignored", extra={"why": request.why})
        return {"result": "ignored", "why": request.why}
    control = factory.sending_control()
    state = control.state(cfg.configuration_set)
    if not state.sending_enabled:
        logger.info(
            "sending already paused",
            extra={
                "configuration_set": cfg.configuration_set,
                "alarm": request.alarm_name,
                "paused_by": state.paused_by,
            },
        )
        return {"result": "already-paused", "paused_by": state.paused_by or ""}
    control.pause(cfg.configuration_set, cfg.configuration_set_arn, pause_tags(request))
    metrics.add_metric(name="SendingPaused", unit=MetricUnit.Count, value=1)
    # WARNING: an operator must act (find the cause, then `ses-feedback resume`).
    logger.warning(
        "sending paused for the configuration set",
        extra={
            "configuration_set": cfg.configuration_set,
            "alarm": request.alarm_name,
            "alarm_reason": request.reason,
            "alarm_time": request.occurred_at.isoformat(),
        },
    )
    return {"result": "paused", "alarm": request.alarm_name}
