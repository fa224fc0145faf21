from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from adapters import factory
from domain.ses_sync import SesListEntry
from handlers import ses_sync
from tests.fakes import FakeSesList

pytestmark = pytest.mark.integration


def test_scheduled_sync_both_directions(suppression_table, ses_sample, lambda_context):
    from handlers import feedback

    # our own hard bounce, recent enough to fall in the sync window
    bounce = ses_sample("event-bounce.json")
    bounce["bounce"]["timestamp"] = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    envelope = {
        "Records": [
            {
                "EventSource": "aws:sns",
                "Sns": {
                    "Type": "Notification",
                    "MessageId": "m",
                    "TopicArn": "arn:aws:sns:us-east-1:1:t",
                    "Message": json.dumps(bounce),
                },
            }
        ]
    }
    feedback.lambda_handler(envelope, lambda_context)

    fake = FakeSesList(
        [SesListEntry("listed@example.com", "COMPLAINT", datetime.now(UTC) - timedelta(days=3))]
    )
    factory.override(ses_list=fake)
    summary = ses_sync.lambda_handler({}, lambda_context)
    assert summary == {
        "imported": 1,
        "import_written": 1,
        "exported": 1,
        "export_skipped": 0,
        "export_method": "per-address",  # no import bucket configured, and one address
    }
    assert fake.puts == [("recipient@example.com", "BOUNCE")]
    status = factory.suppression_client().check("listed@example.com")
    assert status.suppressed and status.reason == "suppressed"
    # a second run changes nothing in our table and does not export SES's own entry back
    again = ses_sync.lambda_handler({}, lambda_context)
    assert again["import_written"] == 0 and fake.puts[-1] == ("recipient@example.com", "BOUNCE")
