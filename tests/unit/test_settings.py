import pytest

from adapters.settings import ConfigurationError, load_settings


def test_defaults_and_overrides():
    settings = load_settings({"SUPPRESSION_TABLE": "t", "SOFT_BOUNCE_THRESHOLD": "5"})
    assert settings.suppression_table == "t"
    assert settings.policy.soft_bounce_threshold == 5
    assert settings.policy.hard_bounce_ttl_days == 365


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "SUPPRESSION_TABLE is not set"),
        ({"SUPPRESSION_TABLE": "t", "HARD_BOUNCE_TTL_DAYS": "soon"}, "HARD_BOUNCE_TTL_DAYS"),
        ({"SUPPRESSION_TABLE": "t", "SOFT_BOUNCE_THRESHOLD": "0"}, "soft_bounce_threshold"),
    ],
)
def test_invalid_configuration_names_the_setting(env, message):
    with pytest.raises(ConfigurationError, match=message):
        load_settings(env)
