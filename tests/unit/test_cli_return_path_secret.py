"""Where `return-path` and `unsubscribe-headers` find the keys."""

import argparse

import pytest

from adapters.return_path_settings import ReturnPathSettings
from cli.return_path_secret import KEYS_STACK_OUTPUT, with_secret

ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rp"


@pytest.fixture
def outputs(monkeypatch):
    asked = []

    def stack_output(stack, key):
        asked.append((stack, key))
        return f"{ARN}-from-{stack}"

    monkeypatch.setattr("adapters.stack_outputs.stack_output", stack_output)
    return asked


def args(secret_arn=None):
    return argparse.Namespace(secret_arn=secret_arn, stack="ses-feedback-test")


def test_keys_or_a_secret_from_the_environment_are_used_as_they_are(outputs):
    with_keys = ReturnPathSettings(keys=(b"k",))
    assert with_secret(with_keys, args("ignored")) is with_keys
    with_arn = ReturnPathSettings(secret_arn=ARN)
    assert with_secret(with_arn, args("ignored")) is with_arn
    assert outputs == []


def test_otherwise_the_option_then_the_stack_output(outputs):
    assert with_secret(ReturnPathSettings(), args(ARN)).secret_arn == ARN
    assert outputs == []
    assert with_secret(ReturnPathSettings(), args()).secret_arn == f"{ARN}-from-ses-feedback-test"
    assert outputs == [("ses-feedback-test", KEYS_STACK_OUTPUT)]
