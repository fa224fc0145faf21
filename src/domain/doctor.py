"""`ses-feedback doctor`: what each health check concludes from what SES and the stack say.

Pure: every function takes the plain answers of the AWS APIs (the dicts boto3 returns, or
the few values read from them) and returns `Check`s with a status, a one-line finding and,
unless the check passed, a one-line fix. src/cli/doctor.py asks AWS and prints them. The
thresholds are SES's own (reference §9): review at 5 % bounces / 0.1 % complaints, pause
at 10 % / 0.5 %.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, Final

BOUNCE_REVIEW: Final = 0.05
BOUNCE_PAUSE: Final = 0.10
COMPLAINT_REVIEW: Final = 0.001
COMPLAINT_PAUSE: Final = 0.005
QUOTA_WARN: Final = 0.75
QUOTA_FAIL: Final = 0.90


class Status(IntEnum):
    """Ordered so that max() is the worst; the value is the command's exit status."""

    PASS = 0
    WARN = 1
    FAIL = 2


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    status: Status
    detail: str
    fix: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            "check": self.name,
            "status": self.status.name,
            "detail": self.detail,
            "fix": self.fix,
        }


def worst(checks: Iterable[Check]) -> Status:
    return max((c.status for c in checks), default=Status.PASS)


def passed(name: str, detail: str) -> Check:
    return Check(name, Status.PASS, detail)


# --- the account --------------------------------------------------------------------------


def account_access(account: Mapping[str, Any]) -> list[Check]:
    """Sandbox or production, account-level sending, SES's enforcement status."""
    checks = []
    if account.get("ProductionAccessEnabled"):
        checks.append(passed("production access", "the account is out of the sandbox"))
    else:
        checks.append(
            Check(
                "production access",
                Status.WARN,
                "sandbox: mail only to verified identities and the mailbox simulator",
                "request production access (SES console > Account dashboard)",
            )
        )
    if account.get("SendingEnabled", True):
        checks.append(passed("account sending", "enabled"))
    else:
        checks.append(
            Check(
                "account sending",
                Status.FAIL,
                "sending is disabled for the whole account",
                "find why (SES console > Reputation metrics), then "
                "aws sesv2 put-account-sending-attributes --sending-enabled",
            )
        )
    enforcement = str(account.get("EnforcementStatus") or "HEALTHY")
    if enforcement == "HEALTHY":
        checks.append(passed("enforcement status", "HEALTHY"))
    else:
        checks.append(
            Check(
                "enforcement status",
                Status.FAIL if enforcement == "SHUTDOWN" else Status.WARN,
                f"SES reports {enforcement}",
                "read the case in the SES console (Reputation metrics) and answer it",
            )
        )
    return checks


def send_quota(account: Mapping[str, Any]) -> Check:
    quota = account.get("SendQuota") or {}
    maximum = float(quota.get("Max24HourSend") or 0)
    sent = float(quota.get("SentLast24Hours") or 0)
    rate = float(quota.get("MaxSendRate") or 0)
    if maximum <= 0:  # SES reports -1 for an unlimited quota
        return passed("24-hour quota", f"{sent:.0f} sent, no daily limit; {rate:g} messages/s")
    used = sent / maximum
    detail = f"{sent:.0f} of {maximum:.0f} sent in 24 h ({used:.0%}); {rate:g} messages/s"
    if used >= QUOTA_FAIL:
        status = Status.FAIL
    elif used >= QUOTA_WARN:
        status = Status.WARN
    else:
        return passed("24-hour quota", detail)
    return Check(
        "24-hour quota", status, detail, "request a quota increase (Service Quotas > Amazon SES)"
    )


def suppression_settings(account: Mapping[str, Any]) -> Check:
    reasons = set((account.get("SuppressionAttributes") or {}).get("SuppressedReasons") or [])
    missing = sorted({"BOUNCE", "COMPLAINT"} - reasons)
    if not missing:
        return passed("account suppression list", "suppresses BOUNCE and COMPLAINT")
    return Check(
        "account suppression list",
        Status.WARN,
        f"does not suppress {', '.join(missing)}",
        "aws sesv2 put-account-suppression-attributes --suppressed-reasons BOUNCE COMPLAINT",
    )


# --- identities -----------------------------------------------------------------------------

_GOOD = "SUCCESS"


