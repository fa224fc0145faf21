"""Normalise SES feedback from both publishing formats into one shape.

SES speaks two dialects: identity notifications (`notificationType`) and configuration-set
event publishing (`eventType`). Both carry a `mail` object and one type-specific object; only
the key names differ. Everything downstream sees a `FeedbackEvent` with one
`RecipientOutcome` per recipient the event says something about.

Unknown fields are ignored and unknown event types are returned with no outcomes, as SES
reserves the right to add both.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from domain.addresses import InvalidAddressError, normalise_address
from domain.event_types import (
    BOUNCE,
    COMPLAINT,
    DELIVERY,
    DELIVERY_DELAY,
    EVENT_TYPES,
    SUBSCRIPTION,
)
from domain.scopes import GLOBAL_SCOPE, SCOPE_SEPARATOR, InvalidScopeError, normalise_scope
from domain.verdicts import Classification, Verdict
from domain.vocabulary import Reason

SES_VALIDATION_MESSAGE = "Successfully validated SNS topic for Amazon SES event publishing."

DELIVERED = Classification(reason=Reason.DELIVERED, verdict=Verdict.DELIVERED)


class MalformedEventError(ValueError):
    """The payload is not an SES feedback record we can read (reason in the message)."""


@dataclass(slots=True)  # not frozen: built per recipient on the hot path, 4x cheaper
class RecipientOutcome:
    """What one event says about one recipient, with the evidence to keep."""

    address: str
    event_type: str
    event_id: str  # idempotency key: unique per (event, recipient)
    occurred_at: datetime
    classification: Classification
    message_id: str | None = None
    feedback_id: str | None = None
    bounce_type: str | None = None
    bounce_sub_type: str | None = None
    feedback_type: str | None = None
    configuration_set: str | None = None
    source: str = "sns"
    #: which mail the outcome concerns (domain.scopes): global for bounces and complaints,
    #: a list or topic for unsubscribes and SES Subscription opt-outs
    scope: str = GLOBAL_SCOPE


@dataclass(slots=True)
class FeedbackEvent:
    event_type: str  # canonical name, or the unknown name as received
    known: bool
    occurred_at: datetime
    message_id: str | None
    configuration_set: str | None
    outcomes: tuple[RecipientOutcome, ...] = ()
    skipped_recipients: int = 0  # recipients whose address could not be read
    destination_count: int = 0  # len(mail.destination): the denominator of per-recipient rates
    detail: Mapping[str, Any] = field(default_factory=dict)


def parse_feedback(payload: Mapping[str, Any], source: str = "sns") -> FeedbackEvent:
    """Normalise one decoded SES notification or event."""
    raw_type = payload.get("eventType", payload.get("notificationType"))
    if not isinstance(raw_type, str) or not raw_type:
        raise MalformedEventError("neither eventType nor notificationType is present")
    mail = payload.get("mail")
    if not isinstance(mail, dict):
        raise MalformedEventError(f"{raw_type} record has no mail object")
    message_id = _opt_str(mail.get("messageId"))
    config_set = _configuration_set(mail)
    known = raw_type in EVENT_TYPES
    canonical, detail_key = EVENT_TYPES.get(raw_type, (raw_type, ""))
    detail = payload.get(detail_key) if detail_key else None
    if detail is None:
        detail = {}
    if not isinstance(detail, dict):
        raise MalformedEventError(f"{raw_type} record has a malformed {detail_key!r} object")
    occurred_at = parse_timestamp(detail.get("timestamp")) or parse_timestamp(mail.get("timestamp"))
    if occurred_at is None:
        raise MalformedEventError(f"{raw_type} record has no readable timestamp")
    builder = _OUTCOME_BUILDERS.get(canonical)
    outcomes: list[RecipientOutcome] = []
    skipped = 0
    if builder is not None:  # most events (Send, Open, Click, ...) have no outcomes
        context = _Context(canonical, occurred_at, message_id, config_set, source)
        outcomes, skipped = builder(context, detail, mail)
    return FeedbackEvent(
        event_type=canonical,
        known=known,
        occurred_at=occurred_at,
        message_id=message_id,
        configuration_set=config_set,
        outcomes=tuple(outcomes),
        skipped_recipients=skipped,
        destination_count=len(destination)
        if isinstance(destination := mail.get("destination"), list)
        else 0,
        detail=detail,
    )


@dataclass(frozen=True, slots=True)
class _Context:
    event_type: str
    occurred_at: datetime
    message_id: str | None
    configuration_set: str | None
    source: str

    def outcome(
        self, address: str, event_key: str, classification: Classification, **extra: Any
    ) -> RecipientOutcome:
        return RecipientOutcome(
            address=address,
            event_type=self.event_type,
            event_id=f"{self.event_type}:{event_key}:{address}",
            occurred_at=self.occurred_at,
            classification=classification,
            message_id=self.message_id,
            configuration_set=self.configuration_set,
            source=self.source,
            **extra,
        )

    def event_key(self, detail: Mapping[str, Any]) -> str:
        """SES's feedbackId where it exists, else the message id, else a content hash."""
        feedback_id = _opt_str(detail.get("feedbackId"))
        if feedback_id:
            return feedback_id
        if self.message_id:
            return self.message_id
        blob = json.dumps(detail, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:32]


