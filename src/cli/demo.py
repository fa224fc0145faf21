"""`ses-feedback demo`: the real handlers on an embedded AWS emulator, end to end.

Starts moto's server on 127.0.0.1, creates the tables from template.yaml, feeds every sample
in events/ through the handler template.yaml names for it, then prints the suppression table
and the queries another service would make. Needs no AWS account and no Docker.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cli import local_env

DEMO_TABLE = "ses-feedback-demo-suppression"
DEMO_INBOUND_TABLE = "ses-feedback-demo-inbound"
DEMO_PUBLISHED_TABLE = "ses-feedback-demo-published-events"
DEMO_CONFIGURATION_SET = "ses-feedback-dev"  # the one the alarm sample names
# The names the sample events in events/InboundFunction use.
DEMO_INBOUND_BUCKET = "ses-feedback-dev-inbound-123456789012-us-east-1"
DEMO_INBOUND_PREFIX = "inbound/"
DEMO_RETURN_PATH_KEY = "ses-feedback-local-demo-key-not-a-secret"
# events/WebhookFunction is signed with a TEST-ONLY certificate (tests/sns_signing.py) for this
# topic at this time; the demo serves that certificate in place of SNS's and sets the clock.
DEMO_WEBHOOK_TOPIC = "arn:aws:sns:us-east-1:123456789012:ses-feedback-dev-events"
DEMO_WEBHOOK_CLOCK = datetime(2026, 11, 20, 9, 42, tzinfo=UTC)


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("demo", help="run the pipeline locally on an embedded emulator")
    p.add_argument(
        "--events",
        type=Path,
        default=local_env.repo_root() / "events",
        help="folder of sample events, one subfolder per function logical ID",
    )
    p.set_defaults(func=run)


class FakeContext:
    """The parts of the Lambda context object that Powertools reads."""

    function_name = "ses-feedback-demo"
    function_version = "$LATEST"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:ses-feedback-demo"
    aws_request_id = "demo-request"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000


def handler_for(logical_id: str, template: dict[str, Any]) -> Any:
    resource = template["Resources"][logical_id]
    module_name, _, func = resource["Properties"]["Handler"].rpartition(".")
    return getattr(importlib.import_module(module_name), func)


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "SesFeedbackDemo")
    os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "ses-feedback")
    os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"  # keep EMF blobs off the screen
    template = local_env.load_template()
    with local_env.embedded_aws() as endpoint:
        from adapters import factory

        os.environ["SUPPRESSION_TABLE"] = DEMO_TABLE
        os.environ["INBOUND_TABLE"] = DEMO_INBOUND_TABLE
        os.environ["PUBLISHED_EVENTS_TABLE"] = DEMO_PUBLISHED_TABLE  # change events' marks
        os.environ["INBOUND_BUCKET"] = DEMO_INBOUND_BUCKET
        os.environ["INBOUND_OBJECT_PREFIX"] = DEMO_INBOUND_PREFIX
        os.environ["UNSUBSCRIBE_MAILBOXES"] = "unsubscribe@mail.example.com"
        # the public key the sample messages were signed with (never deploy with it)
        os.environ.setdefault("RETURN_PATH_KEYS", DEMO_RETURN_PATH_KEY)
        # the one-click samples were minted on 2026-11-30: keep them valid, as events/env.json
        os.environ.setdefault("UNSUBSCRIBE_TOKEN_LIFETIME_DAYS", "3650")
        os.environ["WEBHOOK_ALLOWED_TOPIC_ARNS"] = DEMO_WEBHOOK_TOPIC
        # the alarm sample pauses this configuration set (an in-memory switch: the emulator
        # has no SESv2 sending options)
        os.environ["AUTO_PAUSE_CONFIGURATION_SET"] = DEMO_CONFIGURATION_SET
        os.environ["AUTO_PAUSE_CONFIGURATION_SET_ARN"] = (
            f"arn:aws:ses:us-east-1:123456789012:configuration-set/{DEMO_CONFIGURATION_SET}"
        )
        os.environ["AUTO_PAUSE_ALARMS"] = f"{DEMO_CONFIGURATION_SET}-bounce-rate-pause"
        factory.reset()
        dynamodb = factory.aws_client("dynamodb")
        local_env.create_tables(
            dynamodb,
            {
                "SuppressionTable": DEMO_TABLE,
                "InboundTable": DEMO_INBOUND_TABLE,
                "PublishedEventsTable": DEMO_PUBLISHED_TABLE,
            },
            template,
        )
        factory.aws_client("s3").create_bucket(Bucket=DEMO_INBOUND_BUCKET)
        print(
            f"Embedded AWS emulator at {endpoint}; tables {DEMO_TABLE} and "
            f"{DEMO_INBOUND_TABLE} created from template.yaml\n"
        )
        _feed_events(args.events, template)
        _show_table()
        _show_queries()
        _show_inbound()
    print(f"\nDone in {time.perf_counter() - started:.1f}s.")
    return 0


def _feed_events(folder: Path, template: dict[str, Any]) -> None:
    print("Feeding sample events through the real handlers:")
    _stand_ins()
    _store_inbound_messages(folder)
    for function_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
        if function_dir.name not in template["Resources"]:
            continue
        handler = handler_for(function_dir.name, template)
        for path in sorted(function_dir.glob("*.json")):
            event = json.loads(path.read_text())
            try:
                response = handler(event, FakeContext())
            except Exception as exc:  # noqa: BLE001 - the demo reports and goes on
                print(
                    f"  {function_dir.name} <- {path.name}: raised {exc.__class__.__name__}: "
                    f"{str(exc)[:120]} (Lambda would retry, then use the on-failure destination)"
                )
                continue
            print(f"  {function_dir.name} <- {path.name}: {_describe(event, response)}")


def _store_inbound_messages(events: Path) -> None:
    """Put the sample message each inbound event names where the receipt rule would have."""
    from adapters import factory

    local_env.store_inbound_samples(
        factory.aws_client("s3"), DEMO_INBOUND_BUCKET, DEMO_INBOUND_PREFIX, events
    )


def _show_inbound() -> None:
    from adapters import factory

    items = factory.aws_resource("dynamodb").Table(DEMO_INBOUND_TABLE).scan()["Items"]
    print(f"\nInbound table ({len(items)} items, one per message and receiving mailbox):")
    for item in sorted(items, key=lambda i: str(i.get("received_at", ""))):
        subject = str(item.get("subject") or "")[:40]
        print(f"  {item.get('kind', '-')!s:<12} {item.get('mailbox', '-')!s:<28} {subject}")


def _stand_ins() -> None:
    """The emulator has no SESv2 suppression-list API: give the sync function a local list
    holding one address, as if SES had suppressed it. The webhook gets the TEST-ONLY SNS
    certificate its samples are signed with."""
    from adapters import factory
    from domain.ses_sync import SesListEntry

    test_cert = (
        local_env.repo_root() / "tests" / "fixtures" / "sns" / "TEST-ONLY-sns-signing-cert.pem"
    )

    def sns_fetcher(url: str) -> bytes:  # never the network: certificate or SubscribeURL
        return test_cert.read_bytes() if url.endswith(".pem") else b"<ConfirmSubscriptionResponse/>"

    factory.override(
        sending_control=local_env.LocalSendingControl(),
        ses_list=local_env.LocalSesSuppressionList(
            [SesListEntry("listed@example.net", "BOUNCE", datetime.now(UTC))]
        ),
        sns_fetcher=sns_fetcher,
        sns_clock=lambda: DEMO_WEBHOOK_CLOCK,
    )


def _describe(event: dict[str, Any], response: Any) -> str:
    """One line about what the handler answered, whatever the event source."""
    if isinstance(event.get("records"), list):  # Firehose transformation
        results = [r.get("result") for r in (response or {}).get("records", [])]
        counts = ", ".join(f"{results.count(k)} {k}" for k in sorted(set(results)))
        return f"{len(event['records'])} Firehose record(s): {counts}"
    if isinstance(response, dict) and "statusCode" in response:  # Function URL / HTTP API
        body = str(response.get("body") or "")
        return f"HTTP {response['statusCode']}: {body if len(body) <= 70 else body[:67] + '...'}"
    if isinstance(response, dict) and "batchItemFailures" in response:
        failures = len(response["batchItemFailures"])
        records = event.get("Records", [])
        source = "stream" if records and records[0].get("eventSource") == "aws:dynamodb" else "SQS"
        return f"{len(records)} {source} record(s), {failures} batch item failure(s)"
    if isinstance(event.get("Records"), list):
        return f"{len(event['Records'])} record(s): {_short(response)}"
    return _short(response)


def _short(response: Any) -> str:
    text = json.dumps(response, default=str) if response is not None else "ok"
    return text if len(text) <= 100 else text[:97] + "..."


def _show_table() -> None:
    from adapters import factory

    table = factory.aws_resource("dynamodb").Table(DEMO_TABLE)
    items: list[dict[str, Any]] = sorted(table.scan()["Items"], key=lambda i: str(i["address"]))
    now = time.time()
    print(f"\nSuppression table ({len(items)} items; 'now' applies expires_at as readers must):")
    header = ("address", "state", "now", "reason", "category", "soft", "expires (UTC)")
    widths = (26, 11, 10, 13, 16, 4, 16)
    print("  " + " ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    for item in items:
        expires = item.get("expires_at")
        in_force = item.get("state") == "suppressed" and (expires is None or expires > now)
        row = (
            str(item["address"]),
            str(item["state"]),
            "blocked" if in_force else "sendable",
            str(item.get("reason") or "-"),
            str(item.get("category") or "-"),
            str(int(item.get("soft_bounce_count", 0))),
            datetime.fromtimestamp(int(expires), UTC).strftime("%Y-%m-%d %H:%M")
            if expires is not None
            else ("never" if item.get("suppressed") else "-"),
        )
        print("  " + " ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))


def _show_queries() -> None:
    """The calls another service makes, with plain boto3 (see docs/schema.md)."""
    from boto3.dynamodb.conditions import Key

    from adapters import factory

    table = factory.aws_resource("dynamodb").Table(DEMO_TABLE)
    now = int(time.time())
    print("\nQueries another service would make (plain boto3, see docs/schema.md):")
    for address in ("jane@example.com", "carol@example.org", "nobody@example.com"):
        item: dict[str, Any] | None = table.get_item(Key={"address": address}).get("Item")
        suppressed = bool(
            item
            and item.get("suppressed")
            and (item.get("expires_at") is None or int(item["expires_at"]) > now)
        )
        why = f" ({item.get('reason')})" if suppressed and item else ""
        print(f"  is {address} suppressed?  {suppressed}{why}")
    domain = "example.com"
    rows = table.query(IndexName="by-domain", KeyConditionExpression=Key("domain").eq(domain))[
        "Items"
    ]
    listed = ", ".join(sorted(str(r["address"]) for r in rows if _in_force(r, now))) or "-"
    print(f"  suppressed at {domain} (expired ones filtered out): {listed}")
    since = "2026-11-21T00:00:00.000Z"
    for reason in ("userunknown", "feedback", "mailboxfull"):
        rows = table.query(
            IndexName="by-reason",
            KeyConditionExpression=Key("reason").eq(reason) & Key("suppressed_at").gte(since),
        )["Items"]
        listed = ", ".join(sorted(str(r["address"]) for r in rows if _in_force(r, now))) or "-"
        print(f"  suppressed for {reason} since {since[:10]}: {listed}")


def _in_force(item: dict[str, Any], now: float) -> bool:
    expires = item.get("expires_at")
    return item.get("state") == "suppressed" and (expires is None or int(expires) > now)