def identity_checks(identity: str, found: Mapping[str, Any]) -> list[Check]:
    """Verification, Easy DKIM and custom MAIL FROM of one identity (GetEmailIdentity)."""
    checks = []
    verification = str(found.get("VerificationStatus") or "NOT_STARTED")
    if found.get("VerifiedForSendingStatus") and verification == _GOOD:
        checks.append(passed(f"identity {identity}", "verified for sending"))
    else:
        checks.append(
            Check(
                f"identity {identity}",
                Status.FAIL,
                f"not verified for sending ({verification})",
                "publish the identity's DNS records (DkimTokens CNAMEs) or click the "
                "verification mail, then wait for SES to check",
            )
        )
    dkim = found.get("DkimAttributes") or {}
    dkim_status = str(dkim.get("Status") or "NOT_STARTED")
    if dkim.get("SigningEnabled") and dkim_status == _GOOD:
        checks.append(passed(f"DKIM {identity}", "signing, records found"))
    elif found.get("IdentityType") == "EMAIL_ADDRESS" and dkim_status == "NOT_STARTED":
        checks.append(passed(f"DKIM {identity}", "signed with its domain's DKIM, if any"))
    else:
        checks.append(
            Check(
                f"DKIM {identity}",
                Status.WARN if dkim_status in ("PENDING", "TEMPORARY_FAILURE") else Status.FAIL,
                f"DKIM {dkim_status}" + ("" if dkim.get("SigningEnabled") else ", signing off"),
                "publish the three DKIM CNAME records (stack outputs DkimRecord1-3, or "
                "aws sesv2 get-email-identity) and keep signing enabled",
            )
        )
    mail_from = found.get("MailFromAttributes") or {}
    domain = mail_from.get("MailFromDomain")
    if not domain:
        checks.append(
            passed(f"MAIL FROM {identity}", "default (amazonses.com); SPF aligns with SES")
        )
    elif mail_from.get("MailFromDomainStatus") == _GOOD:
        checks.append(passed(f"MAIL FROM {identity}", f"{domain} verified"))
    else:
        status = str(mail_from.get("MailFromDomainStatus") or "PENDING")
        checks.append(
            Check(
                f"MAIL FROM {identity}",
                Status.WARN if status == "PENDING" else Status.FAIL,
                f"{domain} is {status}: SES falls back to amazonses.com"
                if mail_from.get("BehaviorOnMxFailure") == "USE_DEFAULT_VALUE"
                else f"{domain} is {status}: SES rejects sends",
                f"publish MX 10 feedback-smtp.<region>.amazonses.com and "
                f'TXT "v=spf1 include:amazonses.com ~all" on {domain}',
            )
        )
    return checks


_NOTIFICATION_TYPES = ("Bounce", "Complaint", "Delivery")


def notification_topics(
    identity: str,
    attributes: Mapping[str, Any],
    *,
    stack_topic: str,
    stack_configuration_set: str,
    default_configuration_set: str | None,
) -> list[Check]:
    """Does each feedback type of this identity reach this stack? Either its notification
    topic is the stack's topic, or every send uses the stack's configuration set by
    default (its events reach the stack, so identity notifications are not needed)."""
    checks = []
    covered = default_configuration_set == stack_configuration_set
    for kind in _NOTIFICATION_TYPES:
        name = f"{kind} notifications {identity}"
        topic = attributes.get(f"{kind}Topic")
        if topic == stack_topic:
            checks.append(passed(name, "reach this stack's topic"))
        elif covered:
            checks.append(
                passed(name, f"default configuration set {stack_configuration_set} covers them")
            )
        elif kind == "Delivery" and not topic:
            checks.append(passed(name, "not published (optional)"))
        else:
            where = f"go to {topic}" if topic else "have no topic"
            if not topic and attributes.get("ForwardingEnabled"):
                where += " (forwarded by email only)"
            checks.append(
                Check(
                    name,
                    Status.WARN,
                    f"{where}: sends without the configuration set are not seen",
                    f"ses-feedback setup-notifications --identity {identity} --topic {stack_topic}",
                )
            )
    return checks


# --- the configuration set ------------------------------------------------------------------


def configuration_set(name: str, found: Mapping[str, Any] | None) -> list[Check]:
    if found is None:
        return [
            Check(
                f"configuration set {name}",
                Status.FAIL,
                "does not exist",
                "deploy the stack (sam deploy) or pass the right --stack",
            )
        ]
    checks = [passed(f"configuration set {name}", "exists")]
    if (found.get("SendingOptions") or {}).get("SendingEnabled", True):
        checks.append(passed(f"sending {name}", "enabled"))
    else:
        checks.append(
            Check(
                f"sending {name}",
                Status.FAIL,
                "sending is paused for the configuration set",
                "fix the cause, then ses-feedback resume",
            )
        )
    return checks