_Built = tuple[list[RecipientOutcome], int]


def _collect(
    items: Iterable[Any],
    address_of: Callable[[Any], Any],
    build: Callable[[Any, str], RecipientOutcome],
) -> _Built:
    """One outcome per item whose address reads; the others are counted, not fatal."""
    outcomes: list[RecipientOutcome] = []
    skipped = 0
    for item in items:
        address = _address(address_of(item))
        if address is None:
            skipped += 1
        else:
            outcomes.append(build(item, address))
    return outcomes, skipped


def _email_address(rec: Mapping[str, Any]) -> Any:
    return rec.get("emailAddress")


# The classifier is imported by the builders that use it, when first used: reading events
# (settings, the API, auto-pause, sync) does not need it at cold start, and the handlers
# whose first request may classify import it at init themselves.


def _bounce(ctx: _Context, detail: Mapping[str, Any], _mail: Mapping[str, Any]) -> _Built:
    from domain.classify import classify_ses_bounce_entry

    bounce_type = _opt_str(detail.get("bounceType"))
    sub_type = _opt_str(detail.get("bounceSubType"))
    feedback_id = _opt_str(detail.get("feedbackId"))
    key = ctx.event_key(detail)

    def build(rec: Mapping[str, Any], address: str) -> RecipientOutcome:
        classification = classify_ses_bounce_entry(bounce_type, sub_type, rec, address)
        return ctx.outcome(
            address,
            key,
            classification,
            feedback_id=feedback_id,
            bounce_type=bounce_type,
            bounce_sub_type=sub_type,
        )

    return _collect(_records(detail, "bouncedRecipients"), _email_address, build)


def _complaint(ctx: _Context, detail: Mapping[str, Any], _mail: Mapping[str, Any]) -> _Built:
    from domain.classify import classify_complaint

    feedback_type = _opt_str(detail.get("complaintFeedbackType"))
    classification = classify_complaint(feedback_type, _opt_str(detail.get("complaintSubType")))
    feedback_id = _opt_str(detail.get("feedbackId"))
    key = ctx.event_key(detail)

    def build(_rec: Mapping[str, Any], address: str) -> RecipientOutcome:
        return ctx.outcome(
            address, key, classification, feedback_id=feedback_id, feedback_type=feedback_type
        )

    return _collect(_records(detail, "complainedRecipients"), _email_address, build)


def _delivery(ctx: _Context, detail: Mapping[str, Any], mail: Mapping[str, Any]) -> _Built:
    recipients = detail.get("recipients")
    if not isinstance(recipients, list):
        recipients = mail.get("destination")
    key = ctx.event_key({}) if ctx.message_id else ctx.event_key(detail)
    return _collect(
        recipients if isinstance(recipients, list) else (),
        lambda raw: raw,
        lambda _raw, address: ctx.outcome(address, key, DELIVERED),
    )


def _delay(ctx: _Context, detail: Mapping[str, Any], _mail: Mapping[str, Any]) -> _Built:
    from domain.classify import classify_ses_delay_entry

    delay_type = _opt_str(detail.get("delayType"))
    # A message can be delayed many times; each delay's own timestamp tells them apart.
    key = f"{ctx.event_key({})}:{_opt_str(detail.get('timestamp')) or ''}"

    def build(rec: Mapping[str, Any], address: str) -> RecipientOutcome:
        classification = classify_ses_delay_entry(delay_type, rec)
        return ctx.outcome(address, key, classification)

    return _collect(_records(detail, "delayedRecipients"), _email_address, build)


#: SES `Subscription` preference -> the reason it is recorded under (other values ignored)
_SUBSCRIPTION_REASONS: Mapping[str, Reason] = {
    "OptOut": Reason.UNSUBSCRIBE,
    "OptIn": Reason.SUBSCRIBE,
}
_NOT_IN_SCOPE_NAMES = re.compile(r"[^a-z0-9._-]+")
_SCOPE_PART_LIMIT = 63  # so `list:topic` always fits domain.scopes.MAX_SCOPE_LENGTH


def contact_list_scope(name: str) -> str:
    """The scope part for an SES contact-list or topic name: lower-cased, every run of
    characters outside the scope grammar replaced by one '-', separators trimmed from the
    ends, at most 63 characters. A list called `global` becomes `global-list`, so a
    contact list can never name the global scope. Raises InvalidScopeError when nothing
    usable is left (a name of punctuation only)."""
    part = _NOT_IN_SCOPE_NAMES.sub("-", name.strip().lower())[:_SCOPE_PART_LIMIT]
    part = part.strip("-._")
    if part == GLOBAL_SCOPE:
        part = f"{GLOBAL_SCOPE}-list"
    if not part:
        raise InvalidScopeError("a contact-list or topic name has no letter or digit")
    return normalise_scope(part)


