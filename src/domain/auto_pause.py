"""Auto-pause: which CloudWatch alarm events pause sending, and how the pause is recorded.

The AutoPauseFunction receives EventBridge "CloudWatch Alarm State Change" events for the
pause-level alarms (template.yaml). Only a change *into* ALARM of one of the alarms it was
configured for pauses; anything else is ignored with a reason, so a widened rule or a
replayed event cannot pause sending by accident.

Why sending was paused is recorded as tags on the configuration set (`PAUSED_BY_TAG`,
`PAUSED_AT_TAG`): they live with the thing that was paused, survive function restarts,
need no table, and `ses-feedback resume` reads and removes them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from domain.events import parse_timestamp

ALARM_STATE_CHANGE: Final = "CloudWatch Alarm State Change"
CLOUDWATCH_SOURCE: Final = "aws.cloudwatch"
PAUSED_BY_TAG: Final = "ses-feedback:paused-by"
PAUSED_AT_TAG: Final = "ses-feedback:paused-at"
PAUSE_TAG_KEYS: Final = (PAUSED_BY_TAG, PAUSED_AT_TAG)

# SES tag values: at most 256 characters of letters, digits, spaces and _ . : / = + - @.
_TAG_VALUE_MAX: Final = 256
_NOT_TAG_CHARACTER: Final = re.compile(r"[^\w .:/=+\-@]", re.ASCII)


class MalformedAlarmEventError(ValueError):
    """The event is not a readable CloudWatch alarm state change."""


@dataclass(frozen=True, slots=True)
class PauseRequest:
    alarm_name: str
    reason: str  # CloudWatch's own sentence (the rate and threshold that tripped it)
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class Ignored:
    why: str


def pause_request(event: Mapping[str, Any], pause_alarms: frozenset[str]) -> PauseRequest | Ignored:
    """A `PauseRequest` when `event` is a pause alarm entering ALARM, else why not."""
    if event.get("source") != CLOUDWATCH_SOURCE or event.get("detail-type") != ALARM_STATE_CHANGE:
        raise MalformedAlarmEventError("not a CloudWatch alarm state change event")
    detail = event.get("detail")
    if not isinstance(detail, dict):
        raise MalformedAlarmEventError("alarm state change has no detail object")
    alarm_name = detail.get("alarmName")
    state = detail.get("state")
    if not isinstance(alarm_name, str) or not alarm_name or not isinstance(state, dict):
        raise MalformedAlarmEventError("alarm state change has no alarm name or state")
    if alarm_name not in pause_alarms:
        return Ignored(f"alarm {alarm_name!r} is not a pause alarm of this stack")
    if state.get("value") != "ALARM":
        return Ignored(f"alarm {alarm_name!r} changed to {state.get('value')!r}, not ALARM")
    occurred_at = parse_timestamp(state.get("timestamp")) or parse_timestamp(event.get("time"))
    if occurred_at is None:
        raise MalformedAlarmEventError("alarm state change has no readable time")
    reason = state.get("reason")
    return PauseRequest(alarm_name, reason if isinstance(reason, str) else "", occurred_at)


def tag_value(text: str) -> str:
    """`text` as a valid SES tag value (disallowed characters become `_`)."""
    return _NOT_TAG_CHARACTER.sub("_", text)[:_TAG_VALUE_MAX]


def pause_tags(request: PauseRequest) -> dict[str, str]:
    stamp = request.occurred_at.isoformat(timespec="seconds").replace("+00:00", "Z")
    return {PAUSED_BY_TAG: tag_value(request.alarm_name), PAUSED_AT_TAG: tag_value(stamp)}
