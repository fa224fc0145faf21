"""Which reputation metrics an event produces: one plan shared by every feedback path.

Pure counting; the handlers turn a `MetricsTally` into CloudWatch EMF (one metric blob per
configuration set, see adapters/emf.py). Names are stable because alarms and dashboards use
them:

- `Events<Type>` per event, for every known type (`EventsSend`, `EventsBounce`,
  `EventsRenderingFailure`, ...); unknown types count as `EventsUnknown` so a new SES type
  cannot create an unbounded number of metric names.
- per recipient outcome: `HardBounces` (verdict invalid-address), `SoftBounces` (a Bounce
  whose verdict is mailbox-problem or transient), `SenderProblemBounces` (a Bounce whose
  verdict is sender-problem), `Complaints` (verdict complaint).
- `SendRecipients`: recipients of each Send event (`mail.destination`), the denominator of
  the bounce and complaint rates, which SES counts per recipient, not per message.
- `SuppressionsAdded`: addresses that became suppressed when the outcomes were applied.
- `SesCountedBounces` and `SesCountedComplaints`: the numerators of the rates as SES counts
  them, whatever our classifier says (the reputation alarms use these): every recipient of a
  `Permanent` bounce, including `Suppressed` (a drop by SES's global suppression list, which
  SES counts), except `OnAccountSuppressionList` drops, which SES says do not count; every
  complained recipient except `OnAccountSuppressionList` complaints. Recipients whose
  address could not be read still count: SES counted them.

Events without a configuration set (identity notifications) count under "none".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from domain.event_types import BOUNCE, COMPLAINT, KNOWN_EVENT_TYPES, SEND
from domain.events import FeedbackEvent, RecipientOutcome
from domain.verdicts import SOFT_VERDICTS, Verdict

NO_CONFIGURATION_SET = "none"

HARD_BOUNCES = "HardBounces"
SOFT_BOUNCES = "SoftBounces"
SENDER_PROBLEM_BOUNCES = "SenderProblemBounces"
COMPLAINTS = "Complaints"
SUPPRESSIONS_ADDED = "SuppressionsAdded"
SEND_RECIPIENTS = "SendRecipients"
SES_COUNTED_BOUNCES = "SesCountedBounces"
SES_COUNTED_COMPLAINTS = "SesCountedComplaints"

# SES: "This does not count toward your bounce rate metric" (account-level list drops).
_NOT_COUNTED_BY_SES = "OnAccountSuppressionList"


def event_metric_name(event_type: str) -> str:
    return f"Events{event_type}" if event_type in KNOWN_EVENT_TYPES else "EventsUnknown"


def outcome_metric_name(outcome: RecipientOutcome) -> str | None:
    """The per-recipient reputation counter an outcome adds to, if any."""
    verdict = outcome.classification.verdict
    if verdict is Verdict.INVALID_ADDRESS:
        return HARD_BOUNCES
    if verdict is Verdict.COMPLAINT:
        return COMPLAINTS
    if outcome.event_type != BOUNCE:
        return None
    if verdict in SOFT_VERDICTS:
        return SOFT_BOUNCES
    if verdict is Verdict.SENDER_PROBLEM:
        return SENDER_PROBLEM_BOUNCES
    return None


def ses_counted_metric(event: FeedbackEvent) -> tuple[str, int] | None:
    """The SES rate numerator an event adds to and by how many recipients, if any."""
    recipients = len(event.outcomes) + event.skipped_recipients
    if event.event_type == BOUNCE:
        if (
            event.detail.get("bounceType") == "Permanent"
            and event.detail.get("bounceSubType") != _NOT_COUNTED_BY_SES
        ):
            return SES_COUNTED_BOUNCES, recipients
        return None
    if (
        event.event_type == COMPLAINT
        and event.detail.get("complaintSubType") != _NOT_COUNTED_BY_SES
    ):
        return SES_COUNTED_COMPLAINTS, recipients
    return None


def configuration_set_of(value: str | None) -> str:
    return value or NO_CONFIGURATION_SET


@dataclass
class MetricsTally:
    """Counts per configuration set, then per metric name."""

    counts: dict[str, Counter[str]] = field(default_factory=dict)

    def _counter(self, configuration_set: str | None) -> Counter[str]:
        key = configuration_set_of(configuration_set)
        counter = self.counts.get(key)
        if counter is None:
            counter = self.counts[key] = Counter()
        return counter

    def add_event(self, event: FeedbackEvent) -> None:
        counter = self._counter(event.configuration_set)
        counter[event_metric_name(event.event_type)] += 1
        if event.event_type == SEND:
            counter[SEND_RECIPIENTS] += event.destination_count
        for outcome in event.outcomes:
            name = outcome_metric_name(outcome)
            if name is not None:
                counter[name] += 1
        counted = ses_counted_metric(event)
        if counted is not None and counted[1]:
            counter[counted[0]] += counted[1]

    def add_suppressions(
        self, newly_suppressed: Iterable[str], outcomes: Iterable[RecipientOutcome]
    ) -> None:
        """Attribute each newly suppressed address to the configuration set of the outcome
        that suppressed it (the first suppressing outcome for that address)."""
        addresses = set(newly_suppressed)
        if not addresses:
            return
        by_address: dict[str, str | None] = {}
        for outcome in outcomes:
            if outcome.address in addresses and outcome.address not in by_address:
                verdict = outcome.classification.verdict
                if (
                    verdict in (Verdict.INVALID_ADDRESS, Verdict.COMPLAINT)
                    or verdict in SOFT_VERDICTS
                ):
                    by_address[outcome.address] = outcome.configuration_set
        for address in addresses:
            self._counter(by_address.get(address))[SUPPRESSIONS_ADDED] += 1

    def as_dict(self) -> Mapping[str, Mapping[str, int]]:
        return {cs: dict(counter) for cs, counter in self.counts.items() if counter}
