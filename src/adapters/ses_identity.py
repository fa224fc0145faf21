"""SES (v1 API) identity feedback notifications: the SNS topics and header settings of a
verified identity. CloudFormation cannot set these, hence `ses-feedback setup-notifications`.

SESv2 has no equivalent call for identity notification topics, so this uses the classic
`ses` client: GetIdentityNotificationAttributes, SetIdentityNotificationTopic,
SetIdentityHeadersInNotificationsEnabled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

NOTIFICATION_TYPES = ("Bounce", "Complaint", "Delivery")


class IdentityError(RuntimeError):
    """SES refused or the identity is unknown (message says which)."""


@dataclass(frozen=True, slots=True)
class NotificationSettings:
    topics: dict[str, str | None]  # notification type -> topic ARN (None: not published)
    headers: dict[str, bool]  # notification type -> original headers included
    forwarding_enabled: bool | None = None


class SesIdentityNotifications:
    def __init__(self, client: Any = None) -> None:
        if client is None:
            import boto3

            client = boto3.client("ses")
        self._client = client

    def get(self, identity: str) -> NotificationSettings:
        from botocore.exceptions import ClientError

        try:
            response = self._client.get_identity_notification_attributes(Identities=[identity])
        except ClientError as exc:
            raise IdentityError(f"cannot read notification settings of {identity}: {exc}") from exc
        attributes = response.get("NotificationAttributes", {}).get(identity)
        if attributes is None:
            raise IdentityError(f"{identity} is not an identity of this account and region")
        return NotificationSettings(
            topics={t: attributes.get(f"{t}Topic") or None for t in NOTIFICATION_TYPES},
            headers={
                t: bool(attributes.get(f"HeadersIn{t}NotificationsEnabled", False))
                for t in NOTIFICATION_TYPES
            },
            forwarding_enabled=attributes.get("ForwardingEnabled"),
        )

    def set_topic(self, identity: str, notification_type: str, topic_arn: str | None) -> None:
        kwargs: dict[str, Any] = {"Identity": identity, "NotificationType": notification_type}
        if topic_arn:
            kwargs["SnsTopic"] = topic_arn
        self._call("set_identity_notification_topic", kwargs)

    def set_headers(self, identity: str, notification_type: str, enabled: bool) -> None:
        self._call(
            "set_identity_headers_in_notifications_enabled",
            {"Identity": identity, "NotificationType": notification_type, "Enabled": enabled},
        )

    def _call(self, operation: str, kwargs: dict[str, Any]) -> None:
        from botocore.exceptions import ClientError

        try:
            getattr(self._client, operation)(**kwargs)
        except ClientError as exc:
            raise IdentityError(f"{operation} failed for {kwargs['Identity']}: {exc}") from exc
