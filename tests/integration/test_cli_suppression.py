"""The operator commands against the emulator, through `ses-feedback`'s own entry point."""

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
from tests.builders import outcome
from tests.fakes import FakeSesList

pytestmark = pytest.mark.integration
RECENT = datetime.now(UTC) - timedelta(days=2)


@pytest.fixture
def populated(suppression_table):
    settings = PolicySettings()
    service = SuppressionService(DynamoSuppressionRepository(suppression_table, settings), settings)
    service.apply_outcomes(
        [
            outcome("hard", RECENT, address="jane@example.com"),
            outcome("complaint", RECENT, address="rick@example.com"),
            outcome("soft", RECENT, address="bob@example.org"),
            outcome("hard", RECENT - timedelta(days=400), address="old@example.org"),  # expired
        ]
    )
    return suppression_table


def _item(table, address):
    import boto3
    from boto3.dynamodb.types import TypeDeserializer

    raw = boto3.client("dynamodb").get_item(TableName=table, Key={"address": {"S": address}})
    return {k: TypeDeserializer().deserialize(v) for k, v in raw["Item"].items()}


def run_json(capsys, *argv):
    assert main([*argv, "--json"]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_check_json_contract(populated, capsys):
    rows = run_json(
        capsys,
        "check",
        "Jane@Example.com",
        "bob@example.org",
        "old@example.org",
        "nobody@example.com",
    )
    assert [r["address"] for r in rows] == [
        "Jane@Example.com",
        "bob@example.org",
        "old@example.org",
        "nobody@example.com",
    ]
    assert [r["suppressed"] for r in rows] == [True, False, False, False]
    assert rows[0]["reason"] == "userunknown" and rows[0]["category"] == "invalid-address"
    assert rows[0]["expires_at"].endswith("Z")
    assert datetime.fromisoformat(rows[0]["expires_at"].replace("Z", "+00:00")) > datetime.now(UTC)
    assert rows[3]["expires_at"] is None and rows[3]["reason"] is None


def test_table_comes_from_flag_or_environment(populated, capsys, monkeypatch):
    monkeypatch.delenv("SUPPRESSION_TABLE")
    rows = run_json(capsys, "check", "jane@example.com", "--table", populated)
    assert rows[0]["suppressed"] is True
    monkeypatch.setenv("SUPPRESSION_TABLE", populated)
    assert run_json(capsys, "check", "jane@example.com")[0]["suppressed"] is True


def test_list_filters(populated, capsys):
    by_domain = run_json(capsys, "list", "--domain", "example.com")
    assert sorted(r["address"] for r in by_domain) == ["jane@example.com", "rick@example.com"]
    by_reason = run_json(capsys, "list", "--reason", "feedback", "--since", "7d")
    assert [r["address"] for r in by_reason] == ["rick@example.com"]
    everything = run_json(capsys, "list")
    assert sorted(r["address"] for r in everything) == ["jane@example.com", "rick@example.com"]
    with_expired = run_json(capsys, "list", "--include-expired")
    assert "old@example.org" in {r["address"] for r in with_expired}
    assert main(["list"]) == 0 and "jane@example.com" in capsys.readouterr().out  # human table


def test_manual_suppress_allow_unsuppress(populated, capsys):
    ses = FakeSesList([SesListEntry("jane@example.com", "BOUNCE", RECENT)])
    factory.override(ses_list=ses)
    [row] = run_json(
        capsys,
        "suppress",
        "New@Example.net",
        "--reason",
        "legal",
        "--days",
        "3",
        "--actor",
        "alice",
    )
    assert row["suppressed"] is True and row["reason"] == "manual"
    item = factory.suppression_client().check("new@example.net")
    assert item.suppressed and item.expires_at is not None
    assert "ses_list" not in row and ses.deletes == []  # suppress leaves SES alone
    [row] = run_json(capsys, "allow", "Jane@Example.com", "--reason", "confirmed by phone")
    assert row["state"] == "allowed" and row["suppressed"] is False
    assert row["ses_list"] == "deleted" and ses.deletes == ["jane@example.com"]
    assert not factory.suppression_client().is_suppressed("jane@example.com")
    assert row["lifted"] is None  # a hard bounce needs no --force
    # rick complained: lifting that needs --force and a reason, and nothing changes without
    assert main(["unsuppress", "rick@example.com", "--reason", "ticket 7"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "complaint" in err and "--force" in err and err.count("\n") == 1
    assert main(["unsuppress", "rick@example.com", "--force"]) == 1
    assert "--reason" in capsys.readouterr().err
    assert factory.suppression_client().is_suppressed("rick@example.com")
    assert ses.deletes == ["jane@example.com"]
    [row] = run_json(
        capsys,
        "unsuppress",
        "rick@example.com",
        "--force",
        "--reason",
        "ticket 7",
        "--actor",
        "bob",
    )
    assert row["suppressed"] is False and row["ses_list"] == "not-listed"
    assert row["lifted"] == "complaint"
    audit = _item(populated, "rick@example.com")["audit"]
    assert [(a["action"], a["actor"], a["note"], a.get("lifted")) for a in audit] == [
        ("manual-unsuppress", "bob", "ticket 7", "complaint")
    ]
    [row] = run_json(capsys, "unsuppress", "bob@example.org", "--no-ses")
    assert row["ses_list"] == "skipped" and ses.deletes == ["jane@example.com", "rick@example.com"]
    assert main(["suppress", "not an address", "--reason", "x"]) == 1


# --- input that is not exactly one addr-spec is refused, never rewritten -----------


@pytest.mark.parametrize(
    "raw",
    [
        'evil\n{"to": "victim"}@example.com',  # a lenient parser made it "...}@example.com"
        "jane@example.com\r\n",
        "ja\x00ne@example.com",
        "jane@example.com,mary@example.com",
        '"Jane" <jane@example.com>',
        '"jane doe"@example.com',
        "jane@",
        "jane@exa_mple.com",
        "a" * 300 + "@example.com",
    ],
)
@pytest.mark.parametrize("command", ["suppress", "unsuppress", "allow", "check"])
def test_bad_addresses_are_refused_with_one_line(populated, capsys, command, raw):
    before = run_json(capsys, "list", "--include-expired")
    extra = ["--reason", "x"] if command == "suppress" else []
    assert main([command, raw, *extra]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("error: ") and "not a valid address" in err
    assert len(err) < 200
    assert run_json(capsys, "list", "--include-expired") == before  # nothing written


def test_check_refuses_the_whole_command_for_one_bad_address(populated, capsys):
    assert main(["check", "jane@example.com", "jane@example.com\n"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("error: ")


def test_export_import_and_sync_with_ses(populated, capsys):
    fake = FakeSesList([SesListEntry("listed@example.com", "BOUNCE", RECENT)])
    factory.override(ses_list=fake)
    out = run_json(capsys, "export", "--dry-run")
    assert {(r["address"], r["reason"]) for r in out[:-1]} == {
        ("jane@example.com", "BOUNCE"),
        ("rick@example.com", "COMPLAINT"),
    }
    assert out[-1]["summary"]["exported"] == 2 and fake.puts == []
    assert run_json(capsys, "import")[-1]["summary"] == {"imported": 1, "written": 1}
    assert run_json(capsys, "import")[-1]["summary"] == {"imported": 1, "written": 0}
    summary = run_json(capsys, "ses-sync")[-1]["summary"]
    assert summary["exported"] == 2 and sorted(fake.puts) == [
        ("jane@example.com", "BOUNCE"),
        ("rick@example.com", "COMPLAINT"),
    ]


def test_reclassify_lists_suppressions_the_current_rules_would_not_make(suppression_table, capsys):
    from domain.events import RecipientOutcome
    from domain.verdicts import Classification, Verdict

    settings = PolicySettings()
    service = SuppressionService(DynamoSuppressionRepository(suppression_table, settings), settings)

    def stored_as_invalid(address: str, status: str, diagnostic: str) -> RecipientOutcome:
        # what an older classifier stored: every "user unknown" taken as an invalid address
        return RecipientOutcome(
            address=address,
            event_type="Bounce",
            event_id=f"Bounce:{address}",
            occurred_at=RECENT,
            classification=Classification(
                "userunknown", Verdict.INVALID_ADDRESS, status, "550", diagnostic
            ),
            bounce_type="Permanent",
            bounce_sub_type="General",
        )

    service.apply_outcomes(
        [
            stored_as_invalid(
                "kept@example.com", "5.1.1", "550 5.1.1 <kept@example.com>: no such user"
            ),
            stored_as_invalid(
                "lift@example.com", "5.2.1", "550 5.2.1 <lift@example.com>... User Unknown"
            ),
            outcome("complaint", RECENT, address="rick@example.com"),
        ]
    )
    rows = run_json(capsys, "reclassify", "--table", suppression_table)
    assert [(r["address"], r["stored_reason"], r["reason"], r["verdict"]) for r in rows] == [
        ("lift@example.com", "userunknown", "filtered", "mailbox-problem")
    ]
    assert rows[0]["status"] == "5.2.1" and rows[0]["evidence_at"].endswith("Z")

    assert main(["reclassify", "--table", suppression_table]) == 0
    out = capsys.readouterr().out
    assert "2 invalid-address suppressions read; 1 read otherwise now" in out
    assert "ses-feedback unsuppress" in out


# --- lifting reaches SES's list; ses-sync --check ---------------------------------


class RefusingSesList(FakeSesList):
    def delete(self, address):
        from botocore.exceptions import ClientError

        error = {"Error": {"Code": "AccessDeniedException", "Message": "no"}}
        raise ClientError(error, "DeleteSuppressedDestination")


def test_a_failed_ses_delete_keeps_the_table_change_and_says_so(populated, capsys):
    factory.override(ses_list=RefusingSesList())
    assert main(["unsuppress", "jane@example.com", "--json"]) == 1
    out, err = capsys.readouterr()
    assert json.loads(out)["ses_list"] == "failed" and json.loads(out)["suppressed"] is False
    assert err.count("\n") == 1 and "AccessDeniedException" in err and "jane" not in err
    assert not factory.suppression_client().is_suppressed("jane@example.com")


def test_ses_sync_check_reports_disagreements_and_changes_nothing(populated, capsys):
    # ours: jane (hard bounce), rick (complaint) in force; bob watching; old expired
    ses = FakeSesList(
        [
            SesListEntry("jane@example.com", "BOUNCE", RECENT),  # agrees
            SesListEntry("Bob@Example.org", "BOUNCE", RECENT),  # we only watch bob
            SesListEntry("old@example.org", "BOUNCE", RECENT),  # lapsed here
            SesListEntry("stranger@example.com", "COMPLAINT", RECENT),
        ]
    )
    factory.override(ses_list=ses)
    before = run_json(capsys, "list", "--include-expired")
    assert main(["ses-sync", "--check", "--json"]) == 2
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["kind"], r["address"], r["ses_reason"], r["our_state"]) for r in rows[:-1]] == [
        ("only-in-ses", "bob@example.org", "BOUNCE", "watching"),
        ("only-in-ses", "old@example.org", "BOUNCE", "expired"),
        ("only-here", "rick@example.com", None, "suppressed"),
        ("only-in-ses", "stranger@example.com", "COMPLAINT", None),
    ]
    assert rows[2]["exported_as"] == "COMPLAINT" and rows[2]["our_reason"] == "feedback"
    assert rows[-1]["summary"] == {
        "ses_entries": 4,
        "suppressed_here": 2,
        "only-here": 1,
        "only-in-ses": 3,
        "reason-differs": 0,
    }
    assert ses.puts == [] and ses.deletes == []
    assert run_json(capsys, "list", "--include-expired") == before

    # after an export and lifting the strays, the lists agree: exit 0
    assert main(["export"]) == 0
    for address in ("bob@example.org", "old@example.org", "stranger@example.com"):
        ses.delete(address)
    ses._entries.append(SesListEntry("rick@example.com", "COMPLAINT", RECENT))
    capsys.readouterr()
    assert main(["ses-sync", "--check"]) == 0
    assert "only-here: 0, only-in-ses: 0" in capsys.readouterr().out
    assert main(["ses-sync", "--check", "--since", "1d"]) == 1
