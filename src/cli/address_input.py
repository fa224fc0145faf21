"""Addresses given on the command line, where `-` stands for standard input, one per line
(commands that work per recipient: `return-path`, `unsubscribe-headers`)."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator


def addresses_from(values: Iterable[str]) -> Iterator[str]:
    """Each value in order; `-` expands to the non-blank lines of stdin, stripped."""
    for value in values:
        if value == "-":
            yield from (line.strip() for line in sys.stdin if line.strip())
        else:
            yield value
