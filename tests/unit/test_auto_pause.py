"""Which alarm events pause sending, what the pause records, and the function's settings."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import pytest

from adapters.auto_pause_settings import load_auto_pause_settings
from adapters.settings import ConfigurationError
from domain.auto_pause import (
    PAUSED_AT_TAG,
    PAUSED_BY_TAG,
    Ignored,
    MalformedAlarmEventError,
    PauseRequest,
    pause_request,
    pause_tags,
    tag_value,
)
from tests.conftest import EVENTS

SAMPLE = EVENTS / "AutoPauseFunction" / "alarm-state-change-bounce-rate-pause.json"
PAUSE_ALARMS = frozenset({"ses-feedback-dev-bounce-rate-pause", "ses-feedback-dev-x-pause"})


@pytest.fixture
def event():
    return json.loads(SAMPLE.read_text())


def test_a_pause_alarm_entering_alarm_asks_for_a_pause(event):
    request = pause_request(event, PAUSE_ALARMS)
    assert request == PauseRequest(
        alarm_name="ses-feedback-dev-bounce-rate-pause",
        reason=event["detail"]["state"]["reason"],
        occurred_at=datetime(2026, 11, 30, 3, 0, 12, 345000, tzinfo=UTC),
    )


@pytest.mark.parametrize("state", ["OK", "INSUFFICIENT_DATA"])
def test_other_states_are_ignored(event, state):
    event["detail"]["state"]["value"] = state
    result = pause_request(event, PAUSE_ALARMS)
    assert isinstance(result, Ignored) and state in result.why


def test_an_alarm_that_is_not_a_pause_alarm_is_ignored(event):
    event["detail"]["alarmName"] = "ses-feedback-dev-bounce-rate"  # the review level
    result = pause_request(event, PAUSE_ALARMS)
    assert isinstance(result, Ignored) and "not a pause alarm" in result.why


@pytest.mark.parametrize(
    "break_it",
    [
        lambda e: e.update(source="aws.events"),
        lambda e: e.update({"detail-type": "Scheduled Event"}),
        lambda e: e.pop("detail"),
        lambda e: e["detail"].pop("alarmName"),
        lambda e: e["detail"].update(state="ALARM"),
    ],
)
def test_malformed_events_raise(event, break_it):
    broken = copy.deepcopy(event)
    break_it(broken)
    with pytest.raises(MalformedAlarmEventError):
        pause_request(broken, PAUSE_ALARMS)


def test_the_event_time_stands_in_for_a_missing_state_timestamp(event):
    del event["detail"]["state"]["timestamp"]
    request = pause_request(event, PAUSE_ALARMS)
    assert isinstance(request, PauseRequest)
    assert request.occurred_at == datetime(2026, 11, 30, 3, 0, 12, tzinfo=UTC)


def test_pause_tags_name_the_alarm_and_the_time(event):
    request = pause_request(event, PAUSE_ALARMS)
    assert isinstance(request, PauseRequest)
    assert pause_tags(request) == {
        PAUSED_BY_TAG: "ses-feedback-dev-bounce-rate-pause",
        PAUSED_AT_TAG: "2026-11-30T03:00:12Z",
    }


def test_tag_values_keep_only_characters_ses_allows():
    assert tag_value("a (b) #c, d") == "a _b_ _c_ d"
    assert tag_value("ok-name_1.2:3/4=5+6@7") == "ok-name_1.2:3/4=5+6@7"
    assert len(tag_value("x" * 400)) == 256


ARN = "arn:aws:ses:us-east-1:123456789012:configuration-set/ses-feedback-dev"


def test_settings_read_the_set_its_arn_and_the_alarms():
    cfg = load_auto_pause_settings(
        {
            "AUTO_PAUSE_CONFIGURATION_SET": "ses-feedback-dev",
            "AUTO_PAUSE_CONFIGURATION_SET_ARN": ARN,
            "AUTO_PAUSE_ALARMS": " a-pause, b-pause ,",
        }
    )
    assert cfg.configuration_set == "ses-feedback-dev"
    assert cfg.configuration_set_arn == ARN
    assert cfg.pause_alarms == {"a-pause", "b-pause"}


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"AUTO_PAUSE_CONFIGURATION_SET_ARN": ARN, "AUTO_PAUSE_ALARMS": "a"}, "SET is not set"),
        (
            {"AUTO_PAUSE_CONFIGURATION_SET": "other", "AUTO_PAUSE_CONFIGURATION_SET_ARN": ARN},
            "must be the ARN of configuration set 'other'",
        ),
        (
            {
                "AUTO_PAUSE_CONFIGURATION_SET": "ses-feedback-dev",
                "AUTO_PAUSE_CONFIGURATION_SET_ARN": ARN,
            },
            "AUTO_PAUSE_ALARMS",
        ),
    ],
)
def test_settings_refuse_missing_or_mismatched_values(env, message):
    with pytest.raises(ConfigurationError, match=message):
        load_auto_pause_settings(env)
