"""`--scope` on the operator commands, against the emulator."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from adapters import factory
from adapters.suppression_repository import DynamoSuppressionRepository
from cli.main import main
from domain.policy import PolicySettings
from domain.service import SuppressionService
from domain.ses_sync import SesListEntry
from tests.builders import outcome, scoped_outcome
from tests.fakes import FakeSesList

pytestmark = pytest.mark.integration
RECENT = datetime.now(UTC) - timedelta(days=2)


@pytest.fixture
def scoped_table(suppression_table):
    settings = PolicySettings()
    service = SuppressionService(DynamoSuppressionRepository(suppression_table, settings), settings)
    service.apply_outcomes(
        [
            scoped_outcome("unsubscribe", RECENT, "news", address="reader@example.com"),
            outcome("complaint", RECENT, address="rick@example.com"),
        ]
    )
    return suppression_table


def run_json(capsys, *argv):
    assert main([*argv, "--json"]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


@pytest.mark.usefixtures("scoped_table")
def test_check_with_a_scope_says_which_scope_blocked(capsys):
    rows = run_json(capsys, "check", "reader@example.com", "rick@example.com")
    assert [(r["suppressed"], r["scope"], r["blocked_by"]) for r in rows] == [
        (False, "global", None),  # a newsletter unsubscribe does not block a password reset
        (True, "global", "global"),
    ]
    rows = run_json(
        capsys, "check", "reader@example.com", "rick@example.com", "--scope", "News:Weekly"
    )
    assert [(r["suppressed"], r["scope"], r["blocked_by"]) for r in rows] == [
        (True, "news:weekly", "news"),
        (True, "news:weekly", "global"),
    ]
    assert rows[0]["reason"] == "unsubscribe" and rows[0]["expires_at"] is None
    assert rows[1]["reason"] == "feedback"
    rows = run_json(capsys, "check", "reader@example.com", "--scope", "billing")
    assert rows[0]["suppressed"] is False


@pytest.mark.usefixtures("scoped_table")
def test_an_invalid_scope_is_refused(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["check", "reader@example.com", "--scope", "not a scope"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "argument --scope: a scope is lower-case letters" in err


@pytest.mark.usefixtures("scoped_table")
def test_scoped_manual_actions(capsys):
    ses = FakeSesList([SesListEntry("reader@example.com", "BOUNCE", RECENT)])
    factory.override(ses_list=ses)
    [row] = run_json(
        capsys, "suppress", "sam@example.com", "--reason", "asked by phone", "--scope", "offers"
    )
    assert (row["scope"], row["suppressed"], row["blocked_by"]) == ("offers", True, "offers")
    assert row["reason"] == "manual"
    client = factory.suppression_client()
    assert not client.is_suppressed("sam@example.com")
    assert client.is_suppressed("sam@example.com", scope="offers:weekly")

    # lifting the reader's own unsubscribe needs --force and a reason; nothing changes without
    assert main(["unsuppress", "reader@example.com", "--scope", "news"]) == 1
    assert "unsubscribe" in capsys.readouterr().err
    assert client.is_suppressed("reader@example.com", scope="news")
    [row] = run_json(
        capsys,
        "unsuppress",
        "reader@example.com",
        "--scope",
        "news",
        "--force",
        "--reason",
        "re-subscribed by phone",
    )
    assert row["suppressed"] is False and row["lifted"] == "unsubscribe"
    assert row["ses_list"] == "skipped" and ses.deletes == []  # SES's list is global
    assert not client.is_suppressed("reader@example.com", scope="news")
    [row] = run_json(capsys, "allow", "rick@example.com", "--scope", "news")
    assert row["suppressed"] is True and row["blocked_by"] == "global"  # a scope lifts no complaint