def event_destinations(
    configuration_set_name: str,
    destinations: Sequence[Mapping[str, Any]],
    *,
    topic_arn: str,
    delivery_stream_arn_suffix: str,
) -> list[Check]:
    """The stack's SNS and Firehose destinations are present, enabled and publish bounces
    and complaints, and the SNS one (the only path that writes the table) publishes every
    type the Firehose one archives."""
    sns = str(topic_arn)
    stream = str(delivery_stream_arn_suffix)

    def target(destination: Mapping[str, Any], label: str) -> bool:
        if label == "SNS destination":
            return (destination.get("SnsDestination") or {}).get("TopicArn") == sns
        firehose = destination.get("KinesisFirehoseDestination") or {}
        return str(firehose.get("DeliveryStreamArn", "")).endswith(stream)

    checks = []
    published: dict[str, set[str]] = {}
    for label in ("SNS destination", "Firehose destination"):
        name = f"{label} {configuration_set_name}"
        found = [d for d in destinations if target(d, label)]
        if not found:
            checks.append(Check(name, Status.FAIL, "missing", "redeploy the stack (sam deploy)"))
            continue
        destination = found[0]
        types = {str(t).upper() for t in destination.get("MatchingEventTypes", [])}
        published[label] = types if destination.get("Enabled") else set()
        missing = sorted({"BOUNCE", "COMPLAINT"} - types)
        if not destination.get("Enabled"):
            checks.append(Check(name, Status.FAIL, "disabled", "redeploy the stack (sam deploy)"))
        elif missing:
            checks.append(
                Check(
                    name,
                    Status.FAIL,
                    f"does not publish {', '.join(missing)}",
                    "redeploy the stack (sam deploy)",
                )
            )
        else:
            checks.append(passed(name, f"enabled, {len(types)} event types"))
    archived_only = sorted(
        published.get("Firehose destination", set()) - published.get("SNS destination", set())
    )
    if archived_only and published.get("SNS destination"):
        checks.append(
            Check(
                f"SNS destination {configuration_set_name} covers the archive",
                Status.FAIL,
                f"{', '.join(archived_only)} reach the archive but never the table (only the "
                "SNS path applies suppressions)",
                "redeploy the stack (sam deploy)",
            )
        )
    return checks


# --- topics, queues, receiving ---------------------------------------------------------------


def topic_subscriptions(
    label: str, topic_arn: str, subscriptions: Sequence[Mapping[str, Any]], *, fix: str
) -> Check:
    name = f"subscriptions {label}"
    confirmed = [s for s in subscriptions if s.get("SubscriptionArn", "").startswith("arn:")]
    pending = len(subscriptions) - len(confirmed)
    if confirmed and not pending:
        return passed(name, f"{len(confirmed)} confirmed")
    if confirmed:
        return Check(
            name,
            Status.WARN,
            f"{len(confirmed)} confirmed, {pending} pending confirmation",
            "confirm the pending subscriptions (the link SNS sent) or remove them",
        )
    detail = f"{pending} pending confirmation, none confirmed" if pending else "no subscription"
    return Check(name, Status.FAIL, f"{detail} on {topic_arn}", fix)


def dlq_depth(label: str, depth: int, fix: str) -> Check:
    name = f"dead-letter queue {label}"
    if depth == 0:
        return passed(name, "empty")
    return Check(name, Status.FAIL, f"{depth} messages wait (not applied)", fix)


def receipt_rule_set(active: str | None, expected: str) -> Check:
    name = "active receipt rule set"
    if active == expected:
        return passed(name, f"{expected} is active")
    detail = f"{active} is active, not {expected}" if active else "no rule set is active"
    return Check(
        name,
        Status.WARN,
        f"{detail}: inbound mail is not received by this stack",
        "ses-feedback activate-receipt-rules",
    )


def reputation(metric: str, value: float | None, review: float, pause: float) -> Check:
    name = f"reputation {metric}"
    if value is None:
        return passed(name, "no data in the last 24 h (no bounces or complaints yet)")
    detail = f"{value:.2%} (SES reviews at {review:.1%}, may pause at {pause:.1%})"
    if value >= pause:
        status = Status.FAIL
    elif value >= review:
        status = Status.WARN
    else:
        return passed(name, detail)
    return Check(
        name,
        status,
        detail,
        "stop sending to suppressed addresses (ses-feedback check) and find the list or "
        "campaign that bounces or is reported",
    )
