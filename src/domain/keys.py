"""The secret keys behind signed return paths and unsubscribe tokens: one key list
(RETURN_PATH_KEYS / the stack's secret) serves both, so both accept keys by one rule."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

MIN_KEY_BYTES: Final = 16


def first_short_key(keys: Sequence[bytes]) -> int | None:
    """The position of the first key shorter than MIN_KEY_BYTES, None when all are long
    enough (the caller's error names it by position, never by value)."""
    return next((i for i, key in enumerate(keys) if len(key) < MIN_KEY_BYTES), None)
