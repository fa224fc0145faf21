"""The suppression policy's settings: TTLs, soft-bounce escalation, history and delivery
markers (defaults and the template's parameters: README).

Its own module, apart from the policy (domain/policy.py, which re-exports it): the settings
every function reads at cold start need these values, while only the functions that apply
outcomes need the policy itself.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PolicySettings:
    hard_bounce_ttl_days: int = 365  # 0 = never expires
    complaint_ttl_days: int = 0  # 0 = never expires
    soft_bounce_threshold: int = 3
    soft_bounce_window_days: int = 14
    soft_bounce_ttl_days: int = 1
    soft_bounce_max_ttl_days: int = 30
    history_limit: int = 10
    soft_memory_limit: int = 32
    #: Store a delivery to an address we hold no record for (a small item that expires with
    #: the soft-bounce memory), so a soft bounce older than it that arrives later is
    #: discounted exactly as in timestamp order. Off: one write less per delivered
    #: recipient, and such a late soft bounce counts (docs/decisions.md).
    delivery_markers: bool = True

    def __post_init__(self) -> None:
        for name in ("hard_bounce_ttl_days", "complaint_ttl_days"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0 (0 means no expiry)")
        positive = (
            "soft_bounce_threshold",
            "soft_bounce_window_days",
            "soft_bounce_ttl_days",
            "soft_bounce_max_ttl_days",
            "history_limit",
        )
        for name in positive:
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1")
        if self.soft_bounce_max_ttl_days < self.soft_bounce_ttl_days:
            raise ValueError("soft_bounce_max_ttl_days must be >= soft_bounce_ttl_days")
        if self.soft_memory_limit < self.soft_bounce_threshold:
            raise ValueError("soft_memory_limit must be >= soft_bounce_threshold")
