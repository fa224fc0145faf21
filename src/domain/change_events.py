"""Change events: what one write to the suppression table changed about suppression.

Input is one stream record's OLD and NEW images, as the plain item dictionaries of
docs/schema.md (numbers may arrive as Decimal), and the time of the change. Output is zero
or more `ChangeEvent`s (docs/events.md):

- `added`: not suppressed -> suppressed.
- `lifted`: suppressed and in force -> not suppressed before its expiry (a manual unsuppress
  or allow, newer evidence, or the item deleted by someone other than DynamoDB's TTL).
- `expired`: a suppression whose `expires_at` had passed by the time of the write is no
  longer the stored state (the expiry sweep, or any later write), a write moved the expiry
  of the suppression in force into the past, or the item was deleted by DynamoDB's TTL while
  it still read as suppressed.
- `escalated`: still suppressed, and either the category shown got stronger (policy
  precedence: SES's own list < soft-bounce escalation < invalid address < complaint or
  unsubscribe < manual) or, with a soft-bounce escalation shown, `escalations` rose.
- `changed`: still suppressed, not escalated, but the reason, category or expiry changed
  (e.g. a newer hard bounce moved `expires_at` later).

A suppression whose expiry has passed is "lapsed": readers already treat it as not
suppressed. A write that replaces a lapsed suppression with a new one gives `expired` and
`added`; a write that changes nothing about suppression (a delivery marker, a history-only
update, a soft bounce counted while watching) gives nothing. Attributes this module does not
know are ignored.

Event ids are deterministic: the same stream record (a retried batch) always gives the same
ids, so a publisher can skip what it already published and consumers can de-duplicate.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Literal

from domain.scopes import GLOBAL_SCOPE
from domain.verdicts import SOFT_VERDICTS, Verdict

ChangeKind = Literal["added", "lifted", "expired", "escalated", "changed"]
CHANGE_KINDS: Final[tuple[ChangeKind, ...]] = (
    "added",
    "lifted",
    "expired",
    "escalated",
    "changed",
)
#: `state` of the detail when the item is gone (deleted by TTL or by hand).
STATE_REMOVED: Final = "removed"
DETAIL_FORMAT: Final = 1

_SUPPRESSED = "suppressed"
_SOFT_CATEGORIES = frozenset(str(v) for v in SOFT_VERDICTS)
# Policy precedence (domain/policy.py) as seen on the item's `category`.
_CATEGORY_RANK: Final[dict[str, int]] = {
    "ses-suppressed": 0,
    **dict.fromkeys(_SOFT_CATEGORIES, 1),
    str(Verdict.INVALID_ADDRESS): 2,
    str(Verdict.COMPLAINT): 3,
    "unsubscribe": 3,
    "manual": 4,
}

_Status = Literal["in-force", "lapsed", "none"]


class MalformedImageError(ValueError):
    """A stream image lacks what every item has (its key); the message names the field."""


@dataclass(frozen=True, slots=True)
class ChangeEvent:
    event_id: str
    change: ChangeKind
    address: str
    scope: str
    state: str  # the item's state after the change (`removed` when it was deleted)
    reason: str | None  # of the suppression added / kept, or of the one that ended
    category: str | None
    # escalated / changed: the suppression before; added: a lapsed one it replaced
    # (otherwise None)
    expires_at: datetime | None  # of that suppression; None = never
    suppressed_at: str | None
    previous_reason: str | None
    previous_category: str | None
    at: datetime  # when the change took effect (for `expired`: when the suppression lapsed)
    version: int | None  # the item's version after the change; None when deleted

    @property
    def domain(self) -> str | None:
        return self.address.rpartition("@")[2] or None

    def detail(self) -> dict[str, Any]:
        """The EventBridge `detail` (docs/events.md). Contains the address: personal data."""
        return {
            "format": DETAIL_FORMAT,
            "event_id": self.event_id,
            "change": self.change,
            "address": self.address,
            "domain": self.domain,
            "scope": self.scope,
            "state": self.state,
            "reason": self.reason,
            "category": self.category,
            "expires_at": _iso(self.expires_at) if self.expires_at else None,
            "suppressed_at": self.suppressed_at,
            "previous_reason": self.previous_reason,
            "previous_category": self.previous_category,
            "at": _iso(self.at),
            "version": self.version,
        }


def derive_changes(
    old: Mapping[str, Any] | None,
    new: Mapping[str, Any] | None,
    *,
    recorded_at: datetime,
    removed_by_ttl: bool = False,
) -> list[ChangeEvent]:
    """The change events of one stream record. `recorded_at` is the record's approximate
    creation time (used when the new image has no `updated_at`, and for deletions);
    `removed_by_ttl`: a REMOVE made by DynamoDB's TTL (the record's userIdentity)."""
    if old is None and new is None:
        return []
    key_image = new if new is not None else old
    assert key_image is not None
    address = key_image.get("address")
    if not isinstance(address, str) or not address:
        raise MalformedImageError("the image has no address")
    moment = _change_time(new, recorded_at)
    ids = _IdSource(address, old, new)
    events = _transition(
        ids,
        GLOBAL_SCOPE,
        old,
        new,
        moment=moment,
        removed_by_ttl=removed_by_ttl,
        state_after=str(new.get("state")) if new is not None else STATE_REMOVED,
        version=_int(new.get("version")) if new is not None else None,
    )
    events.extend(_scope_changes(ids, old, new, moment=moment, removed_by_ttl=removed_by_ttl))
    return events


# --- one scope's transition -------------------------------------------------------------------


def _transition(
    ids: _IdSource,
    scope: str,
    old: Mapping[str, Any] | None,
    new: Mapping[str, Any] | None,
    *,
    moment: datetime,
    removed_by_ttl: bool,
    state_after: str,
    version: int | None,
) -> list[ChangeEvent]:
    before = _status(old, moment)
    after = _status(new, moment)

    def event(
        change: ChangeKind, shown: Mapping[str, Any], at: datetime, previous: Mapping[str, Any]
    ) -> ChangeEvent:
        return ChangeEvent(
            event_id=ids.event_id(change, scope),
            change=change,
            address=ids.address,
            scope=scope,
            state=state_after,
            reason=_text(shown.get("reason")),
            category=_text(shown.get("category")),
            expires_at=_expiry(shown),
            suppressed_at=_text(shown.get("suppressed_at")),
            previous_reason=_text(previous.get("reason")),
            previous_category=_text(previous.get("category")),
            at=at,
            version=version,
        )

    empty: Mapping[str, Any] = {}
    events: list[ChangeEvent] = []
    if before == "lapsed" and after != "lapsed":
        # (both lapsed: the stored state still reads suppressed, so the expiry is announced
        # by the write that ends it, e.g. the sweep's, once)
        assert old is not None
        lapsed_at = _expiry(old) or moment
        events.append(event("expired", old, lapsed_at, empty))
    elif before == "in-force" and after == "lapsed":
        assert new is not None  # the expiry moved before the write (a shorter TTL setting)
        events.append(event("expired", old or new, _expiry(new) or moment, empty))
    elif before == "in-force" and after != "in-force":
        assert old is not None
        ended_by_ttl = new is None and removed_by_ttl
        events.append(event("expired" if ended_by_ttl else "lifted", old, moment, empty))
    if after == "in-force":
        assert new is not None
        if before != "in-force":
            previous = old if before == "lapsed" and old is not None else empty
            events.append(event("added", new, moment, previous))
        else:
            assert old is not None
            kind = _kind_of_update(old, new)
            if kind is not None:
                events.append(event(kind, new, moment, old))
    return events


def _kind_of_update(old: Mapping[str, Any], new: Mapping[str, Any]) -> ChangeKind | None:
    old_rank = _CATEGORY_RANK.get(str(old.get("category")))
    new_rank = _CATEGORY_RANK.get(str(new.get("category")))
    if old_rank is not None and new_rank is not None and new_rank > old_rank:
        return "escalated"
    soft_shown = str(new.get("category")) in _SOFT_CATEGORIES
    if soft_shown and _int(new.get("escalations")) > _int(old.get("escalations")):
        return "escalated"
    watched = ("reason", "category")
    if any(old.get(k) != new.get(k) for k in watched) or _expiry(old) != _expiry(new):
        return "changed"
    return None


def _status(image: Mapping[str, Any] | None, moment: datetime) -> _Status:
    if image is None or image.get("state") != _SUPPRESSED:
        return "none"
    expires = _expiry(image)
    return "lapsed" if expires is not None and expires <= moment else "in-force"


# --- scoped suppressions (the `scopes` map, written by the per-scope policy) ----------------
# `scopes` is a map {scope name: {state, reason, category, since, expires_at?, ...}} whose
# entries are present exactly while that scope's suppression is in force when written
# (docs/schema.md). Presence reads as suppressed (an entry may say otherwise with `state`);
# `expires_at` (epoch seconds) lapses it as at top level.


def _scope_changes(
    ids: _IdSource,
    old: Mapping[str, Any] | None,
    new: Mapping[str, Any] | None,
    *,
    moment: datetime,
    removed_by_ttl: bool,
) -> list[ChangeEvent]:
    old_scopes = _scopes(old)
    new_scopes = _scopes(new)
    events: list[ChangeEvent] = []
    for scope in sorted(set(old_scopes) | set(new_scopes)):
        if scope == GLOBAL_SCOPE:
            continue  # the top-level state is the global scope
        before, after = old_scopes.get(scope), new_scopes.get(scope)
        events.extend(
            _transition(
                ids,
                scope,
                before,
                after,
                moment=moment,
                removed_by_ttl=removed_by_ttl and new is None,
                state_after=STATE_REMOVED if after is None else str(after["state"]),
                version=_int(new.get("version")) if new is not None else None,
            )
        )
    return events


def _scopes(image: Mapping[str, Any] | None) -> dict[str, Mapping[str, Any]]:
    raw = image.get("scopes") if image is not None else None
    if not isinstance(raw, Mapping):
        return {}
    return {
        str(name): _scope_view(entry) for name, entry in raw.items() if isinstance(entry, Mapping)
    }


def _scope_view(entry: Mapping[str, Any]) -> Mapping[str, Any]:
    if "state" in entry:
        return entry
    suppressed = entry.get("suppressed", True)
    return {**entry, "state": _SUPPRESSED if suppressed else "clear"}


# --- ids, times, values ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _IdSource:
    """Event ids from the table key and both images' (version, updated_at): the same for
    every delivery of one stream record, different for every write (versions restart when
    an item is deleted and created again, `updated_at` does not repeat)."""

    address: str
    old: Mapping[str, Any] | None
    new: Mapping[str, Any] | None

    def event_id(self, change: str, scope: str) -> str:
        parts = [self.address, scope, change, *_stamp(self.old), *_stamp(self.new)]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def _stamp(image: Mapping[str, Any] | None) -> tuple[str, str]:
    if image is None:
        return ("-", "-")
    return (str(_int(image.get("version"))), str(image.get("updated_at") or "-"))


def _change_time(new: Mapping[str, Any] | None, recorded_at: datetime) -> datetime:
    stamp = new.get("updated_at") if new is not None else None
    if isinstance(stamp, str) and stamp:
        try:
            return _parse_iso(stamp)
        except ValueError:
            pass
    return recorded_at.astimezone(UTC)


def _expiry(image: Mapping[str, Any]) -> datetime | None:
    raw = image.get("expires_at")
    if raw is None:
        return None
    return datetime.fromtimestamp(_int(raw), UTC)


def _int(value: Any) -> int:
    if value is None:
        return 0
    return int(value)  # int, Decimal (boto3's deserialiser) or numeric text


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _parse_iso(text: str) -> datetime:
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --- SES's account-level list -----------------------------------------------------------------


def unlist_from_ses(
    events: list[ChangeEvent], exported: Callable[[str | None, str | None], bool]
) -> str | None:
    """The address to delete from SES's account-level suppression list after this record,
    or None. `exported(reason, category)` says whether the pipeline would have put such a
    suppression there (domain.ses_sync's export rule). Only global suppressions are exported;
    nothing is deleted when the new state is itself an exported suppression in force."""
    ended = [
        e
        for e in events
        if e.scope == GLOBAL_SCOPE
        and e.change in ("lifted", "expired")
        and exported(e.reason, e.category)
    ]
    if not ended:
        return None
    still = [
        e
        for e in events
        if e.scope == GLOBAL_SCOPE
        and e.change in ("added", "escalated", "changed")
        and exported(e.reason, e.category)
    ]
    return None if still else ended[0].address
