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
        ({"SUPPRESSION_TABLE": "t", "SES_SYNC_BULK_THRESHOLD": "0"}, "SES_SYNC_BULK_THRESHOLD"),
        ({"SUPPRESSION_TABLE": "t", "SES_SYNC_BULK_THRESHOLD": "many"}, "SES_SYNC_BULK_THRESHOLD"),
    ],
)
def test_invalid_configuration_names_the_setting(env, message):
    with pytest.raises(ConfigurationError, match=message):
        load_settings(env)


def test_import_jobs_are_off_without_a_bucket_and_start_at_100_addresses():
    plain = load_settings({"SUPPRESSION_TABLE": "t"})
    assert plain.ses_import_bucket is None and plain.ses_sync_bulk_threshold == 100
    tuned = load_settings(
        {"SUPPRESSION_TABLE": "t", "SES_IMPORT_BUCKET": " b ", "SES_SYNC_BULK_THRESHOLD": "250"}
    )
    assert tuned.ses_import_bucket == "b" and tuned.ses_sync_bulk_threshold == 250


def test_list_variables_keep_order_and_drop_blanks_and_spaces():
    from adapters.settings import list_variable

    env = {"LIST": " b@x , a@x,, ,c@x ", "EMPTY": " , "}
    assert list_variable(env, "LIST") == ["b@x", "a@x", "c@x"]
    assert list_variable(env, "EMPTY") == []
    assert list_variable(env, "UNSET") == []
