"""AutoPauseFunction's settings: the configuration set a pause alarm disables, and the alarms."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from adapters.settings import ConfigurationError, list_variable

_CONFIGURATION_SET_ARN = re.compile(
    r"^arn:aws[a-z\-]*:ses:[a-z0-9\-]+:\d{12}:configuration-set/\S+$"
)


@dataclass(frozen=True, slots=True)
class AutoPauseSettings:
    configuration_set: str
    configuration_set_arn: str
    pause_alarms: frozenset[str]


def load_auto_pause_settings(environ: Mapping[str, str] | None = None) -> AutoPauseSettings:
    """AUTO_PAUSE_CONFIGURATION_SET and AUTO_PAUSE_CONFIGURATION_SET_ARN (the set whose
    sending a pause alarm disables, and its ARN for the tags that say why);
    AUTO_PAUSE_ALARMS (comma-separated alarm names that may pause it, at least one)."""
    env = os.environ if environ is None else environ
    name = env.get("AUTO_PAUSE_CONFIGURATION_SET", "").strip()
    arn = env.get("AUTO_PAUSE_CONFIGURATION_SET_ARN", "").strip()
    alarms = frozenset(list_variable(env, "AUTO_PAUSE_ALARMS"))
    if not name:
        raise ConfigurationError("AUTO_PAUSE_CONFIGURATION_SET is not set")
    if not _CONFIGURATION_SET_ARN.fullmatch(arn) or not arn.endswith(f"/{name}"):
        raise ConfigurationError(
            "AUTO_PAUSE_CONFIGURATION_SET_ARN must be the ARN of configuration set "
            f"{name!r}, got {arn!r}"
        )
    if not alarms:
        raise ConfigurationError("AUTO_PAUSE_ALARMS is not set (the alarm names that pause)")
    return AutoPauseSettings(name, arn, alarms)
