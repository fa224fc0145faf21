"""`ses-feedback return-path` and the key loader (environment, Secrets Manager)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest

from adapters.return_path_keys import load_signer
from adapters.return_path_settings import ReturnPathSettings, load_return_path_settings
from adapters.settings import ConfigurationError
from cli.main import main
from domain.inbound.proof import ReturnPathSigner

KEY = "cli-test-return-path-key-0123456789"


@pytest.fixture(autouse=True)
def keys(monkeypatch):
    monkeypatch.setenv("RETURN_PATH_KEYS", KEY)
    monkeypatch.delenv("RETURN_PATH_SECRET_ARN", raising=False)


def test_prints_a_path_that_verifies_for_that_address(capsys):
    assert main(["return-path", "Jane@Example.com", "--domain", "mail.example.com"]) == 0
    path = capsys.readouterr().out.strip()
    assert path.startswith("bounces+") and path.endswith("@mail.example.com")
    signer = ReturnPathSigner([KEY.encode()])
    now = datetime.now(UTC)
    tokens = signer.tokens_in([path])
    assert signer.proven(["jane@example.com"], tokens, now) == {"jane@example.com"}
    assert signer.proven(["john@example.com"], tokens, now) == frozenset()


def test_json_and_stdin(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("a@example.com\n\nb@example.com\n"))
    assert main(["return-path", "-", "--domain", "mail.example.com", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["address"] for r in rows] == ["a@example.com", "b@example.com"]
    assert rows[0]["return_path"] != rows[1]["return_path"]


def test_a_bad_address_is_an_error_and_prints_no_path(capsys):
    assert main(["return-path", "not-an-address", "--domain", "mail.example.com"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "not an address" in err


def test_a_bad_domain_is_one_line_and_status_1(capsys):
    assert main(["return-path", "a@example.com", "--domain", "x@y"]) == 1
    assert "receiving domain" in capsys.readouterr().err


class FakeSecrets:
    def __init__(self, value: str) -> None:
        self.value = value
        self.asked: list[str] = []

    def get_secret_value(self, SecretId: str) -> dict[str, str]:
        self.asked.append(SecretId)
        return {"SecretString": self.value}


ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rp-AbCdEf"


@pytest.mark.parametrize("secret", [f"{KEY},older-key-0123456789abc", json.dumps({"keys": KEY})])
def test_keys_from_secrets_manager(secret):
    fake = FakeSecrets(secret)
    signer = load_signer(ReturnPathSettings(secret_arn=ARN), client=fake)
    assert fake.asked == [ARN]
    at = datetime(2026, 11, 30, tzinfo=UTC)
    assert signer is not None
    expected = ReturnPathSigner([KEY.encode()]).return_path("a@example.com", "d.example", at)
    assert signer.return_path("a@example.com", "d.example", at) == expected


def test_no_key_means_no_signer_and_bad_settings_are_refused():
    assert load_signer(ReturnPathSettings()) is None
    with pytest.raises(ConfigurationError, match="RETURN_PATH_KEYS"):
        load_return_path_settings({"RETURN_PATH_KEYS": "short"})
    with pytest.raises(ConfigurationError, match="not an ARN"):
        load_return_path_settings({"RETURN_PATH_SECRET_ARN": "my-secret"})
    with pytest.raises(ConfigurationError, match="without 'keys'"):
        load_signer(ReturnPathSettings(secret_arn=ARN), client=FakeSecrets('{"nope": 1}'))
