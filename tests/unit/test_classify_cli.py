"""The ``classify`` subcommand: stable JSON-lines output and exit codes."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from cli.classify import add_parser, run

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus" / "bounces"
KEYS = {"address", "reason", "verdict", "hard", "status", "reply_code", "diagnostic"}

BOUNCE_EVENT = {
    "eventType": "Bounce",
    "bounce": {
        "bounceType": "Permanent",
        "bounceSubType": "General",
        "bouncedRecipients": [
            {
                "emailAddress": "Recipient@Example.com",
                "action": "failed",
                "status": "5.1.1",
                "diagnosticCode": "smtp; 550 5.1.1 user unknown",
            },
        ],
        "timestamp": "2017-08-05T00:41:02.669Z",
        "feedbackId": "x",
    },
    "mail": {"messageId": "m"},
}


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers())
    return parser.parse_args(argv)


def _run(paths: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict], str]:
    args = _parse(["classify", *paths])
    code = args.func(args)
    assert args.func is run
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines()], err


def test_eml_line(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(CORPUS / "lhost-qmail-01.eml")
    code, lines, _ = _run([path], capsys)
    assert code == 0
    assert len(lines) == 1
    obj = lines[0]
    assert obj["source"] == path
    assert obj["kind"] == "bounce"
    assert "error" not in obj
    assert set(obj["recipients"][0]) == KEYS
    assert obj["recipients"][0]["address"] == "kijitora@example.ne.jp"
    assert obj["recipients"][0]["hard"] is True


def test_json_forms(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    direct = tmp_path / "event.json"
    direct.write_text(json.dumps(BOUNCE_EVENT))
    http = tmp_path / "sns-http.json"
    http.write_text(json.dumps({"Type": "Notification", "Message": json.dumps(BOUNCE_EVENT)}))
    notif = dict(BOUNCE_EVENT)
    notif.pop("eventType")
    notif["notificationType"] = "Bounce"
    lam = tmp_path / "lambda.json"
    lam.write_text(
        json.dumps(
            {
                "Records": [
                    {"Sns": {"Message": json.dumps(notif)}},
                    {
                        "Sns": {
                            "Message": json.dumps(
                                {
                                    "notificationType": "Complaint",
                                    "complaint": {
                                        "complainedRecipients": [{"emailAddress": "c@example.com"}],
                                        "complaintFeedbackType": "abuse",
                                    },
                                }
                            )
                        }
                    },
                ]
            }
        )
    )
    code, lines, _ = _run([str(direct), str(http), str(lam)], capsys)
    assert code == 0
    assert [o["kind"] for o in lines] == ["bounce", "bounce", "bounce", "complaint"]
    assert [o["source"] for o in lines] == [str(direct), str(http), str(lam), str(lam)]
    assert lines[0]["recipients"][0]["address"] == "recipient@example.com"
    assert lines[0]["recipients"][0]["reason"] == "userunknown"
    assert lines[3]["feedback_type"] == "abuse"


def test_broken_json_and_unreadable_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"eventType": "Bounce", ')
    unknown = tmp_path / "open.json"
    unknown.write_text(json.dumps({"eventType": "Open", "open": {}}))
    missing = tmp_path / "missing.eml"
    good = CORPUS / "arf-01.eml"
    code, lines, err = _run([str(broken), str(missing), str(unknown), str(good)], capsys)
    assert code == 2
    assert "missing.eml" in err
    assert len(lines) == 3  # the unreadable path prints nothing, the rest are processed
    assert lines[0]["kind"] == "other" and "invalid JSON" in lines[0]["error"]
    assert lines[1]["kind"] == "other" and lines[1]["error"]
    assert lines[2]["kind"] == "complaint"


def test_garbage_eml_is_other_not_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "junk.eml"
    junk.write_bytes(b"\xff\xfe\x00garbage without headers\n\n\x80\x81")
    code, lines, _ = _run([str(junk)], capsys)
    assert code == 0
    assert lines[0]["kind"] == "other"
    assert lines[0]["error"]


def test_json_flag_is_accepted_and_changes_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(CORPUS / "lhost-qmail-01.eml")
    plain = _run([path], capsys)
    assert _run([path, "--json"], capsys) == plain


def test_addresses_print_in_the_table_key_form(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The pipeline's normaliser decides the printed form: what the table is keyed by."""
    from domain.addresses import normalise_address

    event = json.loads(json.dumps(BOUNCE_EVENT))
    recipients = event["bounce"]["bouncedRecipients"]
    idn = dict(recipients[0], emailAddress='"Jane" <Jane@Bücher.example>')
    invalid = dict(recipients[0], emailAddress="Not Valid@@Example.com")
    event["bounce"]["bouncedRecipients"] = [idn, invalid]
    path = tmp_path / "idn.json"
    path.write_text(json.dumps(event, ensure_ascii=False), encoding="utf-8")
    code, lines, _ = _run([str(path)], capsys)
    assert code == 0
    printed = [r["address"] for r in lines[0]["recipients"]]
    assert printed[0] == "jane@xn--bcher-kva.example"
    assert printed[0] == normalise_address("Jane@Bücher.example")
    # not one valid mailbox: shown as the message gives it (lower-cased), not dropped
    assert printed[1] == "not valid@@example.com"