def _subscription_scopes(detail: Mapping[str, Any]) -> list[tuple[str, Reason]]:
    """(scope, unsubscribe | subscribe) for each preference in `newTopicPreferences`:
    `unsubscribeAll` speaks for the whole list (scope = the list), each topic status for
    `<list>:<topic>`. The new preferences are the contact's whole state, so an OptIn (or
    `unsubscribeAll: false`) is recorded as well: the later of two events wins per scope."""
    contact_list = _opt_str(detail.get("contactList"))
    if contact_list is None:
        raise MalformedEventError("subscription has no contactList")
    prefs = detail.get("newTopicPreferences")
    if prefs is None:
        return []
    if not isinstance(prefs, dict):
        raise MalformedEventError("subscription has a malformed newTopicPreferences object")
    try:
        list_scope = contact_list_scope(contact_list)
        found: list[tuple[str, Reason]] = []
        everything = prefs.get("unsubscribeAll")
        if isinstance(everything, bool):
            found.append((list_scope, Reason.UNSUBSCRIBE if everything else Reason.SUBSCRIBE))
        topics = prefs.get("topicSubscriptionStatus")
        for topic in topics if isinstance(topics, list) else ():
            if not isinstance(topic, dict):
                continue
            name = _opt_str(topic.get("topicName"))
            reason = _SUBSCRIPTION_REASONS.get(str(topic.get("subscriptionStatus")))
            if name is not None and reason is not None:
                scope = f"{list_scope}{SCOPE_SEPARATOR}{contact_list_scope(name)}"
                found.append((scope, reason))
    except InvalidScopeError as exc:
        raise MalformedEventError(f"subscription names no usable scope: {exc}") from None
    return found


def _subscription(ctx: _Context, detail: Mapping[str, Any], mail: Mapping[str, Any]) -> _Built:
    """SES list-management opt-outs and opt-ins, scoped to the contact list or topic. The
    event names no recipient of its own: it concerns the message's destination (SES sends
    list-managed mail to one contact; with several, each gets the preference, as each
    listed recipient gets a complaint)."""
    scopes = _subscription_scopes(detail)
    # one message's unsubscribe link can be used more than once: the event's own time
    # tells the events apart
    base = ctx.event_key({}) if ctx.message_id else ctx.event_key(detail)
    key = f"{base}:{_opt_str(detail.get('timestamp')) or ''}"
    source = _opt_str(detail.get("source")) or "unknown"
    destination = mail.get("destination")
    outcomes: list[RecipientOutcome] = []
    skipped = 0
    for raw in destination if isinstance(destination, list) else ():
        address = _address(raw)
        if address is None:
            skipped += 1
            continue
        for scope, reason in scopes:
            verb = "opted out of" if reason is Reason.UNSUBSCRIBE else "opted in to"
            classification = Classification(
                reason,
                Verdict.UNDETERMINED,
                diagnostic=f"SES subscription ({source}): {verb} {scope}",
            )
            outcome = ctx.outcome(address, f"{key}:{scope}", classification, scope=scope)
            outcomes.append(outcome)
    return outcomes, skipped


_OUTCOME_BUILDERS = {
    BOUNCE: _bounce,
    COMPLAINT: _complaint,
    DELIVERY: _delivery,
    DELIVERY_DELAY: _delay,
    SUBSCRIPTION: _subscription,
}


def _records(detail: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = detail.get(key)
    if value is None:
        raise MalformedEventError(f"{key} is missing")
    if not isinstance(value, list):
        raise MalformedEventError(f"{key} is not a list")
    return [rec for rec in value if isinstance(rec, dict)]


def _address(raw: Any) -> str | None:
    if not isinstance(raw, str):
        return None
    try:
        return normalise_address(raw)
    except InvalidAddressError:
        return None


def _opt_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _configuration_set(mail: Mapping[str, Any]) -> str | None:
    tags = mail.get("tags")
    if isinstance(tags, dict):
        values = tags.get("ses:configuration-set")
        if isinstance(values, list) and values and isinstance(values[0], str):
            return values[0]
    return None


def parse_timestamp(value: Any) -> datetime | None:
    """An SES/S3 ISO 8601 time as an aware UTC datetime at millisecond precision, or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    elif parsed.tzinfo is not UTC:  # fromisoformat gives UTC itself for "Z" and "+00:00"
        parsed = parsed.astimezone(UTC)
    # SES writes milliseconds, so the common case needs no truncation (a copy saved).
    return truncate_ms(parsed) if parsed.microsecond % 1000 else parsed


def truncate_ms(dt: datetime) -> datetime:
    """Stored times keep milliseconds (SES's own precision), so compare at that precision."""
    return dt.replace(microsecond=dt.microsecond // 1000 * 1000)
