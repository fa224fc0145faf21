"""Results of analysing one message or one SES notification."""

from __future__ import annotations

from typing import Final, Literal, NamedTuple, get_args

from domain.addresses import key_form_or_as_found
from domain.verdicts import Classification

MessageKind = Literal["bounce", "complaint", "auto-reply", "delivery", "delay", "other"]
KINDS: Final = frozenset(get_args(MessageKind))


class RecipientReport(NamedTuple):
    """One recipient named by a message, with what the message says about it (immutable;
    a NamedTuple because one is built per recipient of every event)."""

    address: str | None  # lower-cased addr-spec as found, None when the message hides it
    classification: Classification

    def to_json_dict(self) -> dict[str, object]:
        c = self.classification
        return {
            # the table's key form (IDN domains in punycode), so it can be looked up
            "address": key_form_or_as_found(self.address),
            "reason": c.reason,
            "verdict": c.verdict.value,
            "hard": c.hard,
            "status": c.status,
            "reply_code": c.reply_code,
            "diagnostic": c.diagnostic,
        }


class MessageReport(NamedTuple):
    """What one bounce, complaint, auto-reply or delivery report says (immutable)."""

    kind: MessageKind
    feedback_type: str | None = None
    recipients: tuple[RecipientReport, ...] = ()
    error: str | None = None  # why it could not be (fully) classified

    def to_json_dict(self, source: str) -> dict[str, object]:
        """The CLI's stable JSON object (docs/classification.md, "CLI output")."""
        out: dict[str, object] = {
            "source": source,
            "kind": self.kind,
            "feedback_type": self.feedback_type,
            "recipients": [r.to_json_dict() for r in self.recipients],
        }
        if self.error is not None:
            out["error"] = self.error
        return out
