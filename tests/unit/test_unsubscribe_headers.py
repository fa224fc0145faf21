"""List-Unsubscribe / List-Unsubscribe-Post for senders: the domain function and the CLI."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import SMTP
from email.policy import default as default_policy

import pytest

from cli.main import main
from domain.addresses import InvalidAddressError
from domain.scopes import InvalidScopeError
from domain.unsubscribe_headers import HeaderConfigurationError, unsubscribe_headers
from domain.unsubscribe_token import UnsubscribeTokens

KEY = "headers-test-unsubscribe-key-0123456789"
BASE = "https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws/"
MAILBOX = "unsubscribe@mail.example.com"
AT = datetime(2026, 11, 30, 12, tzinfo=UTC)
URI_RE = re.compile(r"<([^<>]+)>")


@pytest.fixture
def tokens() -> UnsubscribeTokens:
    return UnsubscribeTokens([KEY.encode()])


def through_a_message(headers: dict[str, str]) -> EmailMessage:
    """Put the fields on a message, write it as SMTP would carry it, parse it back."""
    msg = EmailMessage()
    msg["From"] = "news@example.com"
    msg["To"] = "jane@example.com"
    msg["Subject"] = "News"
    for name, value in headers.items():
        msg[name] = value
    msg.set_content("hello")
    wire = msg.as_bytes(policy=SMTP)
    assert all(len(line) <= 998 for line in wire.split(b"\r\n"))
    parsed = message_from_bytes(wire, policy=default_policy)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_headers_survive_a_round_trip_through_the_email_package(tokens):
    headers = unsubscribe_headers(
        tokens, "Jane@Example.com", base_url=BASE, scope="Marketing", mailbox=MAILBOX, at=AT
    )
    parsed = through_a_message(headers)
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https, mailto = URI_RE.findall(str(parsed["List-Unsubscribe"]))
    assert https.startswith(f"{BASE}unsubscribe/")
    token = https.rsplit("/", 1)[1]
    request = tokens.verify(token, AT)
    assert (request.recipient, request.scope) == ("jane@example.com", "marketing")
    assert mailto == "mailto:unsubscribe+marketing@mail.example.com?subject=unsubscribe"


def test_global_scope_uses_the_bare_mailbox_and_nested_scopes_only_https(tokens):
    plain = unsubscribe_headers(tokens, "jane@example.com", base_url=BASE, mailbox=MAILBOX)
    assert URI_RE.findall(plain["List-Unsubscribe"])[1] == (
        "mailto:unsubscribe@mail.example.com?subject=unsubscribe"
    )
    nested = unsubscribe_headers(
        tokens, "jane@example.com", base_url=BASE, scope="news:weekly", mailbox=MAILBOX
    )
    assert len(URI_RE.findall(nested["List-Unsubscribe"])) == 1  # ':' cannot be a local part
    without_mailbox = unsubscribe_headers(tokens, "jane@example.com", base_url=BASE)
    assert URI_RE.findall(without_mailbox["List-Unsubscribe"])[0].startswith("https://")
    assert "mailto:" not in without_mailbox["List-Unsubscribe"]


def test_a_base_url_with_a_path_keeps_it(tokens):
    headers = unsubscribe_headers(tokens, "jane@example.com", base_url="https://u.example.com/m")
    assert URI_RE.findall(headers["List-Unsubscribe"])[0].startswith(
        "https://u.example.com/m/unsubscribe/"
    )


@pytest.mark.parametrize(
    "base",
    [
        "http://insecure.example.com/",
        "https://",
        "https://u.example.com/?x=1",
        "https://u.example.com/#f",
        "https://user@u.example.com/",
        "https://u.example.com/a>b",
        "https://u.example.com/a,b",
        "https://u.example.com/a b",
        "mailto:someone@example.com",
    ],
)
def test_unusable_base_urls_are_refused(tokens, base):
    with pytest.raises(HeaderConfigurationError):
        unsubscribe_headers(tokens, "jane@example.com", base_url=base)


def test_bad_recipients_scopes_and_mailboxes_are_refused(tokens):
    with pytest.raises(InvalidAddressError):
        unsubscribe_headers(tokens, "jane@", base_url=BASE)
    with pytest.raises(InvalidScopeError):
        unsubscribe_headers(tokens, "jane@example.com", base_url=BASE, scope="a b")
    with pytest.raises(HeaderConfigurationError):
        unsubscribe_headers(tokens, "jane@example.com", base_url=BASE, mailbox="nobody")


# --- the CLI ------------------------------------------------------------------------------


@pytest.fixture
def cli_env(monkeypatch):
    monkeypatch.setenv("RETURN_PATH_KEYS", KEY)
    monkeypatch.delenv("RETURN_PATH_SECRET_ARN", raising=False)
    monkeypatch.setenv("UNSUBSCRIBE_BASE_URL", BASE)
    monkeypatch.setenv("UNSUBSCRIBE_MAILBOXES", f"{MAILBOX}, other@mail.example.com")


@pytest.mark.usefixtures("cli_env")
def test_cli_prints_the_two_header_lines(capsys, tokens):
    assert main(["unsubscribe-headers", "Jane@Example.com", "--scope", "marketing"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":", 1)[0] for line in lines] == [
        "List-Unsubscribe",
        "List-Unsubscribe-Post",
    ]
    parsed = message_from_bytes("\r\n".join([*lines, "", ""]).encode(), policy=default_policy)
    https, mailto = URI_RE.findall(str(parsed["List-Unsubscribe"]))
    request = tokens.verify(https.rsplit("/", 1)[1], datetime.now(UTC))
    assert (request.recipient, request.scope) == ("jane@example.com", "marketing")
    assert mailto == "mailto:unsubscribe+marketing@mail.example.com?subject=unsubscribe"


@pytest.mark.usefixtures("cli_env")
def test_cli_json_and_a_bad_address(capsys):
    code = main(["unsubscribe-headers", "a@example.com", "not-an-address", "--json"])
    captured = capsys.readouterr()
    assert code == 1
    [row] = [json.loads(line) for line in captured.out.splitlines()]
    assert row["address"] == "a@example.com" and row["scope"] == "global"
    assert row["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "not-an-address" not in captured.err


@pytest.mark.usefixtures("cli_env")
def test_cli_options_override_the_environment(capsys):
    args = ["unsubscribe-headers", "a@example.com", "--base-url", "https://u.example.com"]
    assert main([*args, "--mailbox", "stop@news.example.com"]) == 0
    out = capsys.readouterr().out
    assert "<https://u.example.com/unsubscribe/" in out
    assert "<mailto:stop@news.example.com?subject=unsubscribe>" in out


@pytest.mark.usefixtures("cli_env")
def test_cli_refuses_a_bad_scope_or_no_key_with_one_line(capsys, monkeypatch):
    assert main(["unsubscribe-headers", "a@example.com", "--scope", "not a scope"]) == 1
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    monkeypatch.setenv("RETURN_PATH_KEYS", "short")
    assert main(["unsubscribe-headers", "a@example.com"]) == 1
    assert "RETURN_PATH_KEYS" in capsys.readouterr().err
