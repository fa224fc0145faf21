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


def key_list_problem(keys: Sequence[bytes], kind: str) -> str | None:
    """Why `keys` cannot serve (`kind` names them in the message: "return-path",
    "unsubscribe"), or None when they can: at least one key, each long enough."""
    if not keys:
        return f"at least one {kind} key is needed"
    short = first_short_key(keys)
    if short is not None:
        return f"{kind} keys must be at least {MIN_KEY_BYTES} bytes (key {short})"
    return None
